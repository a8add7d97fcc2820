/*
 * Broadcast state on the heap (Flink's HeapBroadcastState): a map per parallel instance, the same
 * in every instance because only the broadcast side writes it, with every instance seeing the same
 * broadcast records. Keys are compared by value (as keyed state keys are), so "a" and ["x", 1]
 * find what was put under an equal key. The read-only view is what the non-broadcast side gets:
 * writing through it fails, naming the state and the operator.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { BroadcastState, ReadOnlyBroadcastState } from '../../../api/functions/checkpointed-function.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { ALLOWED_KEY_TYPES, describeKey, normalizeKey } from '../key-hash.ts';

export class HeapBroadcastState<K, V> implements BroadcastState<K, V> {
  readonly name: string;
  readonly keySerializer: TypeSerializer<K>;
  readonly valueSerializer: TypeSerializer<V>;
  readonly where: string;
  /** Normalized key → [original key, value]. */
  private readonly map = new Map<unknown, [K, V]>();

  constructor(name: string, keySerializer: TypeSerializer<K>, valueSerializer: TypeSerializer<V>, where: string) {
    this.name = name;
    this.keySerializer = keySerializer;
    this.valueSerializer = valueSerializer;
    this.where = where;
  }

  private normalize(key: K): unknown {
    try {
      return normalizeKey(key);
    } catch (cause) {
      throw new FlinkError(
        ErrorCodes.FLINK_TS_INVALID_KEY,
        `Broadcast state '${this.name}' of ${this.where} cannot use ${describeKey(key)} as a key: a key must be ${ALLOWED_KEY_TYPES}.`,
        { cause },
      );
    }
  }

  get(key: K): V | undefined {
    return this.map.get(this.normalize(key))?.[1];
  }

  contains(key: K): boolean {
    return this.map.has(this.normalize(key));
  }

  put(key: K, value: V): void {
    this.map.set(this.normalize(key), [key, value]);
  }

  putAll(entries: Iterable<readonly [K, V]> | ReadonlyMap<K, V>): void {
    // A Map iterates as [key, value] pairs too.
    for (const [k, v] of entries as Iterable<readonly [K, V]>) this.put(k, v);
  }

  remove(key: K): void {
    this.map.delete(this.normalize(key));
  }

  clear(): void {
    this.map.clear();
  }

  *keys(): IterableIterator<K> {
    for (const [k] of this.map.values()) yield k;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.map.values()) yield v;
  }

  *entries(): IterableIterator<[K, V]> {
    for (const [k, v] of this.map.values()) yield [k, v];
  }

  *immutableEntries(): IterableIterator<readonly [K, V]> {
    for (const [k, v] of this.map.values()) yield Object.freeze([k, v] as const);
  }

  isEmpty(): boolean {
    return this.map.size === 0;
  }

  size(): number {
    return this.map.size;
  }
}

/** The broadcast state as the non-broadcast side sees it: reads pass through, writes fail. */
export class ReadOnlyBroadcastStateView<K, V> implements ReadOnlyBroadcastState<K, V> {
  private readonly state: HeapBroadcastState<K, V>;

  constructor(state: HeapBroadcastState<K, V>) {
    this.state = state;
  }

  get(key: K): V | undefined {
    return this.state.get(key);
  }

  contains(key: K): boolean {
    return this.state.contains(key);
  }

  keys(): Iterable<K> {
    return this.state.keys();
  }

  values(): Iterable<V> {
    return this.state.values();
  }

  immutableEntries(): Iterable<readonly [K, V]> {
    return this.state.immutableEntries();
  }

  /** Reading entries is allowed; they come frozen, as immutableEntries(). */
  entries(): Iterable<readonly [K, V]> {
    return this.state.immutableEntries();
  }

  isEmpty(): boolean {
    return this.state.isEmpty();
  }

  // Not part of the read-only type; JavaScript callers that reach for them get a clear error.
  put(_key: K, _value: V): never {
    throw this.violation('put');
  }

  putAll(_entries: unknown): never {
    throw this.violation('putAll');
  }

  remove(_key: K): never {
    throw this.violation('remove');
  }

  clear(): never {
    throw this.violation('clear');
  }

  private violation(method: string): FlinkError {
    return new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `Broadcast state '${this.state.name}' of ${this.state.where} is read-only in processElement() and onTimer(): ${method}() is only allowed in ` +
        'processBroadcastElement(), so that every parallel instance keeps the same broadcast state.',
      { context: { state: this.state.name, method } },
    );
  }
}
