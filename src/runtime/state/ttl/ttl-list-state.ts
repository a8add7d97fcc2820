/*
 * ListState with TTL (Flink's TtlListState) over a ListState of TtlValues: every element has its
 * own timestamp. A read returns the visible elements and removes the expired ones; with
 * OnReadAndWrite it refreshes the timestamps of the elements it returns.
 */
import type { ListState } from '../../../api/state/state.ts';
import type { ListStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { InternalKvState } from '../keyed-state-backend.ts';
import { AbstractTtlState, type TtlStateContext } from './abstract-ttl-state.ts';
import { ttlValue, type TtlValue } from './ttl-value.ts';

type Original<T> = ListState<TtlValue<T>> & InternalKvState;

export class TtlListState<T> extends AbstractTtlState<Original<T>> implements ListState<T> {
  constructor(descriptor: ListStateDescriptor<T>, original: Original<T>, context: TtlStateContext) {
    super(descriptor, original, context);
  }

  get(): Iterable<T> {
    this.accessed();
    const ttl = this.ttl;
    const stored = this.original.get();
    if (stored === undefined || stored === null) return [];
    const now = ttl.now();
    const unexpired: TtlValue<T>[] = [];
    const visible: T[] = [];
    let anyExpired = false;
    for (const element of stored) {
      if (ttl.expired(element, now)) {
        anyExpired = true;
        if (ttl.returnExpired) visible.push(element.userValue);
      } else {
        unexpired.push(ttl.updateTsOnRead ? ttlValue(element.userValue, now) : element);
        visible.push(element.userValue);
      }
    }
    if (anyExpired || (ttl.updateTsOnRead && unexpired.length > 0)) this.original.update(unexpired);
    return visible;
  }

  add(value: T): void {
    if (value === undefined || value === null) throw new TypeError('You cannot add null to a ListState.');
    this.accessed();
    this.original.add(this.ttl.wrap(value));
  }

  addAll(values: Iterable<T>): void {
    if (values === undefined || values === null) throw new TypeError('List of values to add cannot be null.');
    this.accessed();
    this.original.addAll(this.wrapAll(values));
  }

  update(values: Iterable<T>): void {
    if (values === undefined || values === null) throw new TypeError('List of values to update cannot be null.');
    this.accessed();
    this.original.update(this.wrapAll(values));
  }

  private wrapAll(values: Iterable<T>): TtlValue<T>[] {
    const now = this.ttl.now();
    const out: TtlValue<T>[] = [];
    for (const v of values) {
      if (v === undefined || v === null) throw new TypeError('You cannot have null elements in a ListState.');
      out.push(ttlValue(v, now));
    }
    return out;
  }
}
