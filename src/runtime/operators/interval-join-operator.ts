/*
 * The operator of KeyedStream.intervalJoin (Flink's IntervalJoinOperator): an event-time inner
 * join that emits every pair (left, right) of one key with
 * right.timestamp in [left.timestamp + lowerBound, left.timestamp + upperBound].
 *
 * Both sides are buffered in keyed MapState, timestamp -> entries, so they are checkpointed and
 * rescaled with their key. Each element is added to its side's buffer and joined with the other
 * side's buffered elements in range; every pair is stamped with the larger of both timestamps.
 * Each element registers a cleanup timer at the time after which no element of the other side can
 * join it any more; when the watermark passes that time, its bucket is removed. Elements behind the
 * watermark are late: they are dropped, or emitted to the side's late-data output if one is set.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { resolveMethod, type Collector, type KeySelector } from '../../api/common/functions.ts';
import type { OutputTag } from '../../api/common/output-tag.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import type { ProcessJoinFunctionContext, ProcessJoinFunctionLike } from '../../api/functions/join-functions.ts';
import type { MapState } from '../../api/state/state.ts';
import { MapStateDescriptor } from '../../api/state/state-descriptor.ts';
import { hasTimestamp } from '../../api/windowing/assigners/window-assigner.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import { AbstractUdfStreamOperator } from './abstract-udf-stream-operator.ts';
import { InternalTimerService, type InternalTimer, type Triggerable } from './internal-timer-service.ts';
import { TimestampedCollector, type Output } from './output.ts';
import { describeRecord, type StreamOperatorParameters, type TwoInputStreamOperator } from './stream-operator.ts';

/** A buffered element; `hasBeenJoined` is kept in the state format, as in Flink, for outer joins. */
export interface BufferEntry<T> {
  readonly element: T;
  readonly hasBeenJoined: boolean;
}

export const LEFT_BUFFER = 'LEFT_BUFFER';
export const RIGHT_BUFFER = 'RIGHT_BUFFER';
const CLEANUP_NAMESPACE_LEFT = 'CLEANUP_LEFT';
const CLEANUP_NAMESPACE_RIGHT = 'CLEANUP_RIGHT';

type Buffer<T> = MapState<number, BufferEntry<T>[]>;
type ProcessJoinFn<T1, T2, OUT> = (left: T1, right: T2, ctx: ProcessJoinFunctionContext, out: Collector<OUT>) => void;

export interface IntervalJoinBounds {
  readonly lowerBound: number;
  readonly upperBound: number;
  readonly lowerBoundInclusive: boolean;
  readonly upperBoundInclusive: boolean;
}

class IntervalJoinContext implements ProcessJoinFunctionContext {
  private readonly out: Output<unknown>;
  left = NO_TIMESTAMP;
  right = NO_TIMESTAMP;
  result = NO_TIMESTAMP;

  constructor(output: Output<unknown>) {
    this.out = output;
  }

  leftTimestamp(): number {
    return this.left;
  }
  rightTimestamp(): number {
    return this.right;
  }
  timestamp(): number {
    return this.result;
  }
  getLeftTimestamp(): number {
    return this.left;
  }
  getRightTimestamp(): number {
    return this.right;
  }
  getTimestamp(): number {
    return this.result;
  }

  output<X>(outputTag: OutputTag<X>, value: X): void {
    if (outputTag === null || outputTag === undefined) throw new TypeError('OutputTag must not be null.');
    this.out.collectSide(outputTag, value, this.result);
  }
}

export class IntervalJoinOperator<K, T1, T2, OUT>
  extends AbstractUdfStreamOperator<OUT, ProcessJoinFunctionLike<T1, T2, OUT>>
  implements TwoInputStreamOperator<T1, T2, OUT>, Triggerable
{
  /** Inclusive bounds: an exclusive bound is moved one millisecond inwards, as in Flink. */
  readonly lowerBound: number;
  readonly upperBound: number;
  private readonly leftLateDataOutputTag: OutputTag<T1> | null;
  private readonly rightLateDataOutputTag: OutputTag<T2> | null;
  private readonly processJoinFn: ProcessJoinFn<T1, T2, OUT>;
  private readonly keySelector1: (value: T1) => K;
  private readonly keySelector2: (value: T2) => K;
  private backend!: KeyedStateBackend;
  private leftBuffer!: Buffer<T1>;
  private rightBuffer!: Buffer<T2>;
  private timers!: InternalTimerService;
  private collector!: TimestampedCollector<OUT>;
  private context!: IntervalJoinContext;

  constructor(
    bounds: IntervalJoinBounds,
    fn: ProcessJoinFunctionLike<T1, T2, OUT>,
    keySelector1: KeySelector<T1, K>,
    keySelector2: KeySelector<T2, K>,
    leftLateDataOutputTag: OutputTag<T1> | null = null,
    rightLateDataOutputTag: OutputTag<T2> | null = null,
  ) {
    super(fn);
    const { lowerBound, upperBound } = bounds;
    if (!(lowerBound <= upperBound)) throw new RangeError(`lowerBound <= upperBound must be fulfilled, got lowerBound ${lowerBound} and upperBound ${upperBound}`);
    this.lowerBound = bounds.lowerBoundInclusive ? lowerBound : lowerBound + 1;
    this.upperBound = bounds.upperBoundInclusive ? upperBound : upperBound - 1;
    this.leftLateDataOutputTag = leftLateDataOutputTag;
    this.rightLateDataOutputTag = rightLateDataOutputTag;
    this.processJoinFn = resolveMethod(fn, 'processElement', 'The ProcessJoinFunction');
    this.keySelector1 = resolveMethod(keySelector1, 'getKey', 'The key selector of the left input');
    this.keySelector2 = resolveMethod(keySelector2, 'getKey', 'The key selector of the right input');
  }

  override setup(parameters: StreamOperatorParameters<OUT>): void {
    super.setup(parameters);
    const backend = parameters.keyedStateBackend;
    if (backend === null) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Operator '${parameters.operatorName}' runs an interval join but has no keyed state backend: both inputs must be keyed`);
    }
    this.backend = backend;
    this.collector = new TimestampedCollector(this.output, NO_TIMESTAMP);
    this.context = new IntervalJoinContext(this.output);
    this.timers = new InternalTimerService(backend, parameters.task.processingTimeService, this, 'interval-join-cleanup');
    this.leftBuffer = backend.getPartitionedState<Buffer<T1>>(new MapStateDescriptor<number, BufferEntry<T1>[]>(LEFT_BUFFER));
    this.rightBuffer = backend.getPartitionedState<Buffer<T2>>(new MapStateDescriptor<number, BufferEntry<T2>[]>(RIGHT_BUFFER));
  }

  processElement1(value: T1, timestamp: number): void {
    this.setKey(this.keySelector1, value);
    if (!this.accept(value, timestamp, 'left', this.leftLateDataOutputTag)) return;
    addToBuffer(this.leftBuffer, value, timestamp);
    const from = timestamp + this.lowerBound;
    const to = timestamp + this.upperBound;
    for (const [rightTimestamp, bucket] of this.rightBuffer.entries()) {
      if (rightTimestamp < from || rightTimestamp > to) continue;
      for (const entry of bucket) this.collect(value, entry.element, timestamp, rightTimestamp);
    }
    this.timers.registerEventTimeTimer(this.upperBound > 0 ? timestamp + this.upperBound : timestamp, CLEANUP_NAMESPACE_LEFT);
  }

  processElement2(value: T2, timestamp: number): void {
    this.setKey(this.keySelector2, value);
    if (!this.accept(value, timestamp, 'right', this.rightLateDataOutputTag)) return;
    addToBuffer(this.rightBuffer, value, timestamp);
    const from = timestamp - this.upperBound;
    const to = timestamp - this.lowerBound;
    for (const [leftTimestamp, bucket] of this.leftBuffer.entries()) {
      if (leftTimestamp < from || leftTimestamp > to) continue;
      for (const entry of bucket) this.collect(entry.element, value, leftTimestamp, timestamp);
    }
    this.timers.registerEventTimeTimer(this.lowerBound < 0 ? timestamp - this.lowerBound : timestamp, CLEANUP_NAMESPACE_RIGHT);
  }

  private setKey<T>(keySelector: (value: T) => K, value: T): void {
    try {
      this.backend.setCurrentKey(keySelector(value));
    } catch (e) {
      throw this.keyError(e, value);
    }
  }

  /** False for a late element, which goes to the side's late-data output if it has one. */
  private accept<T>(value: T, timestamp: number, side: 'left' | 'right', lateDataOutputTag: OutputTag<T> | null): boolean {
    if (!hasTimestamp(timestamp)) throw this.missingTimestamp(value, side);
    if (timestamp >= this.timers.currentWatermark) return true;
    if (lateDataOutputTag !== null) this.output.collectSide(lateDataOutputTag, value, timestamp);
    return false;
  }

  private collect(left: T1, right: T2, leftTimestamp: number, rightTimestamp: number): void {
    const resultTimestamp = Math.max(leftTimestamp, rightTimestamp);
    const ctx = this.context;
    ctx.left = leftTimestamp;
    ctx.right = rightTimestamp;
    ctx.result = resultTimestamp;
    this.collector.timestamp = resultTimestamp;
    try {
      this.processJoinFn(left, right, ctx, this.collector);
    } catch (e) {
      throw this.userError(e, `joining ${describeRecord(left)} @ ${leftTimestamp} with ${describeRecord(right)} @ ${rightTimestamp}`);
    }
  }

  /** Removes the bucket whose cleanup time this is, on the side that registered the timer. */
  onEventTime(timer: InternalTimer): void {
    const time = timer.timestamp;
    if (timer.namespace === CLEANUP_NAMESPACE_LEFT) this.leftBuffer.remove(this.upperBound <= 0 ? time : time - this.upperBound);
    else if (timer.namespace === CLEANUP_NAMESPACE_RIGHT) this.rightBuffer.remove(this.lowerBound <= 0 ? time + this.lowerBound : time);
    else throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Operator '${this.operatorName}' got a timer in an unknown namespace: ${String(timer.namespace)}`);
  }

  onProcessingTime(_timer: InternalTimer): void {}

  protected override advanceWatermark(timestamp: number): void {
    this.timers.advanceWatermark(timestamp);
  }

  numEventTimeTimers(): number {
    return this.timers.numEventTimeTimers();
  }

  private missingTimestamp(value: unknown, side: 'left' | 'right'): FlinkError {
    const operator = this.operatorName;
    const subtask = this.subtaskIndex;
    const parallelism = this.runtimeContext.getNumberOfParallelSubtasks();
    return new FlinkError(
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      `Operator '${operator}' (subtask ${subtask + 1}/${parallelism}) got record ${describeRecord(value)} without a timestamp on its ${side} input. ` +
        'Long.MIN_VALUE timestamp: Elements used in interval stream joins need to have timestamps meaningful timestamps. ' +
        "Did you forget to call 'DataStream.assignTimestampsAndWatermarks(...)'?",
      { context: { operator, subtask, side } },
    );
  }

  override async close(): Promise<void> {
    try {
      this.timers?.shutdown();
    } finally {
      await super.close();
    }
  }
}

/**
 * Flink's get, append, put: the heap backend hands out a value that a pending snapshot does not
 * share, and RocksDB a fresh copy that only put() writes back.
 */
function addToBuffer<T>(buffer: Buffer<T>, element: T, timestamp: number): void {
  const entry: BufferEntry<T> = { element, hasBeenJoined: false };
  const bucket = buffer.get(timestamp);
  if (bucket === undefined) {
    buffer.put(timestamp, [entry]);
  } else {
    bucket.push(entry);
    buffer.put(timestamp, bucket);
  }
}
