/*
 * The shared memory of the worker-thread ring transport: `slots` network buffers of one segment
 * size in SharedArrayBuffers, plus a control array of Int32 counters that both threads see.
 *
 *   control := head:i32  tail:i32  headWaiter:i32  tailWaiter:i32  meta[slots]
 *   meta    := size:i32  frames:i32  sequence:i32  backlog:i32
 *
 * The sender writes a buffer into slot `head % slots`, fills its meta and then publishes it by
 * advancing `head` (Atomics.store, then notify); the receiver reads the slot in place and frees it
 * by advancing `tail` once the buffer is recycled. head − tail never exceeds `slots`: the free slots
 * are the sender's credit, so the ring is the bound on what is in flight. Counters wrap at 2^32
 * (Int32 arithmetic), which is why `slots` is a power of two.
 *
 * Neither thread ever blocks its event loop: a side that waits for the other uses
 * Atomics.waitAsync, a promise resolved by the other side's Atomics.notify. A waiter raises its
 * flag before it waits and the other side notifies only when it finds the flag raised (after its
 * store of the counter), so a thread that keeps up pays no notify per buffer and no wake-up is lost.
 * A store may also go without a wake-up for a while (`store`, then `wake` later): the waiting side
 * sees every stored value as soon as it is woken or looks by itself.
 */
import { illegalState } from '../../../errors.ts';

export const RingIndex = { HEAD: 0, TAIL: 1, META: 4 } as const;
/** The waiter flag of counter `index` (HEAD or TAIL). */
const WAITER_OFFSET = 2;
export const META_INTS = 4;
export const DEFAULT_RING_SLOTS = 8;

/** What crosses the MessagePort when a receiver requests a partition: the ring's memory. */
export interface SharedBufferRingMemory {
  readonly control: SharedArrayBuffer;
  readonly slots: readonly SharedArrayBuffer[];
}

// Atomics.waitAsync (ES2024) is in Node 24 but not in the project's TypeScript lib setting.
type WaitAsyncResult = { readonly async: false; readonly value: 'not-equal' | 'timed-out' } | { readonly async: true; readonly value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number): WaitAsyncResult }).waitAsync;

export class SharedBufferRing {
  readonly memory: SharedBufferRingMemory;
  readonly control: Int32Array;
  /** Each slot as bytes and as 64-bit words (see copyIntoSlot). */
  private readonly slotBytes: Uint8Array[];
  private readonly slotWords: BigUint64Array[];
  readonly slotCount: number;
  readonly segmentSize: number;
  readonly mask: number;

  constructor(memory: SharedBufferRingMemory) {
    const slots = memory.slots.length;
    if (slots < 2 || (slots & (slots - 1)) !== 0) throw illegalState(`A buffer ring needs a power of two of at least 2 slots, got ${slots}`);
    const segmentSize = memory.slots[0]!.byteLength;
    if (memory.slots.some((s) => s.byteLength !== segmentSize)) throw illegalState('The slots of a buffer ring must have one size');
    if (memory.control.byteLength < (RingIndex.META + slots * META_INTS) * 4) throw illegalState(`The control block of a ring of ${slots} slots is too small`);
    this.memory = memory;
    this.control = new Int32Array(memory.control);
    this.slotCount = slots;
    this.segmentSize = segmentSize;
    this.mask = slots - 1;
    this.slotBytes = memory.slots.map((s) => new Uint8Array(s));
    this.slotWords = memory.slots.map((s) => new BigUint64Array(s, 0, s.byteLength >>> 3));
  }

  /** A ring over the given slots (shared segments of the network memory) with a new control block. */
  static create(slots: readonly SharedArrayBuffer[]): SharedBufferRing {
    const control = new SharedArrayBuffer((RingIndex.META + slots.length * META_INTS) * 4);
    return new SharedBufferRing({ control, slots });
  }

  /** New shared memory for a ring of `slots` buffers of `segmentSize` bytes. */
  static allocate(slots: number, segmentSize: number): SharedBufferRing {
    return SharedBufferRing.create(Array.from({ length: slots }, () => new SharedArrayBuffer(segmentSize)));
  }

  /**
   * Copies bytes[0, length) into `slot`. TypedArray.set into shared memory is a byte-wise relaxed
   * copy in V8 (about 3.5 times slower than into an ArrayBuffer); a loop of 64-bit words, which
   * the optimizing compiler turns into plain moves, copies the same bytes in half the time.
   */
  copyIntoSlot(slot: number, bytes: Uint8Array, length: number): void {
    const target = this.slotBytes[slot]!;
    if (length > target.length) throw illegalState(`A buffer of ${length} bytes does not fit a ring slot of ${target.length} bytes`);
    if ((bytes.byteOffset & 7) !== 0) {
      target.set(bytes.subarray(0, length));
      return;
    }
    const words = length >>> 3;
    const from = new BigUint64Array(bytes.buffer, bytes.byteOffset, words);
    const to = this.slotWords[slot]!;
    for (let i = 0; i < words; i++) to[i] = from[i]!;
    for (let i = words << 3; i < length; i++) target[i] = bytes[i]!;
  }

  get byteSize(): number {
    return this.slotCount * this.segmentSize + this.control.byteLength;
  }

  /**
   * Calls `onChange` once the counter at `index` differs from `seen` (at once if it already does).
   * Returns nothing: the caller re-arms from `onChange`, so one wait is pending at a time.
   */
  whenChanged(index: number, seen: number, onChange: () => void): void {
    Atomics.store(this.control, index + WAITER_OFFSET, 1);
    const wait = waitAsync(this.control, index, seen);
    if (wait.async) void wait.value.then(onChange);
    else queueMicrotask(onChange);
  }

  /** Stores the counter at `index` and wakes the other side if it waits for it. */
  publish(index: number, value: number): void {
    this.store(index, value);
    this.wake(index);
  }

  /** Stores the counter at `index` without waking anyone: the other side sees it when it looks. */
  store(index: number, value: number): void {
    Atomics.store(this.control, index, value);
  }

  /**
   * Wakes the other side if it waits for the counter at `index` (its flag is up). Waking a thread
   * costs the waker several microseconds, so a side that stores often wakes only now and then.
   */
  wake(index: number): void {
    if (Atomics.exchange(this.control, index + WAITER_OFFSET, 0) === 1) Atomics.notify(this.control, index);
  }

  /** Wakes any wait on `index` (this thread's own too, when closing). */
  notify(index: number): void {
    Atomics.notify(this.control, index);
  }
}
