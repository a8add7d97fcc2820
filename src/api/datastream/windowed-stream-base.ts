/*
 * What WindowedStream (keyed) and AllWindowedStream (windowAll) share: the window operator's
 * settings (trigger, evictor, allowed lateness, late-data side output) and the field aggregations,
 * which are reductions of each pane.
 */
import { toMillis, type DurationLike } from '../common/duration.ts';
import type { ReduceFunction } from '../common/functions.ts';
import type { OutputTag } from '../common/output-tag.ts';
import type { Evictor } from '../windowing/evictors/evictor.ts';
import type { Trigger } from '../windowing/triggers/trigger.ts';
import type { Window } from '../windowing/windows/window.ts';
import { maxAggregation, maxByAggregation, minAggregation, minByAggregation, sumAggregation } from '../../runtime/operators/keyed-aggregations.ts';
import type { WindowOperatorBuilder } from '../../runtime/operators/windowing/window-operator-builder.ts';
import type { DataStream } from './data-stream.ts';
import type { FieldExpression } from './keyed-stream.ts';

export abstract class WindowedStreamBase<T, K, W extends Window> {
  protected readonly builder: WindowOperatorBuilder<T, K, W>;

  protected constructor(builder: WindowOperatorBuilder<T, K, W>) {
    this.builder = builder;
  }

  /** Reduces each pane incrementally. */
  abstract reduce(reduceFunction: ReduceFunction<T>): DataStream<T>;

  /** Replaces the assigner's default trigger; merging assigners need a trigger that canMerge(). */
  trigger(trigger: Trigger<T, W> | Trigger<unknown, W> | Trigger<unknown, Window>): this {
    this.builder.trigger(trigger as Trigger<T, W>);
    return this;
  }

  /** Removes elements of a pane before and/or after the window function; panes then keep their elements. */
  evictor(evictor: Evictor<T, W> | Evictor<unknown, W> | Evictor<unknown, Window>): this {
    this.builder.evictor(evictor as Evictor<T, W>);
    return this;
  }

  /** How long after a window's end (by the watermark) late elements still update it; 0 by default. */
  allowedLateness(lateness: DurationLike): this {
    this.builder.allowedLateness(toMillis(lateness, 'allowedLateness(lateness)'));
    return this;
  }

  /** Sends elements that arrive after every window they belong to was cleaned up to this side output. */
  sideOutputLateData(outputTag: OutputTag<T>): this {
    this.builder.sideOutputLateData(outputTag);
    return this;
  }

  sum(field?: FieldExpression): DataStream<T> {
    return this.reduce(sumAggregation<T>(field));
  }

  min(field?: FieldExpression): DataStream<T> {
    return this.reduce(minAggregation<T>(field));
  }

  max(field?: FieldExpression): DataStream<T> {
    return this.reduce(maxAggregation<T>(field));
  }

  minBy(field?: FieldExpression, first = true): DataStream<T> {
    return this.reduce(minByAggregation<T>(field, first));
  }

  maxBy(field?: FieldExpression, first = true): DataStream<T> {
    return this.reduce(maxByAggregation<T>(field, first));
  }

  getAllowedLateness(): number {
    return this.builder.getAllowedLateness();
  }
}
