/*
 * DeltaEvictor: keeps the elements of a pane that are close to the last one. Every element whose
 * delta to the last element (as the DeltaFunction measures it) is at least `threshold` is evicted.
 */
import { resolveMethod } from '../../common/functions.ts';
import type { Window } from '../windows/window.ts';
import { removeWhere, type Evictor, type EvictorContext } from './evictor.ts';
import type { TimestampedValue } from './timestamped-value.ts';

/** The distance between two data points, as a function or an object with getDelta(). */
export type DeltaFunction<T> = ((oldDataPoint: T, newDataPoint: T) => number) | { getDelta(oldDataPoint: T, newDataPoint: T): number };

export class DeltaEvictor<T, W extends Window = Window> implements Evictor<T, W> {
  private readonly deltaFunction: DeltaFunction<T>;
  private readonly getDelta: (oldDataPoint: T, newDataPoint: T) => number;
  private readonly threshold: number;
  private readonly doEvictAfter: boolean;

  private constructor(threshold: number, deltaFunction: DeltaFunction<T>, doEvictAfter: boolean) {
    this.deltaFunction = deltaFunction;
    this.getDelta = resolveMethod(deltaFunction, 'getDelta', 'DeltaEvictor.of(threshold, deltaFunction): deltaFunction');
    this.threshold = threshold;
    this.doEvictAfter = doEvictAfter;
  }

  /** Evicts elements whose delta to the last element is >= `threshold`; before the window function unless `doEvictAfter`. */
  static of<T, W extends Window = Window>(threshold: number, deltaFunction: DeltaFunction<T>, doEvictAfter = false): DeltaEvictor<T, W> {
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new TypeError(`DeltaEvictor.of(threshold, deltaFunction): threshold must be a number, got ${String(threshold)}`);
    return new DeltaEvictor<T, W>(threshold, deltaFunction, doEvictAfter === true);
  }

  evictBefore(elements: TimestampedValue<T>[], _size: number, _window: W, _ctx: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<T>[], _size: number, _window: W, _ctx: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  private evict(elements: TimestampedValue<T>[]): void {
    if (elements.length === 0) return;
    const lastElement = elements[elements.length - 1];
    removeWhere(elements, (element) => this.getDelta(element.value, lastElement.value) >= this.threshold);
  }

  toString(): string {
    return `DeltaEvictor(${String(this.deltaFunction)}, ${this.threshold})`;
  }
}
