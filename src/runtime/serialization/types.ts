/*
 * Types: the typed serializers a job declares for its state, like Flink's Types. Each records its
 * schema in its snapshot, so a restored job can tell whether the state's type changed compatibly
 * (fields added or removed, INT widened to NUMBER, a type made NULLABLE: read after migration) or
 * not (a field's type changed: a clear error naming the field), instead of failing somewhere later
 * in user code. Types.ANY is the schemaless MessagePack default.
 *
 *   const Order = Types.OBJECT({ id: Types.STRING, qty: Types.INT, note: Types.STRING }, { optional: ['note'] });
 *   new ValueStateDescriptor('order', Order);
 */
import { MsgpackSerializer } from './msgpack-serializer.ts';
import type { SerializerSnapshot, TypeSerializer } from './type-serializer.ts';
import { ListSerializer, MapSerializer, NullableSerializer, TupleSerializer } from './typed/collection-serializers.ts';
import { ObjectSerializer, type ObjectTypeOptions } from './typed/object-serializer.ts';
import { OpaqueSerializer } from './typed/opaque-serializer.ts';
import { BigIntSerializer, BooleanSerializer, BytesSerializer, DateSerializer, IntSerializer, NumberSerializer, StringSerializer } from './typed/primitive-serializers.ts';
import { TypedSerializer, describeSerializerSnapshot, restoreTypedSerializer } from './typed/typed-serializer.ts';

/** The value type a serializer handles. */
export type TypeOf<S> = S extends TypeSerializer<infer T> ? T : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The value type of `Types.OBJECT(fields, { optional })`. */
export type ObjectOf<F extends Record<string, TypeSerializer<any>>, O extends keyof F = never> = Simplify<
  { [K in Exclude<keyof F, O>]: TypeOf<F[K]> } & { [K in O]?: TypeOf<F[K]> | undefined }
>;

export interface ObjectOptions<F extends Record<string, TypeSerializer<any>>, O extends keyof F & string> extends ObjectTypeOptions {
  readonly optional?: readonly O[];
  readonly defaults?: { readonly [K in keyof F]?: TypeOf<F[K]> };
}

export const Types = {
  STRING: StringSerializer.INSTANCE as TypedSerializer<string>,
  /** A float64: any JS number, including -0, NaN and the infinities. */
  NUMBER: NumberSerializer.INSTANCE as TypedSerializer<number>,
  /** A 32-bit signed integer; other numbers are rejected when written. */
  INT: IntSerializer.INSTANCE as TypedSerializer<number>,
  BIGINT: BigIntSerializer.INSTANCE as TypedSerializer<bigint>,
  BOOLEAN: BooleanSerializer.INSTANCE as TypedSerializer<boolean>,
  DATE: DateSerializer.INSTANCE as TypedSerializer<Date>,
  BYTES: BytesSerializer.INSTANCE as TypedSerializer<Uint8Array>,
  /** Any value, schemaless (MessagePack): the serializer state gets when none is declared. */
  ANY: MsgpackSerializer.INSTANCE as TypeSerializer<any>,
  LIST: <E>(elementType: TypeSerializer<E>): TypedSerializer<E[]> => new ListSerializer(elementType),
  /** A JS Map. */
  MAP: <K, V>(keyType: TypeSerializer<K>, valueType: TypeSerializer<V>): TypedSerializer<Map<K, V>> => new MapSerializer(keyType, valueType),
  /** A plain object with named fields (Flink's POJO): only the declared fields are written. */
  OBJECT: <const F extends Record<string, TypeSerializer<any>>, const O extends keyof F & string = never>(fields: F, options?: ObjectOptions<F, O>): TypedSerializer<ObjectOf<F, O>> =>
    new ObjectSerializer<ObjectOf<F, O>>(fields, options),
  /** A fixed-length array whose elements have the given types. */
  TUPLE: <const S extends readonly TypeSerializer<any>[]>(...elementTypes: S): TypedSerializer<{ -readonly [I in keyof S]: TypeOf<S[I]> }> =>
    new TupleSerializer<{ -readonly [I in keyof S]: TypeOf<S[I]> } & unknown[]>(elementTypes) as TypedSerializer<{ -readonly [I in keyof S]: TypeOf<S[I]> }>,
  /** The type, or null, or undefined. */
  NULLABLE: <T>(type: TypeSerializer<T>): TypedSerializer<T | null | undefined> => new NullableSerializer(type),
} as const;

/**
 * Rebuilds a serializer from its snapshot alone (the JSON stored with a checkpoint), so state can
 * be read without the code that wrote it. Works for every serializer of Types; a snapshot of a
 * user's own serializer cannot be rebuilt and is an error (FLINK_TS_UNSUPPORTED).
 */
export function serializerFromSnapshot(snapshot: SerializerSnapshot): TypeSerializer<unknown> {
  const restored = restoreTypedSerializer(snapshot, 'fail', () => {
    throw new Error('unreachable: unknown serializers fail');
  });
  return restored instanceof OpaqueSerializer ? (restored.inner as TypeSerializer<unknown>) : restored;
}

export { TypedSerializer, describeSerializerSnapshot };
