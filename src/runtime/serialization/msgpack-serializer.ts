/*
 * The default serializer: MessagePack (msgpackr) for any structured-clonable value — objects,
 * arrays, Maps, Sets, Dates, bigints, typed arrays. Fields added to objects later are read back
 * as missing, so adding fields is compatible; for checks of field types use the serializers of
 * `Types` (types.ts), which record their schema.
 */
import { Packr } from 'msgpackr';
import { Compatibility, type CompatibilityResult, type SerializerSnapshot, type TypeSerializer } from './type-serializer.ts';

// Plain objects are written as records whose definitions travel inside each value (no shared
// structure table has to accompany snapshots), so that msgpack maps can decode as JS Maps:
// objects stay objects, Maps stay Maps, Sets, Dates, bigints and undefined survive.
const packr = new Packr({ useRecords: true, mapsAsObjects: false, moreTypes: true, int64AsType: 'bigint' } as ConstructorParameters<typeof Packr>[0]);

export class MsgpackSerializer<T> implements TypeSerializer<T> {
  static readonly ID = 'msgpack';
  static readonly INSTANCE = new MsgpackSerializer<any>();
  readonly id = MsgpackSerializer.ID;
  readonly version = 1;

  serialize(value: T): Uint8Array {
    return packr.pack(value);
  }

  deserialize(bytes: Uint8Array): T {
    return packr.unpack(bytes) as T;
  }

  copy(value: T): T {
    return value === null || typeof value !== 'object' ? value : (packr.unpack(packr.pack(value)) as T);
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version };
  }

  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    if (previous.id === this.id && previous.version <= this.version) return { compatibility: Compatibility.COMPATIBLE_AS_IS };
    return {
      compatibility: Compatibility.INCOMPATIBLE,
      reason: `the state was written by serializer '${previous.id}' version ${previous.version}, which the default MessagePack serializer cannot read`,
    };
  }
}

export function defaultSerializer<T>(): TypeSerializer<T> {
  return MsgpackSerializer.INSTANCE as MsgpackSerializer<T>;
}
