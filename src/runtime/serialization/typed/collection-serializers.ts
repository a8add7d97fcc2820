/*
 * Serializers of containers: LIST (varint count + elements), MAP (a JS Map: varint count + key,
 * value pairs), TUPLE (a fixed-length array: its elements, no count) and NULLABLE (a tag byte:
 * 0 null, 1 a value follows, 2 undefined). Their schemas nest the element serializers' snapshots,
 * and a change inside an element is resolved at the element's path.
 */
import type { SerializerSnapshot, TypeSerializer } from '../type-serializer.ts';
import { corruptData, type DataInputView, type DataOutputView } from './data-view-io.ts';
import { asTyped, restoreForReading } from './opaque-serializer.ts';
import { isImmutableType } from './primitive-serializers.ts';
import {
  AS_IS,
  SerializationError,
  TypedSerializer,
  checkVersion,
  invalidSnapshot,
  isSnapshot,
  migrationNote,
  mismatch,
  readerOf,
  registerSerializerKind,
  typeChanged,
  type Resolution,
} from './typed-serializer.ts';

const MAX_EMPTY_ENTRIES = 1 << 24;

function readCount(input: DataInputView, minSize: number, what: string): number {
  const n = input.readVarUint();
  if (n * minSize > input.remaining) throw corruptData(`${what} of ${n} entries cannot fit in the remaining ${input.remaining} bytes`, input.pos);
  // Entries of zero bytes (empty tuples or objects) give no size bound; still refuse absurd counts.
  if (minSize === 0 && n > MAX_EMPTY_ENTRIES) throw corruptData(`${what} of ${n} empty entries`, input.pos);
  return n;
}

function nestedConfig(snapshot: SerializerSnapshot, key: string): unknown {
  const config = snapshot.config as Record<string, unknown> | undefined;
  return config === undefined || config === null ? undefined : config[key];
}

function requireSnapshot(snapshot: SerializerSnapshot, key: string): SerializerSnapshot {
  const nested = nestedConfig(snapshot, key);
  if (!isSnapshot(nested)) throw invalidSnapshot(snapshot, `config.${key} must be a serializer snapshot`);
  return nested;
}

export class ListSerializer<E> extends TypedSerializer<E[]> {
  readonly id = 'list';
  readonly minSize = 1;
  readonly element: TypedSerializer<E>;
  private readonly immutableElements: boolean;

  constructor(element: TypeSerializer<E>) {
    super();
    this.element = asTyped(element);
    this.immutableElements = isImmutableType(this.element as TypedSerializer<unknown>);
  }

  write(out: DataOutputView, value: E[]): void {
    if (!Array.isArray(value)) throw mismatch('LIST (an array)', value);
    const n = value.length;
    const element = this.element;
    out.writeVarUint(n);
    let i = 0;
    try {
      for (; i < n; i++) element.write(out, value[i]);
    } catch (error) {
      throw SerializationError.at(error, `[${i}]`);
    }
  }

  read(input: DataInputView): E[] {
    const n = readCount(input, this.element.minSize, 'a list');
    const element = this.element;
    const out: E[] = [];
    for (let i = 0; i < n; i++) out.push(element.read(input));
    return out;
  }

  copy(value: E[]): E[] {
    if (this.immutableElements) return value.slice();
    const element = this.element;
    return value.map((e) => element.copy(e));
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version, config: { element: this.element.snapshotConfiguration() } };
  }

  override resolveFrom(previous: SerializerSnapshot, path: string): Resolution<E[]> {
    if (previous.id !== this.id) return typeChanged(path, previous, this.snapshotConfiguration());
    const versionProblem = checkVersion(previous, this, path);
    if (versionProblem !== undefined) return versionProblem;
    const previousElement = requireSnapshot(previous, 'element');
    const r = this.element.resolveFrom(previousElement, `${path}[]`);
    if (r.kind !== 'migrate') return r.kind === 'as-is' ? AS_IS : r;
    const readElement = r.read;
    const minSize = restoreMinSize(previousElement);
    return {
      kind: 'migrate',
      changes: r.changes,
      read: (input) => {
        const n = readCount(input, minSize, 'a list');
        const out: E[] = [];
        for (let i = 0; i < n; i++) out.push(readElement(input));
        return out;
      },
    };
  }
}

export class MapSerializer<K, V> extends TypedSerializer<Map<K, V>> {
  readonly id = 'map';
  readonly minSize = 1;
  readonly keySerializer: TypedSerializer<K>;
  readonly valueSerializer: TypedSerializer<V>;

  constructor(keySerializer: TypeSerializer<K>, valueSerializer: TypeSerializer<V>) {
    super();
    this.keySerializer = asTyped(keySerializer);
    this.valueSerializer = asTyped(valueSerializer);
  }

  write(out: DataOutputView, value: Map<K, V>): void {
    if (!(value instanceof Map)) throw mismatch('MAP (a Map)', value);
    const keys = this.keySerializer;
    const values = this.valueSerializer;
    out.writeVarUint(value.size);
    let segment = '{key}';
    try {
      for (const [k, v] of value) {
        segment = '{key}';
        keys.write(out, k);
        segment = '{value}';
        values.write(out, v);
      }
    } catch (error) {
      throw SerializationError.at(error, segment);
    }
  }

  read(input: DataInputView): Map<K, V> {
    return readMap(input, (i) => this.keySerializer.read(i), (i) => this.valueSerializer.read(i), this.keySerializer.minSize + this.valueSerializer.minSize);
  }

  copy(value: Map<K, V>): Map<K, V> {
    const out = new Map<K, V>();
    for (const [k, v] of value) out.set(this.keySerializer.copy(k), this.valueSerializer.copy(v));
    return out;
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version, config: { key: this.keySerializer.snapshotConfiguration(), value: this.valueSerializer.snapshotConfiguration() } };
  }

  override resolveFrom(previous: SerializerSnapshot, path: string): Resolution<Map<K, V>> {
    if (previous.id !== this.id) return typeChanged(path, previous, this.snapshotConfiguration());
    const versionProblem = checkVersion(previous, this, path);
    if (versionProblem !== undefined) return versionProblem;
    const previousKey = requireSnapshot(previous, 'key');
    const previousValue = requireSnapshot(previous, 'value');
    const rk = this.keySerializer.resolveFrom(previousKey, `${path}{key}`);
    const rv = this.valueSerializer.resolveFrom(previousValue, `${path}{value}`);
    const reasons = [rk, rv].flatMap((r) => (r.kind === 'incompatible' ? [r.reason] : []));
    if (reasons.length > 0) return { kind: 'incompatible', reason: reasons.join('; ') };
    if (rk.kind === 'as-is' && rv.kind === 'as-is') return AS_IS;
    const readKey = readerOf(this.keySerializer, rk);
    const readValue = readerOf(this.valueSerializer, rv);
    const minSize = restoreMinSize(previousKey) + restoreMinSize(previousValue);
    return {
      kind: 'migrate',
      changes: [rk, rv].flatMap((r) => (r.kind === 'migrate' ? r.changes : [])),
      read: (input) => readMap(input, readKey, readValue, minSize),
    };
  }
}

function readMap<K, V>(input: DataInputView, readKey: (i: DataInputView) => K, readValue: (i: DataInputView) => V, minSize: number): Map<K, V> {
  const n = readCount(input, minSize, 'a map');
  const out = new Map<K, V>();
  for (let i = 0; i < n; i++) {
    const k = readKey(input);
    out.set(k, readValue(input));
  }
  return out;
}

export class TupleSerializer<T extends unknown[]> extends TypedSerializer<T> {
  readonly id = 'tuple';
  readonly minSize: number;
  readonly elements: readonly TypedSerializer<unknown>[];

  constructor(elements: readonly TypeSerializer<unknown>[]) {
    super();
    this.elements = elements.map((e) => asTyped(e));
    this.minSize = this.elements.reduce((sum, e) => sum + e.minSize, 0);
  }

  write(out: DataOutputView, value: T): void {
    const elements = this.elements;
    const n = elements.length;
    if (!Array.isArray(value) || value.length !== n) throw mismatch(`TUPLE of ${n} elements`, value);
    let i = 0;
    try {
      for (; i < n; i++) elements[i].write(out, value[i]);
    } catch (error) {
      throw SerializationError.at(error, `[${i}]`);
    }
  }

  read(input: DataInputView): T {
    const elements = this.elements;
    const out: unknown[] = [];
    for (let i = 0; i < elements.length; i++) out.push(elements[i].read(input));
    return out as T;
  }

  copy(value: T): T {
    return value.map((e, i) => this.elements[i].copy(e)) as T;
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version, config: { elements: this.elements.map((e) => e.snapshotConfiguration()) } };
  }

  override resolveFrom(previous: SerializerSnapshot, path: string): Resolution<T> {
    if (previous.id !== this.id) return typeChanged(path, previous, this.snapshotConfiguration());
    const versionProblem = checkVersion(previous, this, path);
    if (versionProblem !== undefined) return versionProblem;
    const previousElements = nestedConfig(previous, 'elements');
    if (!Array.isArray(previousElements) || !previousElements.every(isSnapshot)) throw invalidSnapshot(previous, 'config.elements must be an array of serializer snapshots');
    // As in Flink, a tuple's arity is part of its type.
    if (previousElements.length !== this.elements.length) return typeChanged(path, previous, this.snapshotConfiguration());
    const rs = this.elements.map((e, i) => e.resolveFrom(previousElements[i], `${path}[${i}]`));
    const reasons = rs.flatMap((r) => (r.kind === 'incompatible' ? [r.reason] : []));
    if (reasons.length > 0) return { kind: 'incompatible', reason: reasons.join('; ') };
    if (rs.every((r) => r.kind === 'as-is')) return AS_IS;
    const readers = rs.map((r, i) => readerOf(this.elements[i], r));
    return {
      kind: 'migrate',
      changes: rs.flatMap((r) => (r.kind === 'migrate' ? r.changes : [])),
      read: (input) => readers.map((read) => read(input)) as T,
    };
  }
}

const NULL = 0;
const PRESENT = 1;
const UNDEFINED = 2;

export class NullableSerializer<T> extends TypedSerializer<T | null | undefined> {
  readonly id = 'nullable';
  readonly minSize = 1;
  readonly inner: TypedSerializer<T>;

  constructor(inner: TypeSerializer<T>) {
    super();
    this.inner = asTyped(inner);
  }

  write(out: DataOutputView, value: T | null | undefined): void {
    if (value === null) out.writeByte(NULL);
    else if (value === undefined) out.writeByte(UNDEFINED);
    else {
      out.writeByte(PRESENT);
      this.inner.write(out, value);
    }
  }

  read(input: DataInputView): T | null | undefined {
    const tag = input.readByte();
    if (tag === PRESENT) return this.inner.read(input);
    if (tag === NULL) return null;
    if (tag === UNDEFINED) return undefined;
    throw corruptData(`nullable tag ${tag}`, input.pos - 1);
  }

  copy(value: T | null | undefined): T | null | undefined {
    return value === null || value === undefined ? value : this.inner.copy(value);
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version, config: { inner: this.inner.snapshotConfiguration() } };
  }

  override resolveFrom(previous: SerializerSnapshot, path: string): Resolution<T | null | undefined> {
    if (previous.id === this.id) {
      const versionProblem = checkVersion(previous, this, path);
      if (versionProblem !== undefined) return versionProblem;
      const r = this.inner.resolveFrom(requireSnapshot(previous, 'inner'), path);
      if (r.kind !== 'migrate') return r;
      const readInner = r.read;
      return { kind: 'migrate', changes: r.changes, read: (input) => readNullable(input, readInner) };
    }
    // T → NULLABLE(T): every old value is present, written without the tag byte.
    const r = this.inner.resolveFrom(previous, path);
    if (r.kind === 'incompatible') return previous.id === this.inner.id ? r : typeChanged(path, previous, this.snapshotConfiguration());
    const readInner = readerOf(this.inner, r);
    return { kind: 'migrate', changes: [...(r.kind === 'migrate' ? r.changes : []), migrationNote(path, 'now NULLABLE')], read: readInner };
  }
}

function readNullable<T>(input: DataInputView, readInner: (input: DataInputView) => T): T | null | undefined {
  const tag = input.readByte();
  if (tag === PRESENT) return readInner(input);
  if (tag === NULL) return null;
  if (tag === UNDEFINED) return undefined;
  throw corruptData(`nullable tag ${tag}`, input.pos - 1);
}

/** The size bound of values written under an old schema, to reject corrupt counts in old data. */
function restoreMinSize(snapshot: SerializerSnapshot): number {
  return restoreForReading(snapshot).minSize;
}

registerSerializerKind('list', {
  restore: (s, restore) => new ListSerializer(restore(requireSnapshot(s, 'element'))),
  describe: (s, describe) => `LIST<${describe(nestedConfig(s, 'element'))}>`,
});
registerSerializerKind('map', {
  restore: (s, restore) => new MapSerializer(restore(requireSnapshot(s, 'key')), restore(requireSnapshot(s, 'value'))),
  describe: (s, describe) => `MAP<${describe(nestedConfig(s, 'key'))}, ${describe(nestedConfig(s, 'value'))}>`,
});
registerSerializerKind('tuple', {
  restore: (s, restore) => {
    const elements = nestedConfig(s, 'elements');
    if (!Array.isArray(elements)) throw invalidSnapshot(s, 'config.elements must be an array of serializer snapshots');
    return new TupleSerializer(elements.map((e) => restore(e as SerializerSnapshot)));
  },
  describe: (s, describe) => `TUPLE<${(nestedConfig(s, 'elements') as unknown[]).map(describe).join(', ')}>`,
});
registerSerializerKind('nullable', {
  restore: (s, restore) => new NullableSerializer(restore(requireSnapshot(s, 'inner'))),
  describe: (s, describe) => `NULLABLE<${describe(nestedConfig(s, 'inner'))}>`,
});
