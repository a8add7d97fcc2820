/*
 * MapState on the heap: a JS Map per key and namespace, from the user key as a Map key
 * (state-keys.ts: numbers and strings as themselves, other keys by their serialized bytes, so
 * equal tuples or objects are one entry) to the value. An empty map is no entry.
 */
import type { MapState } from '../../../api/state/state.ts';
import type { MapStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { AbstractHeapState } from './abstract-heap-state.ts';
import { userKeyOf, userMapKey, type UserMapKey } from './state-keys.ts';
import type { StateTable } from './state-table.ts';

export class HeapMapState<K, V> extends AbstractHeapState<Map<UserMapKey, V>> implements MapState<K, V> {
  private readonly keySerializer: TypeSerializer<unknown>;

  constructor(descriptor: MapStateDescriptor<K, V>, table: StateTable<Map<UserMapKey, V>>) {
    super(descriptor, table);
    this.keySerializer = table.userKeySerializer!;
  }

  get(key: K): V | undefined {
    return this.table.get(this.namespace)?.get(userMapKey(key, this.keySerializer));
  }

  put(key: K, value: V): void {
    const k = userMapKey(key, this.keySerializer);
    const map = this.table.get(this.namespace);
    if (map === undefined) this.table.put(this.namespace, new Map([[k, value]]));
    else map.set(k, value);
  }

  putAll(entries: Iterable<readonly [K, V]> | ReadonlyMap<K, V>): void {
    if (entries === undefined || entries === null) throw new TypeError('The entries to put cannot be null.');
    let map = this.table.get(this.namespace);
    for (const [key, value] of entries) {
      if (map === undefined) {
        map = new Map();
        this.table.put(this.namespace, map);
      }
      map.set(userMapKey(key, this.keySerializer), value);
    }
  }

  remove(key: K): void {
    const map = this.table.get(this.namespace);
    if (map === undefined) return;
    map.delete(userMapKey(key, this.keySerializer));
    if (map.size === 0) this.table.remove(this.namespace);
  }

  contains(key: K): boolean {
    return this.table.peek(this.namespace)?.has(userMapKey(key, this.keySerializer)) ?? false;
  }

  keys(): Iterable<K> {
    return mapped(this.table.peek(this.namespace)?.keys(), (k) => userKeyOf(k, this.keySerializer) as K);
  }

  values(): Iterable<V> {
    return mapped(this.table.get(this.namespace)?.values(), (v) => v);
  }

  entries(): Iterable<[K, V]> {
    return mapped(this.table.get(this.namespace)?.entries(), ([k, v]) => [userKeyOf(k, this.keySerializer) as K, v]);
  }

  isEmpty(): boolean {
    const map = this.table.peek(this.namespace);
    return map === undefined || map.size === 0;
  }
}

// The Map is looked up when keys()/values()/entries() is called, not when iteration starts.
function mapped<A, B>(source: Iterator<A> | undefined, f: (a: A) => B): Iterable<B> {
  if (source === undefined) return [];
  return (function* () {
    for (let r = source.next(); r.done !== true; r = source.next()) yield f(r.value);
  })();
}
