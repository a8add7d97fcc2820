/*
 * Operator test harnesses, after Flink's OneInputStreamOperatorTestHarness: set an operator up
 * with a collecting output, a real runtime context, fake task services with a manual processing
 * clock, and (when keyed) a heap keyed state backend, then drive it record by record.
 */
import type { OutputTag } from '../../../src/api/common/output-tag.ts';
import { NO_TIMESTAMP, Watermark } from '../../../src/api/common/watermark.ts';
import type { Accumulator } from '../../../src/api/common/accumulators.ts';
import type { WatermarkStatus } from '../../../src/runtime/io/stream-events.ts';
import { MetricGroup } from '../../../src/runtime/metrics/metric-group.ts';
import type { Output } from '../../../src/runtime/operators/output.ts';
import type { AbstractStreamOperator, TaskServices } from '../../../src/runtime/operators/stream-operator.ts';
import { StreamingRuntimeContext } from '../../../src/runtime/operators/streaming-runtime-context.ts';
import { HeapKeyedStateBackend } from '../../../src/runtime/state/heap/heap-keyed-state-backend.ts';
import { KeyGroupRange } from '../../../src/runtime/state/key-group-range.ts';
import type { KeyedStateBackend } from '../../../src/runtime/state/keyed-state-backend.ts';
import type { KeyedStateSnapshot } from '../../../src/runtime/state/snapshot/keyed-state-snapshot.ts';
import type { ProcessingTimeService, ScheduledTimer } from '../../../src/runtime/tasks/processing-time-service.ts';

export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number;
}

export class CollectingOutput<T> implements Output<T> {
  readonly records: TimestampedValue<T>[] = [];
  readonly sideOutputs = new Map<string, TimestampedValue<unknown>[]>();
  readonly watermarks: Watermark[] = [];
  readonly statuses: WatermarkStatus[] = [];
  /** Everything in arrival order, to check how records and watermarks interleave. */
  readonly events: (TimestampedValue<T> | Watermark)[] = [];

  collect(value: T, timestamp: number): void {
    const record = { value, timestamp };
    this.records.push(record);
    this.events.push(record);
  }

  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    let list = this.sideOutputs.get(tag.id);
    if (list === undefined) {
      list = [];
      this.sideOutputs.set(tag.id, list);
    }
    list.push({ value, timestamp });
  }

  emitWatermark(mark: Watermark): void {
    this.watermarks.push(mark);
    this.events.push(mark);
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    this.statuses.push(status);
  }
}

/** A processing-time clock the test moves; advancing it fires the due timers in time order. */
export class ManualProcessingTimeService implements ProcessingTimeService {
  private time: number;
  private timers: { timestamp: number; seq: number; callback: (timestamp: number) => void; cancelled: boolean }[] = [];
  private seq = 0;

  constructor(initialTime = 0) {
    this.time = initialTime;
  }

  getCurrentProcessingTime(): number {
    return this.time;
  }

  registerTimer(timestamp: number, callback: (timestamp: number) => void): ScheduledTimer {
    const timer = { timestamp, seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  get numPendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  setCurrentTime(time: number): void {
    this.time = time;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: (typeof this.timers)[number] | undefined;
      for (const t of this.timers) {
        if (t.timestamp <= time && (next === undefined || t.timestamp < next.timestamp || (t.timestamp === next.timestamp && t.seq < next.seq))) next = t;
      }
      if (next === undefined) return;
      next.cancelled = true;
      next.callback(next.timestamp);
    }
  }
}

export class FakeTaskServices implements TaskServices {
  readonly processingTimeService: ManualProcessingTimeService;
  readonly blockers: (() => boolean)[] = [];
  readonly failures: unknown[] = [];
  readonly mails: string[] = [];
  wakeups = 0;

  constructor(processingTimeService: ManualProcessingTimeService) {
    this.processingTimeService = processingTimeService;
  }

  addInputBlocker(isAvailable: () => boolean): void {
    this.blockers.push(isAvailable);
  }

  /** Whether the task would take new input now. */
  isInputAvailable(): boolean {
    return this.blockers.every((b) => b());
  }

  wakeup(): void {
    this.wakeups++;
  }

  failTask(error: unknown): void {
    this.failures.push(error);
  }

  executeInMailbox(action: () => void, description: string): void {
    this.mails.push(description);
    action();
  }
}

export interface HarnessOptions {
  readonly operatorName?: string;
  readonly subtaskIndex?: number;
  readonly parallelism?: number;
  readonly maxParallelism?: number;
  readonly attemptNumber?: number;
  /** Give the operator a HeapKeyedStateBackend over all key groups (or over `keyGroupRange`). */
  readonly keyed?: boolean;
  readonly keyGroupRange?: KeyGroupRange;
  /** The keyed state backend to use instead (a RocksDB one, or one restored by the test). */
  readonly keyedStateBackend?: KeyedStateBackend;
  readonly initialProcessingTime?: number;
}

abstract class OperatorTestHarness<OUT> {
  readonly operator: AbstractStreamOperator<OUT>;
  readonly output = new CollectingOutput<OUT>();
  readonly processingTimeService: ManualProcessingTimeService;
  readonly task: FakeTaskServices;
  readonly runtimeContext: StreamingRuntimeContext;
  readonly accumulators = new Map<string, Accumulator<unknown, unknown>>();
  readonly keyedStateBackend: KeyedStateBackend | null;

  constructor(operator: AbstractStreamOperator<OUT>, options: HarnessOptions = {}) {
    const name = options.operatorName ?? 'test-operator';
    const subtask = options.subtaskIndex ?? 0;
    const parallelism = options.parallelism ?? 1;
    const maxParallelism = options.maxParallelism ?? 128;
    this.operator = operator;
    this.processingTimeService = new ManualProcessingTimeService(options.initialProcessingTime ?? 0);
    this.task = new FakeTaskServices(this.processingTimeService);
    this.runtimeContext = new StreamingRuntimeContext(
      {
        taskName: name,
        taskNameWithSubtasks: `${name} (${subtask + 1}/${parallelism})`,
        indexOfThisSubtask: subtask,
        numberOfParallelSubtasks: parallelism,
        maxNumberOfParallelSubtasks: maxParallelism,
        attemptNumber: options.attemptNumber ?? 0,
      },
      { jobId: 'test-job-id', jobName: 'test-job' },
      this.accumulators,
      new MetricGroup(['test', name, String(subtask)]),
    );
    this.keyedStateBackend =
      options.keyedStateBackend ??
      (options.keyed === true ? new HeapKeyedStateBackend({ keyGroupRange: options.keyGroupRange ?? KeyGroupRange.of(0, maxParallelism - 1), maxParallelism, where: 'test' }) : null);
    operator.setup({
      operatorName: name,
      output: this.output,
      runtimeContext: this.runtimeContext,
      task: this.task,
      keyedStateBackend: this.keyedStateBackend,
    });
  }

  /** Restores keyed state (timers included) before open(), as a restarted task does. */
  async initializeKeyedState(snapshots: readonly KeyedStateSnapshot[]): Promise<void> {
    await this.keyedStateBackend!.restore(snapshots);
  }

  /** A full snapshot of the operator's keyed state (timers included). */
  snapshotKeyedState(checkpointId = 1): Promise<KeyedStateSnapshot> {
    return this.keyedStateBackend!.snapshot(checkpointId).materialize();
  }

  async open(): Promise<void> {
    await this.operator.open();
  }

  async finish(): Promise<void> {
    await this.operator.finish();
  }

  async close(): Promise<void> {
    await this.operator.close();
  }

  setProcessingTime(time: number): void {
    this.processingTimeService.setCurrentTime(time);
  }

  getOutput(): TimestampedValue<OUT>[] {
    return this.output.records;
  }

  /** Only the values of the main output. */
  getValues(): OUT[] {
    return this.output.records.map((r) => r.value);
  }

  getSideOutput<X>(tag: OutputTag<X>): TimestampedValue<X>[] {
    return (this.output.sideOutputs.get(tag.id) ?? []) as TimestampedValue<X>[];
  }

  /** Timestamps of the forwarded watermarks. */
  getWatermarks(): number[] {
    return this.output.watermarks.map((w) => w.timestamp);
  }

  clearOutput(): void {
    this.output.records.length = 0;
    this.output.sideOutputs.clear();
    this.output.watermarks.length = 0;
    this.output.events.length = 0;
  }
}

type OneInput<IN, OUT> = AbstractStreamOperator<OUT> & { processElement(value: IN, timestamp: number): void };
type TwoInput<IN1, IN2, OUT> = AbstractStreamOperator<OUT> & {
  processElement1(value: IN1, timestamp: number): void;
  processElement2(value: IN2, timestamp: number): void;
};

export class OneInputOperatorTestHarness<IN, OUT> extends OperatorTestHarness<OUT> {
  private readonly input: OneInput<IN, OUT>;

  constructor(operator: OneInput<IN, OUT>, options: HarnessOptions = {}) {
    super(operator, options);
    this.input = operator;
  }

  processElement(value: IN, timestamp: number = NO_TIMESTAMP): void {
    this.input.processElement(value, timestamp);
  }

  processWatermark(timestamp: number): void {
    this.input.processWatermark(new Watermark(timestamp));
  }
}

export class TwoInputOperatorTestHarness<IN1, IN2, OUT> extends OperatorTestHarness<OUT> {
  private readonly input: TwoInput<IN1, IN2, OUT>;

  constructor(operator: TwoInput<IN1, IN2, OUT>, options: HarnessOptions = {}) {
    super(operator, options);
    this.input = operator;
  }

  processElement1(value: IN1, timestamp: number = NO_TIMESTAMP): void {
    this.input.processElement1(value, timestamp);
  }

  processElement2(value: IN2, timestamp: number = NO_TIMESTAMP): void {
    this.input.processElement2(value, timestamp);
  }

  processWatermark1(timestamp: number): void {
    this.input.processWatermark1(new Watermark(timestamp));
  }

  processWatermark2(timestamp: number): void {
    this.input.processWatermark2(new Watermark(timestamp));
  }

  /** The same watermark on both inputs. */
  processWatermark(timestamp: number): void {
    this.processWatermark1(timestamp);
    this.processWatermark2(timestamp);
  }
}

/** Whether `error` is an Error whose message contains every fragment. */
export function errorMessageIncludes(error: unknown, ...fragments: string[]): boolean {
  if (!(error instanceof Error)) return false;
  return fragments.every((f) => error.message.includes(f));
}

/** A promise with its resolve and reject, for sinks whose calls the test settles by hand. */
export interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run. */
export async function flushPromises(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
