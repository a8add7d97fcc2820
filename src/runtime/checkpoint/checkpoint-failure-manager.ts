/*
 * Why a checkpoint did not complete (Flink's CheckpointFailureReason), and the count of
 * consecutive failures against 'execution.checkpointing.tolerable-failed-checkpoints' (Flink's
 * CheckpointFailureManager): only failures of the checkpoint itself count — not checkpoints
 * skipped because tasks were not running, subsumed by a newer one or aborted by a job failover —
 * each checkpoint at most once, and a completed checkpoint resets the count.
 */

export const CheckpointFailureReason = {
  NOT_ALL_REQUIRED_TASKS_RUNNING: 'Not all required tasks are currently running.',
  CHECKPOINT_EXPIRED: 'Checkpoint expired before completing.',
  CHECKPOINT_SUBSUMED: 'Checkpoint has been subsumed.',
  CHECKPOINT_DECLINED: 'Checkpoint was declined.',
  CHECKPOINT_DECLINED_TASK_NOT_READY: 'Checkpoint was declined (task finished before it could take the checkpoint).',
  CHECKPOINT_ASYNC_EXCEPTION: 'Asynchronous task checkpoint failed.',
  TRIGGER_CHECKPOINT_FAILURE: 'Trigger checkpoint failure.',
  FINALIZE_CHECKPOINT_FAILURE: 'Failure to finalize checkpoint.',
  CHECKPOINT_COORDINATOR_SUSPEND: 'Checkpoint Coordinator is suspending.',
} as const;
export type CheckpointFailureReason = (typeof CheckpointFailureReason)[keyof typeof CheckpointFailureReason];

const COUNTED = new Set<CheckpointFailureReason>([
  CheckpointFailureReason.CHECKPOINT_EXPIRED,
  CheckpointFailureReason.CHECKPOINT_DECLINED,
  CheckpointFailureReason.CHECKPOINT_ASYNC_EXCEPTION,
  CheckpointFailureReason.TRIGGER_CHECKPOINT_FAILURE,
  CheckpointFailureReason.FINALIZE_CHECKPOINT_FAILURE,
]);

/** Whether a failure of this kind counts against the tolerable failures. */
export function isCountedFailure(reason: CheckpointFailureReason): boolean {
  return COUNTED.has(reason);
}

export class CheckpointFailureManager {
  readonly tolerableFailures: number;
  private continuousFailures = 0;
  private readonly counted = new Set<number>();

  constructor(tolerableFailures: number) {
    this.tolerableFailures = tolerableFailures;
  }

  get continuousFailureCount(): number {
    return this.continuousFailures;
  }

  /** Records a failure; true when the job must fail because too many failed in a row. */
  handleCheckpointFailure(checkpointId: number, reason: CheckpointFailureReason): boolean {
    if (!isCountedFailure(reason) || this.counted.has(checkpointId)) return false;
    this.counted.add(checkpointId);
    this.continuousFailures++;
    if (this.continuousFailures > this.tolerableFailures) {
      this.reset();
      return true;
    }
    return false;
  }

  handleCheckpointSuccess(): void {
    this.reset();
  }

  private reset(): void {
    this.continuousFailures = 0;
    this.counted.clear();
  }
}
