/*
 * NetworkBuffer: a memory segment with the number of bytes written into it, on loan from a buffer
 * pool. Whoever holds it last calls `recycle()` once, which gives the segment back to the pool it
 * came from (and from there to a waiting writer or input channel).
 */
import { illegalState } from '../../../errors.ts';
import type { MemorySegment } from '../memory/memory-segment.ts';

export interface BufferRecycler {
  recycle(segment: MemorySegment): void;
}

export class NetworkBuffer {
  readonly segment: MemorySegment;
  /** Bytes written (sender) or received (receiver), from offset 0. */
  size = 0;
  /** Frames whose last byte is in this buffer: what the receiver can read once it has it. */
  frames = 0;
  private recycler: BufferRecycler | null;

  constructor(segment: MemorySegment, recycler: BufferRecycler) {
    this.segment = segment;
    this.recycler = recycler;
  }

  get capacity(): number {
    return this.segment.size;
  }

  get isRecycled(): boolean {
    return this.recycler === null;
  }

  /** The written bytes (a view, valid until the buffer is recycled). */
  readable(): Uint8Array {
    return this.segment.bytes.subarray(0, this.size);
  }

  recycle(): void {
    const recycler = this.recycler;
    if (recycler === null) throw illegalState(`Network buffer on memory segment ${this.segment.id} is recycled twice`);
    this.recycler = null;
    recycler.recycle(this.segment);
  }
}
