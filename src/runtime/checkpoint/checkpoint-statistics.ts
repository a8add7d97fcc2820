/*
 * What the checkpoint coordinator reports: a completed checkpoint, the entries of its history and
 * Flink's checkpoint statistics of a job.
 */
import type { CheckpointMetadata } from './checkpoint-metadata.ts';

export interface CompletedCheckpoint {
  readonly checkpointId: number;
  readonly timestamp: number;
  /** The checkpoint's directory (or in-memory pointer). */
  readonly externalPointer: string;
  readonly metadata: CheckpointMetadata;
  /** Bytes the checkpoint wrote (for an incremental checkpoint: new files only). */
  readonly stateSize: number;
  /** Bytes of the whole state it describes, files shared with earlier checkpoints included. */
  readonly fullStateSize: number;
  readonly durationMs: number;
  /** Some subtask took it unaligned (Flink's isUnalignedCheckpoint). */
  readonly unaligned: boolean;
  /** Bytes of in-flight data it stored (Flink's persisted data). */
  readonly persistedData: number;
}

/** A completed checkpoint in the statistics' history (Flink's checkpoint history, newest last). */
export interface CheckpointSummary {
  readonly checkpointId: number;
  readonly durationMs: number;
  readonly unaligned: boolean;
  readonly persistedData: number;
  readonly stateSize: number;
}

/** Flink's checkpoint statistics (the job's checkpointing metrics). */
export interface CheckpointStatistics {
  readonly numberOfCompletedCheckpoints: number;
  readonly numberOfFailedCheckpoints: number;
  readonly numberOfInProgressCheckpoints: number;
  /** Bytes the last completed checkpoint wrote (Flink's checkpointed size). */
  readonly lastCheckpointSize: number;
  /** Bytes of the whole state of the last completed checkpoint (differs when incremental). */
  readonly lastCheckpointFullSize: number;
  readonly lastCheckpointDuration: number;
  /** Whether the last completed checkpoint was unaligned, and the bytes of in-flight data it stored. */
  readonly lastCheckpointIsUnaligned: boolean;
  readonly lastCheckpointPersistedData: number;
  /** The latest completed checkpoints (at most 10), oldest first. */
  readonly history: readonly CheckpointSummary[];
  readonly lastCompletedCheckpointId: number | null;
  readonly lastCheckpointExternalPath: string | null;
  /** The checkpoint the latest restart restored, if any. */
  readonly lastRestoredCheckpointId: number | null;
  readonly retainedCheckpointIds: readonly number[];
}
