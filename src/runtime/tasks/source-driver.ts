/*
 * SourceDriver: how a source task makes progress. For a split-based source, each step polls the
 * reader while the outputs have credit (for at most a millisecond) and parks on the reader's
 * availability when it has nothing. For a SourceFunction, the function's run() loop is started
 * outside the steps and emits on its own; its end (or failure) is handed back to the task through
 * the mailbox. With the LocalBackPressureDetector on, a SourceThrottle may hold the source's intake
 * while the queues it feeds stay over the threshold: checked once per step (or per credit wait of
 * a source function), never per record. A stop-with-savepoint with drain ends the input early.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { SourceSplit } from '../../connector/source/source.ts';
import { InputStatus } from '../../connector/source/source.ts';
import type { ResultSubpartition } from '../io/result-subpartition.ts';
import { SourceOperator } from '../operators/source-operator.ts';
import { StreamSource } from '../operators/stream-source.ts';
import type { AbstractStreamOperator } from '../operators/stream-operator.ts';
import type { SourceCoordinator } from '../source/source-coordinator.ts';
import type { SourceThrottle } from './source-throttle.ts';
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
  /** Stop-with-savepoint with drain: the source function was cancelled, its end is the end of input. */
  private draining = false;
  private throttle: SourceThrottle | null = null;

  constructor(task: StreamTask, head: SourceOperator<unknown, SourceSplit> | StreamSource<unknown>, services: SourceServices) {
    this.task = task;
    this.head = head;
    if (head instanceof SourceOperator) {
      const coordinator = services.coordinatorFor(task.deployment.vertex.head.id);
      if (coordinator === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `No source coordinator for '${task.deployment.vertex.head.name}'`);
      head.attach(coordinator);
    }
  }

  /** The back-pressure detector's throttle for this source (null: none). */
  setThrottle(throttle: SourceThrottle | null): void {
    this.throttle = throttle;
    if (throttle === null) this.task.ioMetrics.sourceHeld = false;
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
            const throttle = this.throttle;
            if (throttle === null) return task.whenOutputAvailable();
            throttle.afterPoll(performance.now());
            return task.whenOutputAvailable().then(() => this.whenReleased(throttle));
          },
        })
        .then(
          () => {
            if (this.draining || (!head.isCanceled() && task.getState() === TaskState.RUNNING)) task.executeInMailbox(() => this.endInput(), 'end of the source function');
          },
          (error: unknown) => {
            // A function stopped by cancel() may throw on its way out; that is not a failure.
            if (!head.isCanceled()) task.fail(error);
          },
        );
    });
  }

  /** A source function waits out its throttle's hold; the time counts as back-pressured. */
  private async whenReleased(throttle: SourceThrottle): Promise<void> {
    const metrics = this.task.ioMetrics;
    metrics.sourceHeld = true;
    try {
      await throttle.whenReleased();
    } finally {
      metrics.sourceHeld = false;
    }
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
   * Stop-with-savepoint with drain (Flink's StopMode.DRAIN): the source stops and its input ends
   * as if exhausted — final watermark, finish(), EndOfData. A split-based source ends now; a
   * source function is cancelled, and what it emits until its run() returns still counts.
   */
  drain(): void {
    this.suspended = true;
    if (this.head instanceof StreamSource) {
      this.draining = true;
      this.head.cancel();
    } else {
      this.endInput();
    }
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
    const throttle = this.throttle;
    if (throttle !== null && this.held(throttle)) return false;
    const start = performance.now();
    let status = head.emitNext();
    while (status === InputStatus.MORE_AVAILABLE && this.task.isOutputAvailable() && performance.now() - start < STEP_BUDGET_MS) status = head.emitNext();
    if (throttle !== null) throttle.afterPoll(performance.now());
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

  /** Whether the throttle holds the source this step; a parked scheduler is woken when the hold's delay ends. */
  private held(throttle: SourceThrottle): boolean {
    const now = performance.now();
    const held = throttle.isHolding(now);
    this.task.ioMetrics.sourceHeld = held;
    if (held) throttle.wakeAt(now, () => this.task.wakeup());
    return held;
  }

  private endInput(): void {
    if (this.ended) return;
    this.ended = true;
    this.throttle?.dispose();
    this.task.ioMetrics.sourceHeld = false;
    this.head.emitFinalWatermark();
    this.task.signalEndOfInput();
  }

  cancel(): void {
    this.throttle?.dispose();
    if (this.head instanceof StreamSource) this.head.cancel();
  }

  /** A source function that keeps emitting while its consumers cannot keep up gets a clear error. */
  checkOverflow(channel: ResultSubpartition, consumerSubtask: number): void {
    if (this.emittingFromFunction > 0 && channel.bufferedBatches > channel.capacity * OVERFLOW_FACTOR) {
      throw new FlinkError(
        ErrorCodes.FLINK_TS_SOURCE_OVERFLOW,
        `Source '${this.task.name}' emitted ${channel.bufferedBatches} batches to subtask ${consumerSubtask + 1} of its consumer, ` +
          `which can take ${channel.capacity}; the consumer cannot keep up. Emit with 'await ctx.collectAsync(record)' to wait for room.`,
      );
    }
  }
}
