/*
 * LocalBufferPool: the buffers of one result partition (or the floating buffers of one input
 * gate), as in Flink. It holds `minSegments` segments from the NetworkBufferPool for its whole
 * life and may borrow more, up to `maxSegments`, while the network memory has free segments;
 * borrowed segments go back as soon as they are recycled and nobody here waits. Writers wait on
 * one shared availability signal; input channels that need a floating buffer register once as a
 * listener and are handed the next recycled segment.
 */
import { insufficientMemory } from '../network-errors.ts';
import type { MemorySegment } from '../memory/memory-segment.ts';
import { BufferAvailability } from './buffer-availability.ts';
import { NetworkBuffer, type BufferRecycler } from './network-buffer.ts';
import type { NetworkBufferPool } from './network-buffer-pool.ts';

export interface BufferListener {
  /** A buffer for the listener; returns whether it wants to stay registered for more. */
  notifyBufferAvailable(buffer: NetworkBuffer): boolean;
  /** The pool was destroyed; no buffer will come. */
  notifyBufferDestroyed(): void;
}

export class LocalBufferPool implements BufferRecycler {
  readonly name: string;
  readonly minSegments: number;
  readonly maxSegments: number;
  private readonly network: NetworkBufferPool;
  private readonly available: MemorySegment[] = [];
  private readonly listeners: BufferListener[] = [];
  private readonly availability = new BufferAvailability();
  /** Segments this pool holds: available plus out in buffers. */
  private held = 0;
  private destroyed = false;

  constructor(network: NetworkBufferPool, minSegments: number, maxSegments: number, name: string) {
    if (minSegments < 0 || maxSegments < minSegments || maxSegments < 1) {
      throw insufficientMemory(`Buffer pool '${name}': invalid size min ${minSegments}, max ${maxSegments}`);
    }
    this.network = network;
    this.name = name;
    this.minSegments = minSegments;
    this.maxSegments = maxSegments;
    if (minSegments > 0) {
      for (const segment of network.requestSegments(minSegments, `buffer pool '${name}'`)) this.available.push(segment);
      this.held = minSegments;
    }
  }

  get numberOfAvailableSegments(): number {
    return this.available.length;
  }

  /** Buffers out of the pool (being written, queued or in flight). */
  get numberOfUsedBuffers(): number {
    return this.held - this.available.length;
  }

  /** Used buffers over the most this pool may hold (Flink's outPoolUsage/inPoolUsage). */
  usage(): number {
    return this.numberOfUsedBuffers / this.maxSegments;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  isAvailable(): boolean {
    return !this.destroyed && (this.available.length > 0 || (this.held < this.maxSegments && this.network.hasFreeSegments()));
  }

  /** Resolves when a buffer may be available (recycled here, or the pool destroyed). */
  whenAvailable(): Promise<void> {
    return this.isAvailable() || this.destroyed ? Promise.resolve() : this.availability.wait();
  }

  requestBuffer(): NetworkBuffer | null {
    if (this.destroyed) return null;
    let segment = this.available.pop();
    if (segment === undefined && this.held < this.maxSegments) {
      const borrowed = this.network.tryRequestSegment();
      if (borrowed !== null) {
        this.held++;
        segment = borrowed;
      }
    }
    return segment === undefined ? null : new NetworkBuffer(segment, this);
  }

  /** Registers a listener for the next recycled buffer; false when the pool is destroyed. */
  addBufferListener(listener: BufferListener): boolean {
    if (this.destroyed) return false;
    this.listeners.push(listener);
    return true;
  }

  recycle(segment: MemorySegment): void {
    if (this.destroyed) {
      this.held--;
      this.network.recycleSegment(segment);
      return;
    }
    const listener = this.listeners.shift();
    if (listener !== undefined) {
      if (listener.notifyBufferAvailable(new NetworkBuffer(segment, this))) this.listeners.push(listener);
      return;
    }
    if (this.held > this.minSegments && !this.availability.hasWaiters) {
      this.held--;
      this.network.recycleSegment(segment);
      return;
    }
    this.available.push(segment);
    this.availability.notifyAvailable();
  }

  /** Gives every available segment back; segments still out come back as they are recycled. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const segment of this.available) this.network.recycleSegment(segment);
    this.held -= this.available.length;
    this.available.length = 0;
    const listeners = this.listeners.splice(0);
    for (const l of listeners) l.notifyBufferDestroyed();
    this.availability.notifyAvailable();
  }
}
