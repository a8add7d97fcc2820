/*
 * The committing side of a Sink V2 in one subtask (Flink's CommitterOperator with its
 * CommittableCollector, kept in the writer's operator here): the committables a writer handed
 * over before a checkpoint's barrier wait, as operator state of that checkpoint, until the
 * checkpoint completed; then the Committer commits them in checkpoint order. Committables of a
 * restored checkpoint are committed at once on restore (their checkpoint completed, but the
 * commit may not have happened before the failure). Requests the committer asks to retry wait
 * for the next commit; a failed request fails the task.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { CommitRequest, Committer } from '../../api/functions/sink-function.ts';
import type { ListState } from '../../api/state/state.ts';

/** A committable and the checkpoint it belongs to, as kept in operator state. */
export interface PendingCommittable {
  readonly checkpointId: number;
  readonly committable: unknown;
  readonly retries: number;
}

class Request implements CommitRequest<unknown> {
  committable: unknown;
  readonly retries: number;
  outcome: 'committed' | 'retry' | { failed: unknown } = 'committed';

  constructor(pending: PendingCommittable) {
    this.committable = pending.committable;
    this.retries = pending.retries;
  }

  getCommittable(): unknown {
    return this.committable;
  }
  getNumberOfRetries(): number {
    return this.retries;
  }
  signalFailedWithKnownReason(error: unknown): void {
    this.outcome = { failed: error };
  }
  signalFailedWithUnknownReason(error: unknown): void {
    this.outcome = { failed: error };
  }
  retryLater(): void {
    this.outcome = 'retry';
  }
  updateAndRetryLater(committable: unknown): void {
    this.committable = committable;
    this.outcome = 'retry';
  }
  signalAlreadyCommitted(): void {
    this.outcome = 'committed';
  }
}

export class SinkCommitter {
  private readonly committer: Committer<unknown>;
  private readonly state: ListState<PendingCommittable>;
  private readonly where: string;
  private pending: PendingCommittable[];
  /** Commits run one after another. */
  private chain: Promise<void> = Promise.resolve();

  constructor(committer: Committer<unknown>, state: ListState<PendingCommittable>, where: string) {
    this.committer = committer;
    this.state = state;
    this.where = where;
    this.pending = [...(state.get() ?? [])];
  }

  /** The committables of a restored checkpoint, if any. */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Before checkpoint `checkpointId`'s barrier: the writer's committables join the checkpoint's state. */
  add(checkpointId: number, committables: readonly unknown[]): void {
    for (const committable of committables) this.pending.push({ checkpointId, committable, retries: 0 });
    this.state.update([...this.pending]);
  }

  /** Commits everything of checkpoints up to `checkpointId` (Infinity: everything, at end of input). */
  commitUpTo(checkpointId: number): Promise<void> {
    this.chain = this.chain.then(() => this.commitNow(checkpointId));
    return this.chain;
  }

  private async commitNow(checkpointId: number): Promise<void> {
    const due = this.pending.filter((p) => p.checkpointId <= checkpointId);
    if (due.length === 0) return;
    const requests = due.map((p) => new Request(p));
    await this.committer.commit(requests);
    const retry: PendingCommittable[] = [];
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i]!;
      if (r.outcome === 'retry') retry.push({ checkpointId: due[i]!.checkpointId, committable: r.committable, retries: r.retries + 1 });
      else if (r.outcome !== 'committed') {
        const cause = r.outcome.failed;
        throw new FlinkError(ErrorCodes.FLINK_TS_USER_FUNCTION, `Committing ${this.where} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      }
    }
    const done = new Set(due);
    this.pending = [...retry, ...this.pending.filter((p) => !done.has(p))];
  }

  /** Whether committables still wait (retried ones at end of input). */
  get remaining(): number {
    return this.pending.length;
  }

  async close(): Promise<void> {
    await this.committer.close();
  }
}
