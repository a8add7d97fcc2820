/*
 * When a subtask whose input ended may go (Flink's finalCheckpointMinId and finalCheckpointCompleted
 * of StreamTask, FLIP-147 "checkpoints after tasks finished"). With checkpointing, a task that
 * finished its operators and sent EndOfData stays alive until a checkpoint it took after that
 * completed: only then is the end of its output part of a completed checkpoint — so a restore does
 * not run it again — and only then have its committing operators committed their last transaction,
 * which they do on notifyCheckpointComplete. The first checkpoint the subtask snapshots after
 * EndOfData is its minimum; the completion of that one or of any later one ends the wait
 * (barriers travel in id order, so a later one was snapshotted after EndOfData too).
 *
 * Without periodic checkpoints a task does not wait (as Flink without checkpointing), except in a
 * stop-with-savepoint with drain, whose savepoint is then the final checkpoint of every task.
 */

export class FinalCheckpoint {
  /** Periodic checkpoints are configured: every task waits for its final checkpoint. */
  private readonly checkpointsAfterTasksFinish: boolean;
  private drainSavepoint: number | null = null;
  private endOfData = false;
  private minCheckpointId: number | null = null;

  constructor(checkpointsAfterTasksFinish: boolean) {
    this.checkpointsAfterTasksFinish = checkpointsAfterTasksFinish;
  }

  /** The task's operators finished and EndOfData went out. */
  get isEndOfData(): boolean {
    return this.endOfData;
  }

  /** A stop-with-savepoint with drain started: its savepoint ends the task, also without periodic checkpoints. */
  expectDrainSavepoint(checkpointId: number): void {
    this.drainSavepoint = checkpointId;
  }

  /** The operators finished and EndOfData went out; true when the task now waits for its final checkpoint. */
  reachEndOfData(): boolean {
    this.endOfData = true;
    return this.checkpointsAfterTasksFinish || this.drainSavepoint !== null;
  }

  /** The subtask starts the snapshot of checkpoint `checkpointId`. */
  checkpointStarted(checkpointId: number): void {
    if (this.endOfData && this.minCheckpointId === null) this.minCheckpointId = checkpointId;
  }

  /** Whether the completion of checkpoint `checkpointId` ends the wait. */
  isCompletedBy(checkpointId: number): boolean {
    return this.minCheckpointId !== null && checkpointId >= this.minCheckpointId;
  }

  /**
   * Checkpoint `checkpointId` was aborted; true when the task stops waiting: it was the savepoint
   * of a drain without periodic checkpoints (none will follow to end the wait).
   */
  abortedEndsWait(checkpointId: number): boolean {
    if (checkpointId !== this.drainSavepoint) return false;
    this.drainSavepoint = null;
    return this.endOfData && !this.checkpointsAfterTasksFinish;
  }
}
