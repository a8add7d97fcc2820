/*
 * TimeEvictor: keeps the elements of the last `windowSize` of event time in a pane. The current
 * time is the largest element timestamp in the pane; elements at or before
 * current time - windowSize are evicted. Panes whose first element has no timestamp are left alone.
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import type { Window } from '../windows/window.ts';
import { removeWhere, type Evictor, type EvictorContext } from './evictor.ts';
import { hasTimestamp, type TimestampedValue } from './timestamped-value.ts';

export class TimeEvictor<W extends Window = Window> implements Evictor<unknown, W> {
  private readonly windowSize: number;
  private readonly doEvictAfter: boolean;

  constructor(windowSize: number, doEvictAfter = false) {
    this.windowSize = windowSize;
    this.doEvictAfter = doEvictAfter;
  }

  /** Keeps elements of the last `windowSize` (a Duration or milliseconds); before the window function unless `doEvictAfter`. */
  static of<W extends Window = Window>(windowSize: DurationLike, doEvictAfter = false): TimeEvictor<W> {
    return new TimeEvictor<W>(toMillis(windowSize, 'TimeEvictor.of(windowSize): windowSize'), doEvictAfter === true);
  }

  evictBefore(elements: TimestampedValue<unknown>[], _size: number, _window: W, _ctx: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<unknown>[], _size: number, _window: W, _ctx: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  private evict(elements: TimestampedValue<unknown>[]): void {
    if (elements.length === 0 || !hasTimestamp(elements[0])) return;
    let currentTime = Number.NEGATIVE_INFINITY;
    for (const element of elements) currentTime = Math.max(currentTime, element.timestamp);
    const evictCutoff = currentTime - this.windowSize;
    removeWhere(elements, (element) => element.timestamp <= evictCutoff);
  }

  getWindowSize(): number {
    return this.windowSize;
  }

  toString(): string {
    return `TimeEvictor(${this.windowSize})`;
  }
}
