/*
 * When the FileSink closes its in-progress part file and starts a new one (Flink's
 * RollingPolicy). A closed file is pending: it becomes a finished part file when the next
 * checkpoint completes. DefaultRollingPolicy rolls on size, age and inactivity (checked at each
 * record and every bucket check interval) and at a checkpoint only when the file is too big;
 * OnCheckpointRollingPolicy rolls at every checkpoint.
 */
import { toMillis, type DurationLike } from '../../../api/common/duration.ts';

/** What a rolling policy sees of an in-progress part file (Flink's PartFileInfo). */
export interface PartFileInfo {
  readonly bucketId: string;
  readonly creationTime: number;
  readonly lastUpdateTime: number;
  readonly size: number;
}

export interface RollingPolicy<IN> {
  shouldRollOnCheckpoint(partFileState: PartFileInfo): boolean;
  shouldRollOnEvent(partFileState: PartFileInfo, element: IN): boolean;
  shouldRollOnProcessingTime(partFileState: PartFileInfo, currentTime: number): boolean;
}

const DEFAULT_MAX_PART_SIZE = 128 * 1024 * 1024;
const DEFAULT_ROLLOVER_INTERVAL = 60_000;
const DEFAULT_INACTIVITY_INTERVAL = 60_000;

export class DefaultRollingPolicy<IN> implements RollingPolicy<IN> {
  readonly partSize: number;
  readonly rolloverInterval: number;
  readonly inactivityInterval: number;

  private constructor(partSize: number, rolloverInterval: number, inactivityInterval: number) {
    this.partSize = partSize;
    this.rolloverInterval = rolloverInterval;
    this.inactivityInterval = inactivityInterval;
  }

  static builder(): DefaultRollingPolicyBuilder {
    return new DefaultRollingPolicyBuilder();
  }

  /** @internal */
  static create<IN>(partSize: number, rolloverInterval: number, inactivityInterval: number): DefaultRollingPolicy<IN> {
    return new DefaultRollingPolicy<IN>(partSize, rolloverInterval, inactivityInterval);
  }

  shouldRollOnCheckpoint(partFileState: PartFileInfo): boolean {
    return partFileState.size > this.partSize;
  }

  shouldRollOnEvent(partFileState: PartFileInfo): boolean {
    return partFileState.size > this.partSize;
  }

  shouldRollOnProcessingTime(partFileState: PartFileInfo, currentTime: number): boolean {
    return currentTime - partFileState.creationTime >= this.rolloverInterval || currentTime - partFileState.lastUpdateTime >= this.inactivityInterval;
  }
}

export class DefaultRollingPolicyBuilder {
  private partSize = DEFAULT_MAX_PART_SIZE;
  private rolloverInterval = DEFAULT_ROLLOVER_INTERVAL;
  private inactivityInterval = DEFAULT_INACTIVITY_INTERVAL;

  /** Largest size of a part file, in bytes (Flink's MemorySize). */
  withMaxPartSize(bytes: number): this {
    if (!Number.isInteger(bytes) || bytes <= 0) throw new TypeError(`withMaxPartSize() needs a positive number of bytes, got ${String(bytes)}`);
    this.partSize = bytes;
    return this;
  }

  /** Longest time a part file stays in progress. */
  withRolloverInterval(interval: DurationLike): this {
    this.rolloverInterval = toMillis(interval, 'withRolloverInterval()');
    return this;
  }

  /** A part file without writes for this long is rolled. */
  withInactivityInterval(interval: DurationLike): this {
    this.inactivityInterval = toMillis(interval, 'withInactivityInterval()');
    return this;
  }

  build<IN>(): DefaultRollingPolicy<IN> {
    return DefaultRollingPolicy.create<IN>(this.partSize, this.rolloverInterval, this.inactivityInterval);
  }
}

export class OnCheckpointRollingPolicy<IN> implements RollingPolicy<IN> {
  static build<IN>(): OnCheckpointRollingPolicy<IN> {
    return new OnCheckpointRollingPolicy<IN>();
  }

  shouldRollOnCheckpoint(): boolean {
    return true;
  }

  shouldRollOnEvent(): boolean {
    return false;
  }

  shouldRollOnProcessingTime(): boolean {
    return false;
  }
}
