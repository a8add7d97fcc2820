/*
 * The interval join of two keyed streams (Flink's KeyedStream.IntervalJoin and IntervalJoined):
 * `left.intervalJoin(right).between(lower, upper).process(fn)` joins each left element e1 with
 * the right elements e2 of the same key whose timestamp lies in
 * [e1.timestamp + lower, e1.timestamp + upper] (both bounds inclusive unless made exclusive).
 * Event time only; both inputs need timestamps and watermarks.
 */
import { ErrorCodes, FlinkError, invalidPipeline } from '../../errors.ts';
import { copyFunctionForSubtask } from '../common/function-copy.ts';
import { resolveMethod } from '../common/functions.ts';
import { toMillis, type DurationLike } from '../common/duration.ts';
import { OutputTag } from '../common/output-tag.ts';
import { TwoInputTransformation, type KeySelectorFn } from '../../graph/transformation.ts';
import { IntervalJoinOperator } from '../../runtime/operators/interval-join-operator.ts';
import type { ProcessJoinFunctionLike } from '../functions/join-functions.ts';
import { DataStream } from './data-stream.ts';
import type { KeyedStream } from './keyed-stream.ts';

const TimeBehaviour = { EVENT_TIME: 'EVENT_TIME', PROCESSING_TIME: 'PROCESSING_TIME' } as const;
type TimeBehaviour = (typeof TimeBehaviour)[keyof typeof TimeBehaviour];

/** The two keyed streams to join; `between` sets the interval. */
export class IntervalJoin<T1, T2, K> {
  private readonly left: KeyedStream<T1, K>;
  private readonly right: KeyedStream<T2, K>;
  private timeBehaviour: TimeBehaviour = TimeBehaviour.EVENT_TIME;

  constructor(left: KeyedStream<T1, K>, right: KeyedStream<T2, K>) {
    if (right === null || right === undefined || typeof (right as { getKeySelector?: unknown }).getKeySelector !== 'function') {
      throw invalidPipeline('intervalJoin() needs a KeyedStream to join with: key the other stream with keyBy() first');
    }
    if (left.getExecutionEnvironment() !== right.getExecutionEnvironment()) throw invalidPipeline('Cannot join streams of different execution environments');
    this.left = left;
    this.right = right;
  }

  /** Joins on event time (the default and the only time behaviour supported). */
  inEventTime(): this {
    this.timeBehaviour = TimeBehaviour.EVENT_TIME;
    return this;
  }

  /** Processing time is not supported by interval joins: between() then fails, as in Flink. */
  inProcessingTime(): this {
    this.timeBehaviour = TimeBehaviour.PROCESSING_TIME;
    return this;
  }

  /** Right elements with timestamps in [left + lowerBound, left + upperBound] join a left element. */
  between(lowerBound: DurationLike, upperBound: DurationLike): IntervalJoined<T1, T2, K> {
    if (this.timeBehaviour !== TimeBehaviour.EVENT_TIME) {
      throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, 'Time-bounded stream joins are only supported in event time');
    }
    if (lowerBound === null || lowerBound === undefined) throw invalidPipeline('A lower bound needs to be provided for a time-bounded join');
    if (upperBound === null || upperBound === undefined) throw invalidPipeline('An upper bound needs to be provided for a time-bounded join');
    return new IntervalJoined(this.left, this.right, toMillis(lowerBound, 'The lower bound'), toMillis(upperBound, 'The upper bound'));
  }
}

/** An interval join with its bounds; process() adds the join operator. */
export class IntervalJoined<T1, T2, K> {
  private readonly left: KeyedStream<T1, K>;
  private readonly right: KeyedStream<T2, K>;
  private readonly lowerBound: number;
  private readonly upperBound: number;
  private lowerBoundInclusive = true;
  private upperBoundInclusive = true;
  private leftLateDataOutputTag: OutputTag<T1> | null = null;
  private rightLateDataOutputTag: OutputTag<T2> | null = null;

  constructor(left: KeyedStream<T1, K>, right: KeyedStream<T2, K>, lowerBound: number, upperBound: number) {
    if (!(lowerBound <= upperBound)) throw invalidPipeline(`lowerBound <= upperBound must be fulfilled, got lowerBound ${lowerBound} ms and upperBound ${upperBound} ms`);
    this.left = left;
    this.right = right;
    this.lowerBound = lowerBound;
    this.upperBound = upperBound;
  }

  lowerBoundExclusive(): this {
    this.lowerBoundInclusive = false;
    return this;
  }

  upperBoundExclusive(): this {
    this.upperBoundInclusive = false;
    return this;
  }

  /** Left elements behind the watermark go to this side output instead of being dropped. */
  sideOutputLeftLateData(outputTag: OutputTag<T1>): this {
    if (!(outputTag instanceof OutputTag)) throw invalidPipeline('sideOutputLeftLateData() needs an OutputTag');
    this.leftLateDataOutputTag = outputTag;
    return this;
  }

  /** Right elements behind the watermark go to this side output instead of being dropped. */
  sideOutputRightLateData(outputTag: OutputTag<T2>): this {
    if (!(outputTag instanceof OutputTag)) throw invalidPipeline('sideOutputRightLateData() needs an OutputTag');
    this.rightLateDataOutputTag = outputTag;
    return this;
  }

  /** Calls `fn` once per joined pair; the output carries the larger of both timestamps. */
  process<R>(fn: ProcessJoinFunctionLike<T1, T2, R>): DataStream<R> {
    if (fn === null || fn === undefined) throw invalidPipeline('process() of an interval join needs a ProcessJoinFunction');
    resolveMethod(fn, 'processElement', 'The ProcessJoinFunction');
    const bounds = {
      lowerBound: this.lowerBound,
      upperBound: this.upperBound,
      lowerBoundInclusive: this.lowerBoundInclusive,
      upperBoundInclusive: this.upperBoundInclusive,
    };
    const keySelector1 = this.left.getKeySelector();
    const keySelector2 = this.right.getKeySelector();
    const leftLate = this.leftLateDataOutputTag;
    const rightLate = this.rightLateDataOutputTag;
    const t = new TwoInputTransformation<T1, T2, R>(
      this.left.getTransformation(),
      this.right.getTransformation(),
      'Interval Join',
      (subtask) => new IntervalJoinOperator<K, T1, T2, R>(bounds, copyFunctionForSubtask(fn, subtask), keySelector1, keySelector2, leftLate, rightLate),
      keySelector1 as KeySelectorFn,
      keySelector2 as KeySelectorFn,
    );
    const env = this.left.getExecutionEnvironment();
    env.addOperator(t);
    const stream = new DataStream<R>(env, t);
    DataStream.markSideOutputCapable(stream as DataStream<unknown>);
    return stream;
  }
}
