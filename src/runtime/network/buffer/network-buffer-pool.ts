/*
 * NetworkBufferPool: the network buffers of one process, over the FlinkMemoryManager's segments.
 * Input channels take their exclusive segments from it directly; result partitions and input
 * gates' floating buffers get a LocalBufferPool from it. All sizes follow Flink's keys
 * (taskmanager.network.memory.buffers-per-channel, .floating-buffers-per-gate,
 * .max-buffers-per-channel), and a request the memory cannot serve fails when it is made — at
 * setup — with what was asked and what is left, as Flink's "Insufficient number of network buffers".
 */
import { formatBytes, insufficientMemory } from '../network-errors.ts';
import type { FlinkMemoryManager } from '../memory/flink-memory-manager.ts';
import type { MemorySegment } from '../memory/memory-segment.ts';
import { LocalBufferPool } from './local-buffer-pool.ts';

export interface NetworkBufferSettings {
  readonly buffersPerChannel: number;
  readonly floatingBuffersPerGate: number;
  readonly maxBuffersPerChannel: number;
}

export const DEFAULT_NETWORK_BUFFER_SETTINGS: NetworkBufferSettings = { buffersPerChannel: 2, floatingBuffersPerGate: 8, maxBuffersPerChannel: 10 };

export class NetworkBufferPool {
  readonly memory: FlinkMemoryManager;
  readonly settings: NetworkBufferSettings;

  constructor(memory: FlinkMemoryManager, settings: NetworkBufferSettings = DEFAULT_NETWORK_BUFFER_SETTINGS) {
    this.memory = memory;
    this.settings = settings;
  }

  get segmentSize(): number {
    return this.memory.segmentSize;
  }

  hasFreeSegments(): boolean {
    return this.memory.availableSegments > 0;
  }

  /** `count` whole segments, all or none. */
  requestSegments(count: number, owner: string): MemorySegment[] {
    if (count === 0) return [];
    if (count > this.memory.availableSegments) {
      const free = this.memory.availableSegments;
      throw insufficientMemory(
        `Insufficient number of network buffers for ${owner}: required ${count}, but only ${free} of ${this.memory.totalSegments} ` +
          `(${formatBytes(free * this.segmentSize)} of ${formatBytes(this.memory.totalSegments * this.segmentSize)}) are free. ` +
          `Raise taskmanager.memory.network.* or lower taskmanager.network.memory.buffers-per-channel / floating-buffers-per-gate.`,
        { required: count, available: free },
      );
    }
    return this.memory.allocate(count * this.segmentSize, owner);
  }

  /**
   * `count` segments of shared memory for a ring between threads (never reused once released; see
   * FlinkMemoryManager), all or none.
   */
  requestSharedSegments(count: number, owner: string): MemorySegment[] {
    if (count > this.memory.availableSegments) {
      const free = this.memory.availableSegments;
      throw insufficientMemory(
        `Insufficient network memory for ${owner}: required ${count} buffers of shared memory, but only ${free} of ${this.memory.totalSegments} ` +
          `(${formatBytes(free * this.segmentSize)} of ${formatBytes(this.memory.totalSegments * this.segmentSize)}) are free. ` +
          `Raise taskmanager.memory.network.* or use fewer ring slots per channel.`,
        { required: count, available: free },
      );
    }
    return this.memory.allocateShared(count, owner);
  }

  tryRequestSegment(): MemorySegment | null {
    return this.memory.tryAllocateSegment();
  }

  recycleSegment(segment: MemorySegment): void {
    this.memory.release(segment);
  }

  recycleSegments(segments: readonly MemorySegment[]): void {
    this.memory.release(segments);
  }

  /**
   * The buffer pool of a result partition with `subpartitions` channels: enough to keep one buffer
   * being written per channel plus one in flight, growing to buffers-per-channel × channels plus the
   * floating buffers when memory allows (Flink's ResultPartitionFactory sizing).
   */
  createResultPartitionPool(subpartitions: number, name: string): LocalBufferPool {
    const min = subpartitions + 1;
    const max = Math.max(min, subpartitions * this.settings.buffersPerChannel + this.settings.floatingBuffersPerGate);
    return new LocalBufferPool(this, min, max, name);
  }

  createBufferPool(minSegments: number, maxSegments: number, name: string): LocalBufferPool {
    return new LocalBufferPool(this, minSegments, maxSegments, name);
  }

  /** Fraction of the network memory in use. */
  usage(): number {
    return this.memory.getStatistics().allocatedSegments / this.memory.totalSegments;
  }
}
