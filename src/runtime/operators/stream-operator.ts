/*
 * The operator contract. Operators are driven by their task's mailbox loop: records arrive as
 * processElement(value, timestamp) calls (batches are unrolled by the task, chained operators call
 * each other directly), watermarks as processWatermark, end of input as finish(). Every lifecycle
 * hook has a no-op default.
 */
import { userFunctionError } from '../../errors.ts';
import { Watermark } from '../../api/common/watermark.ts';
import { WatermarkStatus } from '../io/stream-events.ts';
import type { Output } from './output.ts';
import type { StreamingRuntimeContext } from './streaming-runtime-context.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import type { ProcessingTimeService } from '../tasks/processing-time-service.ts';

/** What a task offers the operators of its chain. */
export interface TaskServices {
  readonly processingTimeService: ProcessingTimeService;
  /** While a blocker reports false, the task takes no new input; it calls `wakeup` when it clears. */
  addInputBlocker(isAvailable: () => boolean): void;
  wakeup(): void;
  failTask(error: unknown): void;
  executeInMailbox(action: () => void, description: string): void;
}

export interface StreamOperatorParameters<OUT> {
  readonly operatorName: string;
  readonly output: Output<OUT>;
  readonly runtimeContext: StreamingRuntimeContext;
  readonly task: TaskServices;
  /** The keyed state backend of a keyed operator (created by the task before setup); null otherwise. */
  readonly keyedStateBackend: KeyedStateBackend | null;
}

export abstract class AbstractStreamOperator<OUT> {
  protected output!: Output<OUT>;
  protected runtimeContext!: StreamingRuntimeContext;
  protected task!: TaskServices;
  protected keyedStateBackend: KeyedStateBackend | null = null;
  operatorName = '';
  private input1Watermark = Number.MIN_SAFE_INTEGER;
  private input2Watermark = Number.MIN_SAFE_INTEGER;
  private input1Idle = false;
  private input2Idle = false;
  private combinedWatermark = Number.MIN_SAFE_INTEGER;

  setup(parameters: StreamOperatorParameters<OUT>): void {
    this.output = parameters.output;
    this.runtimeContext = parameters.runtimeContext;
    this.task = parameters.task;
    this.keyedStateBackend = parameters.keyedStateBackend;
    this.operatorName = parameters.operatorName;
    parameters.runtimeContext.setKeyedStateBackend(parameters.keyedStateBackend, parameters.operatorName);
  }

  get subtaskIndex(): number {
    return this.runtimeContext.getIndexOfThisSubtask();
  }

  open(): void | Promise<void> {}

  /** End of all input: emit what is still held. Not called when the task is cancelled or fails. */
  finish(): void | Promise<void> {}

  /** Releases resources; called in every case, also after failure and cancellation. */
  close(): void | Promise<void> {}

  processWatermark(mark: Watermark): void {
    this.advanceWatermark(mark.timestamp);
    this.output.emitWatermark(mark);
  }

  processWatermark1(mark: Watermark): void {
    this.input1Watermark = mark.timestamp;
    this.combineWatermarks();
  }

  processWatermark2(mark: Watermark): void {
    this.input2Watermark = mark.timestamp;
    this.combineWatermarks();
  }

  processWatermarkStatus(status: WatermarkStatus): void {
    this.output.emitWatermarkStatus(status);
  }

  collectSide(_tag: unknown, _value: unknown, _timestamp: number): void {}
  emitWatermark(mark: Watermark): void {
    this.processWatermark(mark);
  }
  emitWatermarkStatus(status: WatermarkStatus): void {
    this.processWatermarkStatus(status);
  }

  processWatermarkStatus1(status: WatermarkStatus): void {
    this.setInputIdle(1, status.isIdle());
  }

  processWatermarkStatus2(status: WatermarkStatus): void {
    this.setInputIdle(2, status.isIdle());
  }

  /** Flink's CombinedWatermarkStatus: an idle input is left out of the combined watermark. */
  private setInputIdle(input: 1 | 2, idle: boolean): void {
    const wasIdle = this.input1Idle && this.input2Idle;
    if (input === 1) this.input1Idle = idle;
    else this.input2Idle = idle;
    const isIdle = this.input1Idle && this.input2Idle;
    this.combineWatermarks();
    if (wasIdle !== isIdle) this.output.emitWatermarkStatus(isIdle ? WatermarkStatus.IDLE : WatermarkStatus.ACTIVE);
  }

  /** Hook for operators with event-time timers: called before the watermark is forwarded. */
  protected advanceWatermark(_timestamp: number): void {}

  private combineWatermarks(): void {
    if (this.input1Idle && this.input2Idle) return;
    const min = this.input1Idle ? this.input2Watermark : this.input2Idle ? this.input1Watermark : Math.min(this.input1Watermark, this.input2Watermark);
    if (min > this.combinedWatermark) {
      this.combinedWatermark = min;
      this.processWatermark(min === Watermark.MAX_WATERMARK.timestamp ? Watermark.MAX_WATERMARK : new Watermark(min));
    }
  }

  /** The error to throw when user code failed: names operator and subtask, keeps the cause. */
  protected userError(cause: unknown, what: string): Error {
    return userFunctionError(cause, this.operatorName, this.subtaskIndex, this.runtimeContext.getNumberOfParallelSubtasks(), what);
  }
}

export interface OneInputStreamOperator<IN, OUT> extends AbstractStreamOperator<OUT> {
  processElement(value: IN, timestamp: number): void;
}

export interface TwoInputStreamOperator<IN1, IN2, OUT> extends AbstractStreamOperator<OUT> {
  processElement1(value: IN1, timestamp: number): void;
  processElement2(value: IN2, timestamp: number): void;
}

/** A short, safe rendering of a record for error messages. */
export function describeRecord(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
