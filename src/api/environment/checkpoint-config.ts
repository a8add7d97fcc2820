/*
 * CheckpointConfig: the checkpoint settings of a job, as Flink's. It is a view over the
 * environment's configuration, so `env.getCheckpointConfig().setCheckpointTimeout(...)` and the
 * key 'execution.checkpointing.timeout' are the same setting, whichever came first.
 */
import { invalidPipeline } from '../../errors.ts';
import type { Configuration } from '../../configuration/configuration.ts';
import { CheckpointingOptions } from '../../configuration/config-options.ts';
import { toMillis, type DurationLike } from '../common/duration.ts';

/** The consistency guarantee of checkpoints (Flink's CheckpointingMode). */
export const CheckpointingMode = {
  /** Barriers are aligned: every record affects the state of a checkpoint exactly once. */
  EXACTLY_ONCE: 'EXACTLY_ONCE',
  /** Barriers are not aligned: after a restore, some records may be processed again. */
  AT_LEAST_ONCE: 'AT_LEAST_ONCE',
} as const;
export type CheckpointingMode = (typeof CheckpointingMode)[keyof typeof CheckpointingMode];

/** What happens to retained checkpoints when the job ends (Flink's ExternalizedCheckpointRetention). */
export const ExternalizedCheckpointRetention = {
  /** Completed checkpoints are deleted when the job finishes, fails for good or is cancelled. */
  NO_EXTERNALIZED_CHECKPOINTS: 'NO_EXTERNALIZED_CHECKPOINTS',
  /** Kept when the job is cancelled or fails for good; deleted when it finishes. */
  RETAIN_ON_CANCELLATION: 'RETAIN_ON_CANCELLATION',
  /** Kept only when the job fails for good; deleted when it finishes or is cancelled. */
  DELETE_ON_CANCELLATION: 'DELETE_ON_CANCELLATION',
} as const;
export type ExternalizedCheckpointRetention = (typeof ExternalizedCheckpointRetention)[keyof typeof ExternalizedCheckpointRetention];

/** Flink's lower bound of the checkpoint interval. */
export const MINIMAL_CHECKPOINT_INTERVAL_MS = 10;

export class CheckpointConfig {
  private readonly configuration: Configuration;

  constructor(configuration: Configuration) {
    this.configuration = configuration;
  }

  isCheckpointingEnabled(): boolean {
    return this.getCheckpointInterval() > 0;
  }

  /** The interval between checkpoints in ms; -1 when checkpointing is disabled. */
  getCheckpointInterval(): number {
    return this.configuration.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL) ?? -1;
  }

  setCheckpointInterval(interval: DurationLike): this {
    const ms = toMillis(interval, 'The checkpoint interval');
    if (ms < MINIMAL_CHECKPOINT_INTERVAL_MS) throw invalidPipeline(`The checkpoint interval must be at least ${MINIMAL_CHECKPOINT_INTERVAL_MS} ms, got ${ms}`);
    this.configuration.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, ms);
    return this;
  }

  getCheckpointingMode(): CheckpointingMode {
    return this.configuration.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE);
  }

  setCheckpointingMode(mode: CheckpointingMode): this {
    if (mode !== CheckpointingMode.EXACTLY_ONCE && mode !== CheckpointingMode.AT_LEAST_ONCE) {
      throw invalidPipeline(`The checkpointing mode must be CheckpointingMode.EXACTLY_ONCE or AT_LEAST_ONCE, got ${String(mode)}`);
    }
    this.configuration.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, mode);
    return this;
  }

  getCheckpointTimeout(): number {
    return this.configuration.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT);
  }

  setCheckpointTimeout(timeout: DurationLike): this {
    const ms = toMillis(timeout, 'The checkpoint timeout');
    if (ms < 1) throw invalidPipeline(`The checkpoint timeout must be at least 1 ms, got ${ms}`);
    this.configuration.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, ms);
    return this;
  }

  getMinPauseBetweenCheckpoints(): number {
    return this.configuration.get(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS);
  }

  setMinPauseBetweenCheckpoints(minPause: DurationLike): this {
    const ms = toMillis(minPause, 'The minimum pause between checkpoints');
    if (ms < 0) throw invalidPipeline(`The minimum pause between checkpoints must not be negative, got ${ms}`);
    this.configuration.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, ms);
    return this;
  }

  getMaxConcurrentCheckpoints(): number {
    return this.configuration.get(CheckpointingOptions.MAX_CONCURRENT_CHECKPOINTS);
  }

  setMaxConcurrentCheckpoints(max: number): this {
    this.configuration.set(CheckpointingOptions.MAX_CONCURRENT_CHECKPOINTS, max);
    return this;
  }

  getTolerableCheckpointFailureNumber(): number {
    return this.configuration.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER);
  }

  setTolerableCheckpointFailureNumber(n: number): this {
    this.configuration.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, n);
    return this;
  }

  getExternalizedCheckpointRetention(): ExternalizedCheckpointRetention {
    return this.configuration.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION);
  }

  setExternalizedCheckpointRetention(retention: ExternalizedCheckpointRetention): this {
    this.configuration.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, retention);
    return this;
  }

  isExternalizedCheckpointsEnabled(): boolean {
    return this.getExternalizedCheckpointRetention() !== ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS;
  }

  /** Where checkpoints are written ('state.checkpoints.dir'); undefined keeps them in memory. */
  getCheckpointStorage(): string | undefined {
    return this.configuration.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
  }

  setCheckpointStorage(directory: string): this {
    if (typeof directory !== 'string' || directory.length === 0) throw invalidPipeline('setCheckpointStorage() needs a directory path or file:// URI');
    this.configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, directory);
    return this;
  }

  getMaxRetainedCheckpoints(): number {
    return this.configuration.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS);
  }

  isUnalignedCheckpointsEnabled(): boolean {
    return this.configuration.get(CheckpointingOptions.ENABLE_UNALIGNED);
  }

  /**
   * Unaligned checkpoints (Flink's FLIP-76, exactly-once only): a barrier overtakes the data queued
   * in the channels, the task snapshots when its first barrier arrives, and the overtaken data
   * becomes part of the checkpoint, so checkpoints complete quickly under back pressure.
   */
  enableUnalignedCheckpoints(enabled = true): this {
    this.configuration.set(CheckpointingOptions.ENABLE_UNALIGNED, enabled);
    return this;
  }

  /**
   * With unaligned checkpoints: each checkpoint starts aligned and turns unaligned once it has
   * been running this long ('execution.checkpointing.aligned-checkpoint-timeout'); 0 (the
   * default) makes every checkpoint unaligned from the start.
   */
  setAlignedCheckpointTimeout(timeout: DurationLike): this {
    const ms = toMillis(timeout, 'The aligned checkpoint timeout');
    if (ms < 0) throw invalidPipeline(`The aligned checkpoint timeout must not be negative, got ${ms}`);
    this.configuration.set(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT, ms);
    return this;
  }

  getAlignedCheckpointTimeout(): number {
    return this.configuration.get(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT);
  }
}
