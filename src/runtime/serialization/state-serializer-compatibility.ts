/*
 * What a state backend asks when it restores a state: can the serializer the job declares now read
 * the bytes written under the serializer recorded in the snapshot? The answer is a reader (as is,
 * or migrating old values into the new schema) or a FLINK_TS_ILLEGAL_STATE error that names the
 * state, the operator, what changed and both schemas — never state restored into the wrong type.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { Compatibility, type SerializerSnapshot, type TypeSerializer } from './type-serializer.ts';
import { TypedSerializer, describeSerializerSnapshot, isSnapshot } from './typed/typed-serializer.ts';
import './types.ts';

export interface StateSerializerResolution<T> {
  /** Reads one value written under the previous serializer. */
  read(bytes: Uint8Array): T;
  /** COMPATIBLE_AS_IS or COMPATIBLE_AFTER_MIGRATION (a backend that keeps bytes rewrites them). */
  readonly compatibility: Compatibility;
  /** What the migration changes, for a log line; undefined when the data is read as is. */
  readonly migration: string | undefined;
}

export function resolveStateSerializer<T>(stateName: string, where: string, previous: SerializerSnapshot, current: TypeSerializer<T>): StateSerializerResolution<T> {
  const fail = (reason: string, cause?: unknown): FlinkError =>
    new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `State '${stateName}' of operator '${where}' cannot be restored: ${reason}. The state was written with ${describeSerializerSnapshot(previous)}, the job now declares ${describeSerializerSnapshot(current.snapshotConfiguration())}.`,
      { ...(cause === undefined ? {} : { cause }), context: { operator: where, state: stateName } },
    );

  if (!isSnapshot(previous)) throw fail(`its serializer snapshot is missing or invalid (${JSON.stringify(previous)})`);
  let compatibility;
  try {
    compatibility = current.resolveSchemaCompatibility(previous);
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error), error);
  }
  if (compatibility.compatibility === Compatibility.INCOMPATIBLE) throw fail(compatibility.reason ?? 'the serializer reports an incompatible change');

  let read: (bytes: Uint8Array) => T;
  if (compatibility.compatibility === Compatibility.COMPATIBLE_AS_IS) {
    read = (bytes) => current.deserialize(bytes);
  } else if (current instanceof TypedSerializer) {
    read = (current as TypedSerializer<T>).migrationReader(previous);
  } else if (typeof current.migrate === 'function') {
    read = (bytes) => current.migrate!(bytes, previous);
  } else {
    throw fail(`the serializer needs a migration (${compatibility.reason ?? 'no reason given'}) but has no migrate()`);
  }
  return {
    compatibility: compatibility.compatibility,
    migration: compatibility.compatibility === Compatibility.COMPATIBLE_AS_IS ? undefined : (compatibility.reason ?? 'migration'),
    read(bytes) {
      try {
        return read(bytes);
      } catch (error) {
        throw fail(error instanceof Error ? error.message : String(error), error);
      }
    },
  };
}
