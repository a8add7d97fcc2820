/*
 * TypeSerializer: how values of a type become bytes and back, with a versioned description of its
 * format. State backends store and snapshot state with them; channels between processes send
 * records with them. When a job restores state written by an earlier version of itself, the new
 * serializer decides from the old one's snapshot whether it can read the bytes as they are, after
 * migration, or not at all — an incompatible change is a clear error, never silent corruption.
 */

export const Compatibility = {
  COMPATIBLE_AS_IS: 'COMPATIBLE_AS_IS',
  COMPATIBLE_AFTER_MIGRATION: 'COMPATIBLE_AFTER_MIGRATION',
  INCOMPATIBLE: 'INCOMPATIBLE',
} as const;
export type Compatibility = (typeof Compatibility)[keyof typeof Compatibility];

/** What a snapshot remembers of the serializer that wrote it. Plain JSON data. */
export interface SerializerSnapshot {
  /** Format identifier, e.g. 'msgpack', 'string', 'object'. */
  readonly id: string;
  readonly version: number;
  /** Format details (for example the fields of an object type). */
  readonly config?: unknown;
}

export interface CompatibilityResult {
  readonly compatibility: Compatibility;
  /** Why the change is incompatible or needs migration, for the error message. */
  readonly reason?: string;
}

export interface TypeSerializer<T> {
  readonly id: string;
  readonly version: number;
  serialize(value: T): Uint8Array;
  deserialize(bytes: Uint8Array): T;
  /** An independent copy of a value, for backends that must not share objects with user code. */
  copy(value: T): T;
  snapshotConfiguration(): SerializerSnapshot;
  /** Can this serializer read data written by the serializer that `previous` describes? */
  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult;
  /** Reads bytes written by the serializer that `previous` describes (COMPATIBLE_AFTER_MIGRATION). */
  migrate?(bytes: Uint8Array, previous: SerializerSnapshot): T;
}
