/*
 * CheckpointListener (Flink's): a user function, source reader or split enumerator implementing
 * it hears when a checkpoint it took part in completed, or was aborted. Completion is the moment
 * to make side effects of the checkpoint's records final (commit a transaction, publish output);
 * notifications may be skipped when a newer checkpoint completes first.
 */

export interface CheckpointListener {
  notifyCheckpointComplete(checkpointId: number): void | Promise<void>;
  notifyCheckpointAborted?(checkpointId: number): void | Promise<void>;
}
