/*
 * MemorySegment: one fixed-size block of memory outside the JS heap (an ArrayBuffer), handed out
 * by the FlinkMemoryManager and reused. Its memory can leave the thread (an ArrayBuffer transferred
 * to a worker) and be replaced by another block of the same size that comes back: `detach()` gives
 * the memory away, `adopt()` takes a replacement. The segment, not the ArrayBuffer, is what the
 * manager counts, so transfers never change how much memory a pool holds. A segment may also be a
 * slot of shared memory (a SharedArrayBuffer of a ring between threads), which never moves.
 */
import { illegalState } from '../../../errors.ts';

export class MemorySegment {
  /** Unique within its memory manager, for error messages and leak checks. */
  readonly id: number;
  readonly size: number;
  /** Bytes of the allocation request this segment serves (≤ size); the rest is internal fragmentation. */
  requestedBytes = 0;
  /** Whether the segment is currently handed out by its memory manager. */
  allocated = false;
  private memory: ArrayBuffer | SharedArrayBuffer | null;
  private view: Uint8Array;

  constructor(id: number, size: number, memory: ArrayBuffer | SharedArrayBuffer = new ArrayBuffer(size)) {
    this.id = id;
    this.size = size;
    this.memory = memory;
    this.view = new Uint8Array(memory);
  }

  /** The segment's bytes. Throws while the memory is detached (in transit to another thread). */
  get bytes(): Uint8Array {
    if (this.memory === null) throw illegalState(`Memory segment ${this.id} is detached: its memory was transferred and has not been replaced`);
    return this.view;
  }

  /** Whether the memory is shared with other threads (a SharedArrayBuffer). */
  get isShared(): boolean {
    return this.memory instanceof SharedArrayBuffer;
  }

  /** The shared memory of a shared segment (to send to the other thread). */
  get sharedMemory(): SharedArrayBuffer {
    if (!(this.memory instanceof SharedArrayBuffer)) throw illegalState(`Memory segment ${this.id} is not shared memory`);
    return this.memory;
  }

  get isDetached(): boolean {
    return this.memory === null;
  }

  /** Gives the memory away (to be transferred); the segment is unusable until `adopt`. */
  detach(): ArrayBuffer {
    const memory = this.memory;
    if (memory === null) throw illegalState(`Memory segment ${this.id} is already detached`);
    if (memory instanceof SharedArrayBuffer) throw illegalState(`Memory segment ${this.id} is shared memory; it cannot be transferred`);
    this.memory = null;
    this.view = EMPTY;
    return memory;
  }

  /** Takes `memory` (of the segment's size) as this segment's memory. */
  adopt(memory: ArrayBuffer): void {
    if (this.memory !== null) throw illegalState(`Memory segment ${this.id} still has its memory; it cannot adopt another block`);
    if (memory.byteLength !== this.size) {
      throw illegalState(`Memory segment ${this.id} of ${this.size} bytes cannot adopt a block of ${memory.byteLength} bytes`);
    }
    this.memory = memory;
    this.view = new Uint8Array(memory);
  }
}

const EMPTY = new Uint8Array(0);
