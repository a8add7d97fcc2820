/*
 * Values of state with time-to-live, shared by every keyed state backend: a TtlValue is the user
 * value with the time of its last write (or read), and its bytes are that timestamp as an 8-byte
 * big-endian signed integer (milliseconds, Flink's long) followed by the user value's bytes. The
 * RocksDB backend stores these bytes as they are; the heap backend keeps TtlValue objects and
 * writes these bytes into snapshots, so both read each other's snapshots and can test expiry on
 * raw bytes (readTtlTimestamp) without deserializing the value.
 */
import { Compatibility, type CompatibilityResult, type SerializerSnapshot, type TypeSerializer } from '../../serialization/type-serializer.ts';

export interface TtlValue<T> {
  readonly userValue: T;
  /** Milliseconds since the epoch (processing time) of the last write, or read with OnReadAndWrite. */
  readonly lastAccessTimestamp: number;
}

export const TTL_TIMESTAMP_BYTES = 8;

const TWO_POW_32 = 4294967296;

export function ttlValue<T>(userValue: T, lastAccessTimestamp: number): TtlValue<T> {
  return { userValue, lastAccessTimestamp };
}

/** Flink's TtlUtils.expired: a value written at `timestamp` is gone once timestamp + ttl <= now. */
export function isExpired(timestamp: number, ttlMillis: number, now: number): boolean {
  const expiration = timestamp + ttlMillis;
  // Flink caps the sum at Long.MAX_VALUE; beyond 2^53 a JS number has the same effect.
  return expiration <= now;
}

export function isExpiredValue(value: TtlValue<unknown>, ttlMillis: number, now: number): boolean {
  return isExpired(value.lastAccessTimestamp, ttlMillis, now);
}

/** The timestamp at the start of TTL-encoded bytes. */
export function readTtlTimestamp(bytes: Uint8Array): number {
  if (bytes.length < TTL_TIMESTAMP_BYTES) throw new RangeError(`A TTL value needs at least ${TTL_TIMESTAMP_BYTES} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, TTL_TIMESTAMP_BYTES);
  return view.getInt32(0) * TWO_POW_32 + view.getUint32(4);
}

/** Whether TTL-encoded bytes hold an expired value (for snapshot and compaction cleanup). */
export function isExpiredBytes(bytes: Uint8Array, ttlMillis: number, now: number): boolean {
  return isExpired(readTtlTimestamp(bytes), ttlMillis, now);
}

/** The user value's bytes inside TTL-encoded bytes (a view, no copy). */
export function ttlUserBytes(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(TTL_TIMESTAMP_BYTES);
}

/** TTL-encoded bytes: the timestamp, then the user value's bytes. */
export function encodeTtlBytes(timestamp: number, userBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(TTL_TIMESTAMP_BYTES + userBytes.length);
  const view = new DataView(out.buffer);
  const high = Math.floor(timestamp / TWO_POW_32);
  view.setInt32(0, high);
  view.setUint32(4, timestamp - high * TWO_POW_32);
  out.set(userBytes, TTL_TIMESTAMP_BYTES);
  return out;
}

/** Serializes TtlValues with the encoding above around the user value's serializer. */
export class TtlSerializer<T> implements TypeSerializer<TtlValue<T>> {
  static readonly ID = 'ttl';
  readonly id = TtlSerializer.ID;
  readonly version = 1;
  readonly userSerializer: TypeSerializer<T>;

  constructor(userSerializer: TypeSerializer<T>) {
    this.userSerializer = userSerializer;
  }

  serialize(value: TtlValue<T>): Uint8Array {
    return encodeTtlBytes(value.lastAccessTimestamp, this.userSerializer.serialize(value.userValue));
  }

  deserialize(bytes: Uint8Array): TtlValue<T> {
    return ttlValue(this.userSerializer.deserialize(ttlUserBytes(bytes)), readTtlTimestamp(bytes));
  }

  copy(value: TtlValue<T>): TtlValue<T> {
    const user = value.userValue;
    return typeof user !== 'object' || user === null ? value : ttlValue(this.userSerializer.copy(user), value.lastAccessTimestamp);
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version, config: this.userSerializer.snapshotConfiguration() };
  }

  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    if (previous.id !== this.id) return { compatibility: Compatibility.INCOMPATIBLE, reason: `the values were written without TTL by '${previous.id}'` };
    return this.userSerializer.resolveSchemaCompatibility(previous.config as SerializerSnapshot);
  }

  migrate(bytes: Uint8Array, previous: SerializerSnapshot): TtlValue<T> {
    const migrate = this.userSerializer.migrate;
    if (migrate === undefined) throw new TypeError(`Serializer '${this.userSerializer.id}' cannot migrate values`);
    return ttlValue(migrate.call(this.userSerializer, ttlUserBytes(bytes), previous.config as SerializerSnapshot), readTtlTimestamp(bytes));
  }
}
