/*
 * SourceDriver: how a source task makes progress. For a split-based source, each step polls the
 * reader while the outputs have credit (for at most a millisecond) and parks on the reader's
 * availability when it has nothing. For a SourceFunction, the function's run() loop is started
 * outside the steps and emits on its own; its end (or failure) is handed back to the task through
 * the mailbox.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { SourceSplit } from '../../connector/source/source.ts';
import { InputStatus } from '../../connector/source/source.ts';
import type { LocalChannel } from '../io/local-channel.ts';
import { SourceOperator } from '../operators/source-operator.ts';
import { StreamSource } from '../operators/stream-source.ts';
import type { AbstractStreamOperator } from '../operators/stream-operator.ts';
import type { SourceCoordinator } from '../source/source-coordinator.ts';
import type { StreamTask } from './stream-task.ts';
import { TaskState } from './task-state.ts';
import { TaskTimeStatus } from './task-io-metrics.ts';

export interface SourceServices {
  coordinatorFor(nodeId: number): SourceCoordinator<SourceSplit> | undefined;
}

/** A source function may run ahead of its consumers by this many times a channel's credit. */
const OVERFLOW_FACTOR = 8;
/** How long a step may keep polling a split reader while its outputs have credit. */
const STEP_BUDGET_MS = 1;

export function isSourceHead(operator: AbstractStreamOperator<unknown>): operator is SourceOperator<unknown, SourceSplit> | StreamSource<unknown> {
  return operator instanceof SourceOperator || operator instanceof StreamSource;
}

export class SourceDriver {
  private readonly task: StreamTask;
  private readonly head: SourceOperator<unknown, SourceSplit> | StreamSource<unknown>;
  private waitingForData = false;
  private emittingFromFunction = 0;
  private ended = false;
  /** Stop-with-savepoint: nothing is polled after the savepoint's barrier. */
  private suspended = false;

  constructor(task: StreamTask, head: SourceOperator<unknown, SourceSplit> | StreamSource<unknown>, services: SourceServices) {
    this.task = task;
    this.head = head;
    if (head instanceof SourceOperator) {
      const coordinator = services.coordinatorFor(task.deployment.vertex.head.id);
      if (coordinator === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `No source coordinator for '${task.deployment.vertex.head.name}'`);
      head.attach(coordinator);
    }
  }

  start(): void {
    const head = this.head;
    if (!(head instanceof StreamSource)) return;
    const task = this.task;
    // Started in its own macrotask so that the function's synchronous part never runs inside a step.
    setImmediate(() => {
      head
        .run({
          beginEmit: () => {
            this.emittingFromFunction++;
            task.inStep = true;
            // A compare per record; the clock is read only when the task was idle or waiting.
            task.ioMetrics.transition(TaskTimeStatus.BUSY);
          },
          endEmit: () => {
            if (--this.emittingFromFunction === 0) {
              task.inStep = false;
              task.armFlushTimer();
            }
          },
          isRunning: () => task.getState() === TaskState.RUNNING,
          isOutputAvailable: () => task.isOutputAvailable(),
          whenOutputAvailable: () => {
            task.ioMetrics.transition(TaskTimeStatus.BACK_PRESSURED);
            return task.whenOutputAvailable();
          },
        })
        .then(
          () => {
            if (head.isCanceled() || task.getState() !== TaskState.RUNNING) return;
            task.executeInMailbox(() => this.endInput(), 'end of the source function');
          },
          (error: unknown) => {
            // A function stopped by cancel() may throw on its way out; that is not a failure.
            if (!head.isCanceled()) task.fail(error);
          },
        );
    });
  }

  /**
   * Stops polling a split-based source (stop-with-savepoint). A SourceFunction emits on its own:
   * what it emits after the barrier is not part of the savepoint and is dropped with the task.
   */
  suspend(): void {
    this.suspended = true;
  }

  resume(): void {
    this.suspended = false;
    this.task.wakeup();
  }

  /**
   * One step of a split-based source: poll the reader while the outputs have credit (as Flink's
   * source emits until its buffers are full), for up to STEP_BUDGET_MS, so that a source faster
   * than its consumers ends its step out of credit and waits back-pressured until they catch up;
   * a slow poll (an expensive chain) still makes one poll a step, so mails (checkpoints) wait no longer.
   */
  step(): boolean {
    const head = this.head;
    if (!(head instanceof SourceOperator) || this.waitingForData || this.ended || this.suspended) return false;
    if (!this.task.isOutputAvailable()) return false;
    const start = performance.now();
    let status = head.emitNext();
    while (status === InputStatus.MORE_AVAILABLE && this.task.isOutputAvailable() && performance.now() - start < STEP_BUDGET_MS) status = head.emitNext();
    if (status === InputStatus.END_OF_INPUT) {
      this.endInput();
    } else if (status === InputStatus.NOTHING_AVAILABLE) {
      if (this.task.chain.hasPendingOutput()) this.task.flushOutputs();
      this.waitingForData = true;
      head.isAvailable().then(
        () => {
          this.waitingForData = false;
          this.task.wakeup();
        },
        (error: unknown) => this.task.fail(error),
      );
    }
    return true;
  }

  private endInput(): void {
    if (this.ended) return;
    this.ended = true;
    this.head.emitFinalWatermark();
    this.task.signalEndOfInput();
  }

  cancel(): void {
    if (this.head instanceof StreamSource) this.head.cancel();
  }

  /** A source function that keeps emitting while its consumers cannot keep up gets a clear error. */
  checkOverflow(channel: LocalChannel): void {
    if (this.emittingFromFunction > 0 && channel.bufferedBatches > channel.capacity * OVERFLOW_FACTOR) {
      throw new FlinkError(
        ErrorCodes.FLINK_TS_SOURCE_OVERFLOW,
        `Source '${this.task.name}' emitted ${channel.bufferedBatches} batches to subtask ${channel.consumerSubtask + 1} of its consumer, ` +
          `which can take ${channel.capacity}; the consumer cannot keep up. Emit with 'await ctx.collectAsync(record)' to wait for room.`,
      );
    }
  }
}
