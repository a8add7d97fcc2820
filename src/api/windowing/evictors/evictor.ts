/*
 * Evictor: removes elements from a window pane after its trigger fired, before and/or after the
 * window function sees them. The operator passes the pane's elements as a mutable array; an
 * evictor removes elements from it in place (Flink's iterator.remove()), keeping the order of the
 * rest, and the operator writes the remaining elements back as the pane's contents.
 */
import type { MetricGroup } from '../../../runtime/metrics/metric-group.ts';
import type { Window } from '../windows/window.ts';
import type { TimestampedValue } from './timestamped-value.ts';

/** What an evictor may read of the operator that runs it. */
export interface EvictorContext {
  getCurrentProcessingTime(): number;
  getMetricGroup(): MetricGroup;
  getCurrentWatermark(): number;
}

export interface Evictor<T, W extends Window> {
  /** Optionally removes elements from `elements` (the pane, `size` long) before the window function. */
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, evictorContext: EvictorContext): void;
  /** Optionally removes elements from `elements` (the pane, `size` long) after the window function. */
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, evictorContext: EvictorContext): void;
}

/** Removes, in place and in one pass, the elements for which `evict` returns true. */
export function removeWhere<E>(elements: E[], evict: (element: E) => boolean): void {
  let kept = 0;
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i];
    if (!evict(element)) elements[kept++] = element;
  }
  elements.length = kept;
}
