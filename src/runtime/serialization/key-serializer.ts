/*
 * Serializes keys (string, number, bigint, boolean, Date and tuples of them) into bytes such that
 * two keys that are equal for Flink.TS (keysEqual) have equal bytes: RocksDB looks state up by
 * these bytes, and snapshots carry them. Each value starts with a type tag.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { Compatibility, type CompatibilityResult, type SerializerSnapshot, type TypeSerializer } from './type-serializer.ts';

const TAG_STRING = 1;
const TAG_INT = 2;
const TAG_DOUBLE = 3;
const TAG_BIGINT = 4;
const TAG_FALSE = 5;
const TAG_TRUE = 6;
const TAG_DATE = 7;
const TAG_TUPLE = 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Writer {
  bytes = new Uint8Array(64);
  view = new DataView(this.bytes.buffer);
  length = 0;

  ensure(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.bytes[this.length++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }
}

function write(w: Writer, key: unknown): void {
  switch (typeof key) {
    case 'string': {
      const b = encoder.encode(key);
      w.u8(TAG_STRING);
      w.u32(b.length);
      w.raw(b);
      return;
    }
    case 'number':
      if (Number.isNaN(key)) break;
      if (Number.isInteger(key) && key >= -0x80000000 && key <= 0x7fffffff) {
        w.u8(TAG_INT);
        w.u32(key >>> 0);
      } else {
        w.u8(TAG_DOUBLE);
        w.f64(key === 0 ? 0 : key);
      }
      return;
    case 'bigint': {
      const b = encoder.encode(key.toString());
      w.u8(TAG_BIGINT);
      w.u32(b.length);
      w.raw(b);
      return;
    }
    case 'boolean':
      w.u8(key ? TAG_TRUE : TAG_FALSE);
      return;
    case 'object':
      if (key instanceof Date) {
        w.u8(TAG_DATE);
        w.f64(key.getTime());
        return;
      }
      if (Array.isArray(key)) {
        w.u8(TAG_TUPLE);
        w.u32(key.length);
        for (const element of key) write(w, element);
        return;
      }
  }
  throw new FlinkError(ErrorCodes.FLINK_TS_INVALID_KEY, `Cannot serialize key ${String(key)}: keys must be strings, numbers, bigints, booleans, Dates or arrays of those`);
}

function read(bytes: Uint8Array, view: DataView, offset: { at: number }): unknown {
  const tag = bytes[offset.at++];
  switch (tag) {
    case TAG_STRING:
    case TAG_BIGINT: {
      const n = view.getUint32(offset.at);
      offset.at += 4;
      const s = decoder.decode(bytes.subarray(offset.at, offset.at + n));
      offset.at += n;
      return tag === TAG_STRING ? s : BigInt(s);
    }
    case TAG_INT: {
      const v = view.getInt32(offset.at);
      offset.at += 4;
      return v;
    }
    case TAG_DOUBLE:
    case TAG_DATE: {
      const v = view.getFloat64(offset.at);
      offset.at += 8;
      return tag === TAG_DOUBLE ? v : new Date(v);
    }
    case TAG_FALSE:
      return false;
    case TAG_TRUE:
      return true;
    case TAG_TUPLE: {
      const n = view.getUint32(offset.at);
      offset.at += 4;
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(read(bytes, view, offset));
      return out;
    }
  }
  throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Corrupt serialized key: unknown type tag ${String(tag)} at byte ${offset.at - 1}`);
}

export class KeySerializer implements TypeSerializer<unknown> {
  static readonly INSTANCE = new KeySerializer();
  readonly id = 'key';
  readonly version = 1;
  private readonly writer = new Writer();

  serialize(key: unknown): Uint8Array {
    const w = this.writer;
    w.length = 0;
    write(w, key);
    return w.bytes.slice(0, w.length);
  }

  deserialize(bytes: Uint8Array): unknown {
    return read(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), { at: 0 });
  }

  copy(key: unknown): unknown {
    return Array.isArray(key) ? key.map((k) => this.copy(k)) : key instanceof Date ? new Date(key.getTime()) : key;
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version };
  }

  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    return previous.id === this.id && previous.version === this.version
      ? { compatibility: Compatibility.COMPATIBLE_AS_IS }
      : { compatibility: Compatibility.INCOMPATIBLE, reason: `keys were written by '${previous.id}' version ${previous.version}` };
  }
}
