/*
 * CountEvictor: keeps at most `maxCount` elements of a pane, evicting the oldest (first) ones.
 */
import type { Window } from '../windows/window.ts';
import type { Evictor, EvictorContext } from './evictor.ts';
import type { TimestampedValue } from './timestamped-value.ts';

export class CountEvictor<W extends Window = Window> implements Evictor<unknown, W> {
  private readonly maxCount: number;
  private readonly doEvictAfter: boolean;

  private constructor(maxCount: number, doEvictAfter: boolean) {
    this.maxCount = maxCount;
    this.doEvictAfter = doEvictAfter;
  }

  /** Keeps `maxCount` elements; evicts before the window function unless `doEvictAfter`. */
  static of<W extends Window = Window>(maxCount: number, doEvictAfter = false): CountEvictor<W> {
    if (typeof maxCount !== 'number' || Number.isNaN(maxCount)) throw new TypeError(`CountEvictor.of(maxCount): maxCount must be a number, got ${String(maxCount)}`);
    return new CountEvictor<W>(maxCount, doEvictAfter === true);
  }

  evictBefore(elements: TimestampedValue<unknown>[], size: number, _window: W, _ctx: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements, size);
  }

  evictAfter(elements: TimestampedValue<unknown>[], size: number, _window: W, _ctx: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements, size);
  }

  private evict(elements: TimestampedValue<unknown>[], size: number): void {
    if (size <= this.maxCount) return;
    elements.splice(0, size - this.maxCount);
  }

  getMaxCount(): number {
    return this.maxCount;
  }

  toString(): string {
    return `CountEvictor(${this.maxCount})`;
  }
}
