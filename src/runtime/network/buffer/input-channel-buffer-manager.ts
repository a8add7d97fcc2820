/*
 * The buffers of one input channel (Flink's BufferManager of a RemoteInputChannel): its exclusive
 * buffers, taken from the NetworkBufferPool for the channel's life, and the floating buffers it
 * borrows from its gate's pool when the sender announces a backlog. Every buffer that is free here
 * is one credit; `onCredit` reports each new one so the channel can announce it. A recycled
 * floating buffer goes back to the gate unless this channel still needs it for its backlog.
 */
import type { MemorySegment } from '../memory/memory-segment.ts';
import type { BufferListener, LocalBufferPool } from './local-buffer-pool.ts';
import { NetworkBuffer, type BufferRecycler } from './network-buffer.ts';
import type { NetworkBufferPool } from './network-buffer-pool.ts';

export class InputChannelBufferManager implements BufferRecycler, BufferListener {
  private readonly network: NetworkBufferPool;
  private readonly floatingPool: LocalBufferPool | null;
  private readonly exclusive: Set<MemorySegment>;
  /** Free buffers: each one is credit (announced or not) that the sender may use. */
  private readonly available: MemorySegment[] = [];
  private readonly floatingRecycler: BufferRecycler;
  /** The gate pool's loans by segment: recycling the loan is how a floating buffer goes back. */
  private readonly floatingBuffers = new Map<MemorySegment, NetworkBuffer>();
  /** Returns how many of n new credits the channel accepted (its flow controller's bound). */
  private readonly onCredit: (n: number) => number;
  readonly numberOfExclusiveBuffers: number;
  private floatingHeld = 0;
  private requiredBuffers: number;
  private waitingForFloating = false;
  private released = false;

  constructor(network: NetworkBufferPool, floatingPool: LocalBufferPool | null, exclusiveBuffers: number, owner: string, onCredit: (n: number) => number) {
    this.network = network;
    this.floatingPool = floatingPool;
    this.onCredit = onCredit;
    this.numberOfExclusiveBuffers = exclusiveBuffers;
    this.requiredBuffers = exclusiveBuffers;
    const segments = network.requestSegments(exclusiveBuffers, `the exclusive buffers of input channel '${owner}'`);
    this.exclusive = new Set(segments);
    this.available.push(...segments);
    this.floatingRecycler = { recycle: (segment) => this.recycleFloating(segment) };
  }

  /** The credit of the exclusive buffers, announced when the partition is requested. */
  get initialCredit(): number {
    return this.numberOfExclusiveBuffers;
  }

  get numberOfAvailableBuffers(): number {
    return this.available.length;
  }

  get numberOfFloatingBuffers(): number {
    return this.floatingHeld;
  }

  /** A free buffer for data that arrives against credit; null if the sender overran its credit. */
  requestBuffer(): NetworkBuffer | null {
    const segment = this.available.pop();
    if (segment === undefined) return null;
    return new NetworkBuffer(segment, this.exclusive.has(segment) ? this : this.floatingRecycler);
  }

  recycle(segment: MemorySegment): void {
    if (this.released) {
      this.network.recycleSegment(segment);
      return;
    }
    // Credit outstanding equals the free buffers here: an exclusive buffer back while a floating
    // one is free beyond the need takes that one's place (and credit), which goes back to the gate.
    if (this.available.length >= this.requiredBuffers) {
      const floating = this.available.findIndex((s) => !this.exclusive.has(s));
      if (floating >= 0) {
        const [spare] = this.available.splice(floating, 1, segment);
        this.returnFloating(spare!);
        return;
      }
    }
    this.available.push(segment);
    this.onCredit(1);
  }

  /**
   * The sender has `backlog` buffers queued: keep exclusive + backlog buffers free, borrowing
   * floating ones from the gate while it has them (else wait for the next one it recycles).
   */
  onSenderBacklog(backlog: number): void {
    this.requiredBuffers = backlog + this.numberOfExclusiveBuffers;
    const pool = this.floatingPool;
    if (pool === null || this.released) return;
    while (this.available.length < this.requiredBuffers && !this.waitingForFloating) {
      const buffer = pool.requestBuffer();
      if (buffer === null) {
        this.waitingForFloating = pool.addBufferListener(this);
        return;
      }
      if (!this.acceptFloating(buffer)) return;
    }
  }

  notifyBufferAvailable(buffer: NetworkBuffer): boolean {
    this.waitingForFloating = false;
    if (this.released || this.available.length >= this.requiredBuffers) {
      buffer.recycle();
      return false;
    }
    if (!this.acceptFloating(buffer)) return false;
    this.waitingForFloating = this.available.length < this.requiredBuffers;
    return this.waitingForFloating;
  }

  notifyBufferDestroyed(): void {
    this.waitingForFloating = false;
  }

  /** Gives every buffer back: exclusive ones to the network pool, floating ones to the gate. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const segment of this.available.splice(0)) {
      if (this.exclusive.has(segment)) this.network.recycleSegment(segment);
      else this.returnFloating(segment);
    }
  }

  /** Takes a floating buffer as a free buffer of this channel, unless its credit is at the maximum. */
  private acceptFloating(buffer: NetworkBuffer): boolean {
    // The segment changes owner: the gate's pool now counts it out, this channel recycles it.
    const segment = buffer.segment;
    this.floatingHeld++;
    this.available.push(segment);
    if (this.onCredit(1) === 0) {
      this.available.pop();
      this.floatingHeld--;
      buffer.recycle();
      return false;
    }
    this.floatingBuffers.set(segment, buffer);
    return true;
  }

  private recycleFloating(segment: MemorySegment): void {
    if (!this.released && this.available.length < this.requiredBuffers) {
      this.available.push(segment);
      this.onCredit(1);
      return;
    }
    this.returnFloating(segment);
  }

  private returnFloating(segment: MemorySegment): void {
    const loan = this.floatingBuffers.get(segment);
    this.floatingBuffers.delete(segment);
    this.floatingHeld--;
    if (loan !== undefined) loan.recycle();
    else this.network.recycleSegment(segment);
  }
}
