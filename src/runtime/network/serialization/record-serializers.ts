/*
 * The serializers of records on network channels. Any TypeSerializer works (a stream may set its
 * own, e.g. one of `Types`); the default is MessagePack with record structures in sequential
 * mode: an object shape is described once per channel, the first time it is sent, and every later
 * record of that shape carries only a structure id and its values. That makes the serializer
 * stateful, so each channel end gets its own instance from a factory.
 */
import { Packr, Unpackr } from 'msgpackr';
import { Compatibility, type CompatibilityResult, type SerializerSnapshot, type TypeSerializer } from '../../serialization/type-serializer.ts';

/** A TypeSerializer that may also read a value in place, without a view per record. */
export interface ChannelRecordSerializer<T> extends TypeSerializer<T> {
  deserializeRange?(bytes: Uint8Array, start: number, end: number): T;
  /**
   * True when the values it reads are views into the network buffer: the channel then holds each
   * buffer until the batch read from it has been processed (the next poll), not just until its last
   * byte is read, and a value is only valid until then.
   */
  readonly readsInPlace?: boolean;
}

/** Makes the serializer of one channel end (a stateless serializer may return itself). */
export type RecordSerializerFactory<T> = () => ChannelRecordSerializer<T>;

// A new options object per instance: msgpackr keeps its structure table in the options it is
// given, and two channel ends must never share one.
function packrOptions(): ConstructorParameters<typeof Packr>[0] {
  // copyBuffers: binary fields are copied out, so a record never points into a network buffer
  // that is recycled (and overwritten) once read.
  return { sequential: true, useRecords: true, mapsAsObjects: false, moreTypes: true, int64AsType: 'bigint', copyBuffers: true } as ConstructorParameters<typeof Packr>[0];
}

export class MsgpackRecordSerializer<T> implements ChannelRecordSerializer<T> {
  static readonly ID = 'msgpack-records';
  readonly id = MsgpackRecordSerializer.ID;
  readonly version = 1;
  // Writer and reader keep separate structure tables: each mirrors the other end of the channel.
  private readonly packr = new Packr(packrOptions());
  private readonly unpackr = new Unpackr(packrOptions());

  serialize(value: T): Uint8Array {
    return this.packr.pack(value);
  }

  deserialize(bytes: Uint8Array): T {
    return this.unpackr.unpack(bytes) as T;
  }

  deserializeRange(bytes: Uint8Array, start: number, end: number): T {
    return this.unpackr.unpack(bytes, { start, end }) as T;
  }

  copy(value: T): T {
    return value === null || typeof value !== 'object' ? value : (new Unpackr(packrOptions()).unpack(new Packr(packrOptions()).pack(value)) as T);
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version };
  }

  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    return previous.id === this.id && previous.version <= this.version
      ? { compatibility: Compatibility.COMPATIBLE_AS_IS }
      : { compatibility: Compatibility.INCOMPATIBLE, reason: `records written by '${previous.id}' cannot be read as ${this.id}` };
  }
}

/**
 * Records that are already bytes (Uint8Array). By default each record is copied out of the network
 * buffer on receipt into shared slabs: a small ArrayBuffer per record costs several times the copy,
 * so records are views of 64 KiB slabs (as Node's Buffer pool does). With `readInPlace`, a record
 * is a view straight into the network buffer (no copy), valid until the channel is polled again —
 * Flink's object reuse: for consumers that look at a record and let go of it (or copy what they
 * keep). One instance per channel end, as a slab is state.
 */
export class RawBytesRecordSerializer implements ChannelRecordSerializer<Uint8Array> {
  static readonly SLAB_BYTES = 64 * 1024;
  readonly id = 'raw-bytes';
  readonly version = 1;
  readonly readsInPlace: boolean;
  private slab = new Uint8Array(0);
  private slabUsed = 0;

  constructor(options: { readonly readInPlace?: boolean } = {}) {
    this.readsInPlace = options.readInPlace ?? false;
  }

  serialize(value: Uint8Array): Uint8Array {
    return value;
  }

  deserialize(bytes: Uint8Array): Uint8Array {
    return this.deserializeRange(bytes, 0, bytes.length);
  }

  deserializeRange(bytes: Uint8Array, start: number, end: number): Uint8Array {
    // A view made with the constructor costs about two thirds of subarray() (no species lookup).
    if (this.readsInPlace) return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
    const length = end - start;
    if (length > RawBytesRecordSerializer.SLAB_BYTES / 8) return bytes.slice(start, end);
    if (this.slabUsed + length > this.slab.length) {
      this.slab = new Uint8Array(RawBytesRecordSerializer.SLAB_BYTES);
      this.slabUsed = 0;
    }
    const at = this.slabUsed;
    this.slab.set(bytes.subarray(start, end), at);
    this.slabUsed = at + length;
    return this.slab.subarray(at, at + length);
  }

  copy(value: Uint8Array): Uint8Array {
    return value.slice();
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version };
  }

  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    return previous.id === this.id ? { compatibility: Compatibility.COMPATIBLE_AS_IS } : { compatibility: Compatibility.INCOMPATIBLE, reason: `not raw bytes: '${previous.id}'` };
  }
}

export function defaultRecordSerializerFactory<T>(): RecordSerializerFactory<T> {
  return () => new MsgpackRecordSerializer<T>();
}

/** The factory for a serializer a stream sets: stateless serializers are shared by all channel ends. */
export function recordSerializerFactory<T>(serializer: TypeSerializer<T> | RecordSerializerFactory<T> | undefined): RecordSerializerFactory<T> {
  if (serializer === undefined) return defaultRecordSerializerFactory<T>();
  if (typeof serializer === 'function') return serializer;
  return () => serializer;
}
