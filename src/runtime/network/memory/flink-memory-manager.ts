/*
 * FlinkMemoryManager: the allocator of the runtime's off-heap memory. A fixed budget is cut into
 * segments of one size (taskmanager.memory.segment-size); segments are created on first use, kept
 * when released and handed out again, so the budget is never exceeded and steady-state work
 * allocates nothing. A request that the budget cannot serve fails with an error saying what was
 * asked and what is left — it never grows the budget.
 *
 * Segments of shared memory (a SharedArrayBuffer each, for rings between threads) count against
 * the same budget but are never reused: the other thread may still write into one it has not yet
 * seen released, so a released shared segment's memory is dropped and only its place in the
 * budget (and its id) is reused.
 */
import { formatBytes, insufficientMemory } from '../network-errors.ts';
import { illegalState } from '../../../errors.ts';
import { MemorySegment } from './memory-segment.ts';

export interface MemoryStatistics {
  readonly segmentSize: number;
  readonly totalSegments: number;
  readonly totalBytes: number;
  /** Segments handed out and not yet released. */
  readonly allocatedSegments: number;
  /** allocatedSegments × segmentSize: the memory in use. */
  readonly usedBytes: number;
  readonly availableBytes: number;
  /** The highest usedBytes since the manager was created. */
  readonly peakUsedBytes: number;
  /** The bytes callers asked for in the allocations currently held. */
  readonly requestedBytes: number;
  /** Internal fragmentation: 1 − requested / used (0 when nothing is allocated). */
  readonly fragmentation: number;
  /** Segments created so far (≤ totalSegments); the rest are created on demand. */
  readonly createdSegments: number;
  readonly allocations: number;
  readonly releases: number;
}

export interface MemoryManagerOptions {
  readonly totalBytes: number;
  readonly segmentSize?: number;
  /** Named in error messages, e.g. 'network memory of taskmanager-1'. */
  readonly name?: string;
}

export const DEFAULT_SEGMENT_SIZE = 32 * 1024;

export class FlinkMemoryManager {
  readonly segmentSize: number;
  readonly totalSegments: number;
  readonly name: string;
  private readonly free: MemorySegment[] = [];
  /** Ids of released shared segments, whose memory was dropped: taken before new ids. */
  private readonly freeIds: number[] = [];
  private created = 0;
  private allocatedCount = 0;
  private requested = 0;
  private peakSegments = 0;
  private allocationCount = 0;
  private releaseCount = 0;

  constructor(options: MemoryManagerOptions) {
    this.segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    this.name = options.name ?? 'memory manager';
    if (!Number.isInteger(this.segmentSize) || this.segmentSize < 64) throw illegalState(`Segment size must be an integer of at least 64 bytes, got ${this.segmentSize}`);
    this.totalSegments = Math.floor(options.totalBytes / this.segmentSize);
    if (this.totalSegments < 1) {
      throw insufficientMemory(`${this.name}: ${formatBytes(options.totalBytes)} is less than one segment of ${formatBytes(this.segmentSize)}`);
    }
  }

  get availableSegments(): number {
    return this.totalSegments - this.allocatedCount;
  }

  /** Segments that together cover `size` bytes; all or none. */
  allocate(size: number, owner = 'an allocation'): MemorySegment[] {
    if (!(size > 0) || !Number.isFinite(size)) throw illegalState(`${this.name}: cannot allocate ${size} bytes for ${owner}`);
    const count = Math.ceil(size / this.segmentSize);
    if (count > this.availableSegments) {
      throw insufficientMemory(
        `${this.name}: cannot allocate ${formatBytes(size)} (${count} segments of ${formatBytes(this.segmentSize)}) for ${owner}; ` +
          `only ${this.availableSegments} of ${this.totalSegments} segments (${formatBytes(this.availableSegments * this.segmentSize)}) are free`,
        { requestedBytes: size, availableBytes: this.availableSegments * this.segmentSize },
      );
    }
    const segments = new Array<MemorySegment>(count);
    let rest = size;
    for (let i = 0; i < count; i++) {
      const segment = this.take();
      segment.requestedBytes = Math.min(rest, this.segmentSize);
      this.requested += segment.requestedBytes;
      rest -= segment.requestedBytes;
      segments[i] = segment;
    }
    return segments;
  }

  /**
   * `count` whole segments of shared memory (see above), all or none. A cached free segment's
   * memory is dropped for each, so the memory held never exceeds the budget.
   */
  allocateShared(count: number, owner = 'an allocation'): MemorySegment[] {
    if (!(count > 0) || !Number.isInteger(count)) throw illegalState(`${this.name}: cannot allocate ${count} shared segments for ${owner}`);
    if (count > this.availableSegments) {
      throw insufficientMemory(
        `${this.name}: cannot allocate ${count} shared segments of ${formatBytes(this.segmentSize)} for ${owner}; ` +
          `only ${this.availableSegments} of ${this.totalSegments} segments (${formatBytes(this.availableSegments * this.segmentSize)}) are free`,
        { requestedBytes: count * this.segmentSize, availableBytes: this.availableSegments * this.segmentSize },
      );
    }
    const segments = new Array<MemorySegment>(count);
    for (let i = 0; i < count; i++) {
      const id = this.free.pop()?.id ?? this.freeIds.pop() ?? this.created++;
      const segment = new MemorySegment(id, this.segmentSize, new SharedArrayBuffer(this.segmentSize));
      this.account(segment);
      segment.requestedBytes = this.segmentSize;
      this.requested += this.segmentSize;
      segments[i] = segment;
    }
    return segments;
  }

  /** One whole segment, or null when the budget is used up (the buffer pools' hot path). */
  tryAllocateSegment(): MemorySegment | null {
    if (this.allocatedCount === this.totalSegments) return null;
    const segment = this.take();
    segment.requestedBytes = this.segmentSize;
    this.requested += this.segmentSize;
    return segment;
  }

  release(segment: MemorySegment | readonly MemorySegment[]): void {
    if (Array.isArray(segment)) {
      for (const s of segment as readonly MemorySegment[]) this.releaseOne(s);
    } else {
      this.releaseOne(segment as MemorySegment);
    }
  }

  getStatistics(): MemoryStatistics {
    const usedBytes = this.allocatedCount * this.segmentSize;
    return {
      segmentSize: this.segmentSize,
      totalSegments: this.totalSegments,
      totalBytes: this.totalSegments * this.segmentSize,
      allocatedSegments: this.allocatedCount,
      usedBytes,
      availableBytes: this.availableSegments * this.segmentSize,
      peakUsedBytes: this.peakSegments * this.segmentSize,
      requestedBytes: this.requested,
      fragmentation: usedBytes === 0 ? 0 : 1 - this.requested / usedBytes,
      createdSegments: this.created,
      allocations: this.allocationCount,
      releases: this.releaseCount,
    };
  }

  private take(): MemorySegment {
    const freeId = this.free.length === 0 ? this.freeIds.pop() : undefined;
    const segment = this.free.pop() ?? new MemorySegment(freeId ?? this.created++, this.segmentSize);
    this.account(segment);
    return segment;
  }

  private account(segment: MemorySegment): void {
    segment.allocated = true;
    this.allocatedCount++;
    this.allocationCount++;
    if (this.allocatedCount > this.peakSegments) this.peakSegments = this.allocatedCount;
  }

  private releaseOne(segment: MemorySegment): void {
    if (!segment.allocated) throw illegalState(`${this.name}: memory segment ${segment.id} is released twice or was not allocated here`);
    if (segment.size !== this.segmentSize || segment.id >= this.created) throw illegalState(`${this.name}: memory segment ${segment.id} does not belong to this memory manager`);
    if (segment.isDetached) throw illegalState(`${this.name}: memory segment ${segment.id} is released while its memory is in transit`);
    segment.allocated = false;
    this.requested -= segment.requestedBytes;
    segment.requestedBytes = 0;
    this.allocatedCount--;
    this.releaseCount++;
    if (segment.isShared) this.freeIds.push(segment.id);
    else this.free.push(segment);
  }
}
