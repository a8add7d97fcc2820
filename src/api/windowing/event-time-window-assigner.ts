/*
 * EventTimeWindowAssigner: a convenience for "call me with the elements of every tumbling
 * event-time window once it is complete". It is not a window implementation of its own: assign()
 * builds `stream.window(TumblingEventTimeWindows.of(size)).process(...)` (windowAll() for a
 * non-keyed stream), so windows complete exactly when the window operator fires them (the
 * watermark passes the window's end) and late elements follow the operator's rules. The callbacks
 * run inside the window operator's subtask; the returned stream carries the completed windows.
 *
 *   const windows = new EventTimeWindowAssigner<Order>(Duration.ofMinutes(5))
 *     .onWindowComplete((windowStart, orders) => console.log(windowStart, orders.length));
 *   windows.assign(orders.keyBy((o) => o.customerId)).print();
 *
 * or in one call: EventTimeWindowAssigner.apply(keyedStream, Duration.ofMinutes(5), callback).
 */
import { toMillis, type DurationLike } from '../common/duration.ts';
import type { Collector } from '../common/functions.ts';
import { ProcessWindowFunction, type ProcessWindowFunctionContext } from '../functions/window-functions.ts';
import type { DataStream } from '../datastream/data-stream.ts';
import { KeyedStream } from '../datastream/keyed-stream.ts';
import { TumblingEventTimeWindows } from './assigners/tumbling-event-time-windows.ts';
import type { TimeWindow } from './windows/time-window.ts';
import { getLogger, type Logger } from '../../utils/logger.ts';

/** Called once per completed window (per key on a keyed stream) with its start and elements. */
export type WindowComplete<T> = (windowStart: number, elements: T[]) => void;

/** A completed window as the stream returned by assign() carries it. */
export interface CompletedWindow<T, K = unknown> {
  /** The key of a keyed stream; undefined for a non-keyed one. */
  readonly key: K | undefined;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly elements: T[];
}

export class EventTimeWindowAssigner<T> {
  readonly windowSize: number;
  private readonly logger: Logger;
  private readonly callbacks: WindowComplete<T>[] = [];

  constructor(windowSize: DurationLike, logger?: Logger) {
    this.windowSize = toMillis(windowSize, 'EventTimeWindowAssigner windowSize');
    if (!(this.windowSize > 0)) throw new RangeError(`EventTimeWindowAssigner windowSize must be positive, got ${this.windowSize} ms`);
    this.logger = logger ?? getLogger('event-time-window-assigner');
  }

  /** Adds a callback for completed windows (the seed's WindowComplete event). */
  onWindowComplete(callback: WindowComplete<T>): this {
    if (typeof callback !== 'function') throw new TypeError('onWindowComplete() needs a function (windowStart, elements) => void');
    this.callbacks.push(callback);
    return this;
  }

  /** Windows the stream (per key when keyed) and calls the callbacks as windows complete. */
  assign<K>(stream: KeyedStream<T, K> | DataStream<T>): DataStream<CompletedWindow<T, K>> {
    const assigner = TumblingEventTimeWindows.of(this.windowSize);
    const complete = (key: K | undefined, window: TimeWindow, elements: Iterable<T>, out: Collector<CompletedWindow<T, K>>): void => {
      const list = [...elements];
      this.logger.debug({ windowStart: window.start, windowEnd: window.end, elements: list.length }, 'window complete');
      for (const callback of this.callbacks) callback(window.start, list);
      out.collect({ key, windowStart: window.start, windowEnd: window.end, elements: list });
    };
    if (stream instanceof KeyedStream) {
      return stream.window(assigner).process(new CallbackWindowFunction<T, K>(complete)).name('EventTimeWindowAssigner');
    }
    return stream
      .windowAll(assigner)
      .process({ process: (ctx: ProcessWindowFunctionContext<TimeWindow>, elements: Iterable<T>, out: Collector<CompletedWindow<T, K>>) => complete(undefined, ctx.window(), elements, out) })
      .name('EventTimeWindowAssigner');
  }

  /** One call: windows `stream` into tumbling windows of `windowSize` and calls `callback` for each completed window. */
  static apply<T, K>(stream: KeyedStream<T, K> | DataStream<T>, windowSize: DurationLike, callback: WindowComplete<T>): DataStream<CompletedWindow<T, K>> {
    return new EventTimeWindowAssigner<T>(windowSize).onWindowComplete(callback).assign<K>(stream);
  }
}

class CallbackWindowFunction<T, K> extends ProcessWindowFunction<T, CompletedWindow<T, K>, K, TimeWindow> {
  private readonly complete: (key: K, window: TimeWindow, elements: Iterable<T>, out: Collector<CompletedWindow<T, K>>) => void;

  constructor(complete: (key: K, window: TimeWindow, elements: Iterable<T>, out: Collector<CompletedWindow<T, K>>) => void) {
    super();
    this.complete = complete;
  }

  process(key: K, context: ProcessWindowFunctionContext<TimeWindow>, elements: Iterable<T>, out: Collector<CompletedWindow<T, K>>): void {
    this.complete(key, context.window(), elements, out);
  }
}
