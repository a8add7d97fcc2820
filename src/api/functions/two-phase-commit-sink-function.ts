/*
 * Flink's TwoPhaseCommitSinkFunction: the base of exactly-once sinks over an external system
 * with transactions. Records of a subtask go into the current transaction; at a checkpoint's
 * barrier the transaction is pre-committed (made durable but invisible) and a new one begins; the
 * pre-committed transactions are part of the checkpoint, and each is committed once the
 * checkpoint it belongs to completed (notifyCheckpointComplete). After a failure, the restored
 * state's pre-committed transactions are committed again (recoverAndCommit: commit must be
 * idempotent, as the first commit may have happened before the crash) and the transaction that
 * was open at the checkpoint is aborted (recoverAndAbort): so a crash between a checkpoint's
 * completion and its commit neither loses nor duplicates a record.
 *
 * At end of input (finish()) the current transaction is pre-committed; with checkpointing it
 * belongs to the final checkpoint the task waits for, and is committed when that checkpoint
 * completes, as in Flink 1.15+. Without checkpointing no checkpoint follows, so it is committed
 * right away with everything pending (Flink would leave it uncommitted).
 *
 * TypeScript has no overloading by arity, so Flink's invoke(transaction, value, context) is
 * invokeTransaction(transaction, value, context) here. Transactions (TXN) and the user context
 * are kept in operator state, serialized with MessagePack: they should be plain data (a file
 * name, a transaction id), not handles.
 */
import { AbstractRichFunction } from '../common/rich-functions.ts';
import { ListStateDescriptor } from '../state/state-descriptor.ts';
import type { ListState } from '../state/state.ts';
import type { CheckpointedFunction, FunctionInitializationContext, FunctionSnapshotContext } from './checkpointed-function.ts';
import type { CheckpointListener } from './checkpoint-listener.ts';
import type { SinkContext, SinkFunction } from './sink-function.ts';

/** A transaction and when it began (Flink's TransactionHolder). */
export interface TransactionHolder<TXN> {
  readonly handle: TXN;
  readonly transactionStartTime: number;
}

/** What each subtask keeps in its checkpoint (Flink's TwoPhaseCommitSinkFunction.State). */
interface State<TXN, CONTEXT> {
  /** Null after finish(): no transaction is open any more. */
  readonly pendingTransaction: TransactionHolder<TXN> | null;
  readonly pendingCommitTransactions: readonly { readonly checkpointId: number; readonly transaction: TransactionHolder<TXN> }[];
  readonly context: CONTEXT | null;
}

export abstract class TwoPhaseCommitSinkFunction<IN, TXN, CONTEXT = void>
  extends AbstractRichFunction
  implements SinkFunction<IN>, CheckpointedFunction, CheckpointListener
{
  /** Pre-committed transactions by the checkpoint they belong to, oldest first. */
  private pendingCommitTransactions: { checkpointId: number; transaction: TransactionHolder<TXN> }[] = [];
  private currentTransactionHolder: TransactionHolder<TXN> | null = null;
  private state: ListState<State<TXN, CONTEXT>> | null = null;
  /** Commits run one after another, in checkpoint order. */
  private committing: Promise<void> = Promise.resolve();
  /** finish() pre-committed the current transaction: the next checkpoint takes it, none begins. */
  private finished = false;
  protected userContext: CONTEXT | null = null;

  // ---- what a sink implements ----

  /** Starts a new transaction. */
  protected abstract beginTransaction(): TXN | Promise<TXN>;
  /** Writes one record in the transaction. */
  protected abstract invokeTransaction(transaction: TXN, value: IN, context: SinkContext): void | Promise<void>;
  /** Makes the transaction durable, ready to commit; no more writes go to it. */
  protected abstract preCommit(transaction: TXN): void | Promise<void>;
  /** Makes a pre-committed transaction visible. Must be idempotent (see recoverAndCommit). */
  protected abstract commit(transaction: TXN): void | Promise<void>;
  /** Discards a transaction. */
  protected abstract abort(transaction: TXN): void | Promise<void>;

  /** A pre-committed transaction of a restored checkpoint: committed again (it may already be). */
  protected recoverAndCommit(transaction: TXN): void | Promise<void> {
    return this.commit(transaction);
  }

  /** The transaction that was open at the restored checkpoint: aborted. */
  protected recoverAndAbort(transaction: TXN): void | Promise<void> {
    return this.abort(transaction);
  }

  /** The user context of a fresh start (Flink's initializeUserContext); null by default. */
  protected initializeUserContext(): CONTEXT | null {
    return null;
  }

  /** Called after recovery with the transactions handled (Flink's finishRecoveringContext). */
  protected finishRecoveringContext(_handledTransactions: readonly TXN[]): void | Promise<void> {}

  // ---- the sink ----

  protected currentTransaction(): TXN | null {
    return this.currentTransactionHolder?.handle ?? null;
  }

  /** Transactions pre-committed and waiting for their checkpoint, oldest first. */
  protected pendingTransactions(): readonly { readonly checkpointId: number; readonly transaction: TXN }[] {
    return this.pendingCommitTransactions.map((p) => ({ checkpointId: p.checkpointId, transaction: p.transaction.handle }));
  }

  invoke(value: IN, context: SinkContext): void | Promise<void> {
    return this.invokeTransaction(this.currentTransactionHolder!.handle, value, context);
  }

  async initializeState(context: FunctionInitializationContext): Promise<void> {
    this.state = context.getOperatorStateStore().getListState(new ListStateDescriptor<State<TXN, CONTEXT>>('state'));
    this.pendingCommitTransactions = [];
    this.finished = false;
    let recovered = false;
    if (context.isRestored()) {
      const handled: TXN[] = [];
      for (const s of this.state.get() ?? []) {
        recovered = true;
        this.userContext = s.context;
        for (const pending of s.pendingCommitTransactions) {
          await this.recoverAndCommit(pending.transaction.handle);
          handled.push(pending.transaction.handle);
        }
        if (s.pendingTransaction !== null) {
          await this.recoverAndAbort(s.pendingTransaction.handle);
          handled.push(s.pendingTransaction.handle);
        }
      }
      if (recovered) await this.finishRecoveringContext(handled);
    }
    if (!recovered) this.userContext = this.initializeUserContext();
    this.currentTransactionHolder = await this.beginTransactionInternal();
  }

  async snapshotState(context: FunctionSnapshotContext): Promise<void> {
    const checkpointId = context.getCheckpointId();
    const current = this.currentTransactionHolder;
    if (this.finished) {
      // The final checkpoint: the transaction finish() pre-committed is committed with it.
      if (current !== null) this.pendingCommitTransactions.push({ checkpointId, transaction: current });
      this.currentTransactionHolder = null;
    } else {
      await this.preCommit(current!.handle);
      this.pendingCommitTransactions.push({ checkpointId, transaction: current! });
      this.currentTransactionHolder = await this.beginTransactionInternal();
    }
    this.state!.update([{ pendingTransaction: this.currentTransactionHolder, pendingCommitTransactions: [...this.pendingCommitTransactions], context: this.userContext }]);
  }

  /** Commits every transaction of this checkpoint and of earlier ones (an aborted checkpoint's go with the next). */
  notifyCheckpointComplete(checkpointId: number): Promise<void> {
    this.committing = this.committing.then(async () => {
      while (this.pendingCommitTransactions.length > 0 && this.pendingCommitTransactions[0]!.checkpointId <= checkpointId) {
        await this.commit(this.pendingCommitTransactions[0]!.transaction.handle);
        this.pendingCommitTransactions.shift();
      }
    });
    return this.committing;
  }

  notifyCheckpointAborted(): void {}

  /**
   * End of input: the current transaction is pre-committed. With checkpointing the final checkpoint
   * commits it; without, it is committed now with all pending ones.
   */
  async finish(): Promise<void> {
    const current = this.currentTransactionHolder;
    if (current === null || this.finished) return;
    const context = this.getRuntimeContext() as { isCheckpointingEnabled?: () => boolean };
    if (context.isCheckpointingEnabled?.() === true) {
      await this.preCommit(current.handle);
      this.finished = true;
      return;
    }
    await this.committing;
    await this.preCommit(current.handle);
    this.currentTransactionHolder = null;
    for (const pending of this.pendingCommitTransactions) await this.commit(pending.transaction.handle);
    this.pendingCommitTransactions = [];
    await this.commit(current.handle);
  }

  /** Failure or cancellation: the open transaction (or one finish() pre-committed but no checkpoint took) is aborted; pre-committed ones stay for recovery. */
  override async close(): Promise<void> {
    const current = this.currentTransactionHolder;
    this.currentTransactionHolder = null;
    if (current !== null) await this.abort(current.handle);
  }

  private async beginTransactionInternal(): Promise<TransactionHolder<TXN>> {
    return { handle: await this.beginTransaction(), transactionStartTime: Date.now() };
  }
}
