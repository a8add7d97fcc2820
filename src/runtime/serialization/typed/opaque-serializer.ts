/*
 * Nests a serializer that is not one of `Types` (Types.ANY, i.e. MessagePack, or a user's own
 * TypeSerializer) inside a typed one: its bytes are written with a varint length, so a reader can
 * skip them without the serializer's code, and its compatibility is whatever it decides itself.
 */
import { MsgpackSerializer } from '../msgpack-serializer.ts';
import { Compatibility, type SerializerSnapshot, type TypeSerializer } from '../type-serializer.ts';
import type { DataInputView, DataOutputView } from './data-view-io.ts';
import { AS_IS, TypedSerializer, incompatible, registerSerializerKind, restoreTypedSerializer, typeChanged, type Resolution } from './typed-serializer.ts';

export class OpaqueSerializer<T> extends TypedSerializer<T> {
  readonly inner: TypeSerializer<T>;
  readonly id: string;
  override readonly version: number;
  readonly minSize = 1;

  constructor(inner: TypeSerializer<T>) {
    super();
    this.inner = inner;
    this.id = inner.id;
    this.version = inner.version;
  }

  write(out: DataOutputView, value: T): void {
    const bytes = this.inner.serialize(value);
    out.writeVarUint(bytes.length);
    out.writeRaw(bytes);
  }

  read(input: DataInputView): T {
    return this.inner.deserialize(input.readRaw(input.readVarUint()));
  }

  override serialize(value: T): Uint8Array {
    return this.inner.serialize(value);
  }

  override deserialize(bytes: Uint8Array): T {
    return this.inner.deserialize(bytes);
  }

  copy(value: T): T {
    return this.inner.copy(value);
  }

  snapshotConfiguration(): SerializerSnapshot {
    return this.inner.snapshotConfiguration();
  }

  override resolveFrom(previous: SerializerSnapshot, path: string): Resolution<T> {
    const r = this.inner.resolveSchemaCompatibility(previous);
    if (r.compatibility === Compatibility.COMPATIBLE_AS_IS) return AS_IS;
    if (r.compatibility === Compatibility.INCOMPATIBLE) {
      return previous.id === this.id ? incompatible(path, r.reason ?? 'the serializer reports an incompatible change') : typeChanged(path, previous, this.snapshotConfiguration());
    }
    const inner = this.inner;
    if (typeof inner.migrate !== 'function') {
      return incompatible(path, `serializer '${this.id}' asks for a migration (${r.reason ?? 'no reason given'}) but has no migrate()`);
    }
    return {
      kind: 'migrate',
      read: (input) => inner.migrate!(input.readRaw(input.readVarUint()), previous),
      changes: [r.reason === undefined ? `serializer '${this.id}' migrates its data` : r.reason],
    };
  }
}

/** Typed serializers nest as they are; any other serializer through an OpaqueSerializer. */
export function asTyped<T>(serializer: TypeSerializer<T>): TypedSerializer<T> {
  if (serializer instanceof TypedSerializer) return serializer;
  if (typeof serializer !== 'object' || serializer === null || typeof serializer.serialize !== 'function' || typeof serializer.deserialize !== 'function') {
    throw new TypeError(`Expected a TypeSerializer (for example one of Types), got ${String(serializer)}`);
  }
  return new OpaqueSerializer(serializer);
}

/** Stands in for a serializer whose code is not at hand, to step over its bytes in old data. */
class RawBytesSerializer implements TypeSerializer<Uint8Array> {
  readonly id: string;
  readonly version: number;

  constructor(snapshot: SerializerSnapshot) {
    this.id = snapshot.id;
    this.version = snapshot.version;
  }

  serialize(value: Uint8Array): Uint8Array {
    return value;
  }

  deserialize(bytes: Uint8Array): Uint8Array {
    return bytes;
  }

  copy(value: Uint8Array): Uint8Array {
    return value.slice();
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version };
  }

  resolveSchemaCompatibility(): { compatibility: Compatibility } {
    return { compatibility: Compatibility.COMPATIBLE_AS_IS };
  }
}

export function rawBytesStandIn(snapshot: SerializerSnapshot): TypedSerializer<unknown> {
  return new OpaqueSerializer(new RawBytesSerializer(snapshot));
}

/** Rebuilds the serializer of old data; serializers whose code is not at hand become skippable bytes. */
export function restoreForReading(snapshot: SerializerSnapshot): TypedSerializer<unknown> {
  return restoreTypedSerializer(snapshot, 'raw', rawBytesStandIn);
}

registerSerializerKind(MsgpackSerializer.ID, {
  restore: () => new OpaqueSerializer(MsgpackSerializer.INSTANCE),
  describe: () => 'ANY',
});
