/*
 * MapState with TTL (Flink's TtlMapState) over a MapState of TtlValues: every entry has its own
 * timestamp. Reads of an entry, and iterations, remove the expired entries they meet.
 */
import type { MapState } from '../../../api/state/state.ts';
import type { MapStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { InternalKvState } from '../keyed-state-backend.ts';
import { AbstractTtlState, type TtlStateContext } from './abstract-ttl-state.ts';
import { ttlValue, type TtlValue } from './ttl-value.ts';

type Original<K, V> = MapState<K, TtlValue<V>> & InternalKvState;

export class TtlMapState<K, V> extends AbstractTtlState<Original<K, V>> implements MapState<K, V> {
  constructor(descriptor: MapStateDescriptor<K, V>, original: Original<K, V>, context: TtlStateContext) {
    super(descriptor, original, context);
  }

  private getWrapped(key: K): TtlValue<V> | undefined {
    this.accessed();
    const original = this.original;
    return this.ttl.getWithTtlCheckAndUpdate(
      () => original.get(key),
      (v) => original.put(key, v),
      () => original.remove(key),
    );
  }

  get(key: K): V | undefined {
    return this.getWrapped(key)?.userValue;
  }

  contains(key: K): boolean {
    return this.getWrapped(key) !== undefined;
  }

  put(key: K, value: V): void {
    this.accessed();
    this.original.put(key, this.ttl.wrap(value));
  }

  putAll(entries: Iterable<readonly [K, V]> | ReadonlyMap<K, V>): void {
    if (entries === undefined || entries === null) throw new TypeError('The entries to put cannot be null.');
    this.accessed();
    const now = this.ttl.now();
    const wrapped: [K, TtlValue<V>][] = [];
    for (const [k, v] of entries) wrapped.push([k, ttlValue(v, now)]);
    this.original.putAll(wrapped);
  }

  remove(key: K): void {
    this.accessed();
    this.original.remove(key);
  }

  /** The visible entries; expired ones are removed, and returned once with ReturnExpiredIfNotCleanedUp. */
  entries(): Iterable<[K, V]> {
    this.accessed();
    const ttl = this.ttl;
    const now = ttl.now();
    const out: [K, V][] = [];
    const expired: K[] = [];
    const refreshed: [K, TtlValue<V>][] = [];
    for (const [k, v] of this.original.entries()) {
      if (ttl.expired(v, now)) {
        expired.push(k);
        if (ttl.returnExpired) out.push([k, v.userValue]);
      } else {
        if (ttl.updateTsOnRead) refreshed.push([k, ttlValue(v.userValue, now)]);
        out.push([k, v.userValue]);
      }
    }
    for (const k of expired) this.original.remove(k);
    if (refreshed.length > 0) this.original.putAll(refreshed);
    return out;
  }

  keys(): Iterable<K> {
    return Array.from(this.entries(), (e) => e[0]);
  }

  values(): Iterable<V> {
    return Array.from(this.entries(), (e) => e[1]);
  }

  isEmpty(): boolean {
    this.accessed();
    const ttl = this.ttl;
    if (ttl.returnExpired) return this.original.isEmpty();
    const now = ttl.now();
    for (const [, v] of this.original.entries()) if (!ttl.expired(v, now)) return false;
    return true;
  }
}
