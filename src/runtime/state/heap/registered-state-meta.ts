/*
 * The meta data of a registered state as snapshots record it (StateMetaInfo), and the checks
 * when a state is registered again or restored: the state kind must match, and the descriptor's
 * serializers must be able to read what the previous ones wrote (resolveSchemaCompatibility;
 * INCOMPATIBLE is a clear error, COMPATIBLE_AFTER_MIGRATION reads through `migrate`). Turning TTL
 * on or off between runs is allowed, as in Flink 2's TTL-aware serializer: values restored into a
 * TTL state get the restore time as their timestamp, timestamps of values restored into a state
 * without TTL are dropped. Nothing here is specific to the heap backend.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import { MapStateDescriptor, type StateDescriptor } from '../../../api/state/state-descriptor.ts';
import { KeySerializer } from '../../serialization/key-serializer.ts';
import { defaultSerializer } from '../../serialization/msgpack-serializer.ts';
import { NamespaceSerializer } from '../../serialization/namespace-serializer.ts';
import { Compatibility, type SerializerSnapshot, type TypeSerializer } from '../../serialization/type-serializer.ts';
import type { StateMetaInfo } from '../snapshot/keyed-state-snapshot.ts';
import { isTtlEnabled } from '../ttl/ttl-state-factory.ts';

export function stateMetaInfo(descriptor: StateDescriptor<unknown>): StateMetaInfo {
  const valueSerializer = descriptor.serializer ?? defaultSerializer();
  return {
    name: descriptor.name,
    type: descriptor.type,
    keySerializer: KeySerializer.INSTANCE.snapshotConfiguration(),
    namespaceSerializer: NamespaceSerializer.DEFAULT.snapshotConfiguration(),
    valueSerializer: valueSerializer.snapshotConfiguration(),
    ...(descriptor instanceof MapStateDescriptor ? { userKeySerializer: (descriptor.keySerializer ?? defaultSerializer()).snapshotConfiguration() } : {}),
    ...(isTtlEnabled(descriptor) ? { ttlMillis: descriptor.ttlConfig!.ttlMillis } : {}),
  };
}

export function restoreError(stateName: string, where: string, reason: string, cause?: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot restore state '${stateName}' of ${where}: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
    context: { state: stateName, where },
  });
}

function serializerName(s: SerializerSnapshot): string {
  return `'${s.id}' version ${s.version}`;
}

/** How to read user values (or user keys) written by the serializer `previous` describes. */
export function resolveReader<T>(serializer: TypeSerializer<T>, previous: SerializerSnapshot | undefined, stateName: string, where: string, what: string): { read: (bytes: Uint8Array) => T; asIs: boolean } {
  if (previous === undefined || typeof previous !== 'object' || typeof previous.id !== 'string') {
    throw restoreError(stateName, where, `the snapshot has no serializer information for its ${what}`);
  }
  const result = serializer.resolveSchemaCompatibility(previous);
  switch (result.compatibility) {
    case Compatibility.COMPATIBLE_AS_IS:
      return { read: (bytes) => serializer.deserialize(bytes), asIs: true };
    case Compatibility.COMPATIBLE_AFTER_MIGRATION: {
      const migrate = serializer.migrate;
      if (migrate === undefined) {
        throw restoreError(stateName, where, `the ${what} written by ${serializerName(previous)} need migration, but serializer ${serializerName(serializer.snapshotConfiguration())} has no migrate()`);
      }
      return { read: (bytes) => migrate.call(serializer, bytes, previous), asIs: false };
    }
    default:
      throw restoreError(
        stateName,
        where,
        `the new serializer ${serializerName(serializer.snapshotConfiguration())} of its ${what} is incompatible with ${serializerName(previous)}, which wrote them` +
          (result.reason === undefined ? '' : `: ${result.reason}`),
      );
  }
}

/** Checks kind, key and namespace serializers of restored state against the descriptor. */
export function checkRestoredMeta(descriptor: StateDescriptor<unknown>, previous: StateMetaInfo, where: string): void {
  if (previous.type !== descriptor.type) {
    throw restoreError(descriptor.name, where, `it was a ${previous.type} state and is now registered as a ${descriptor.type} state`);
  }
  resolveReader(KeySerializer.INSTANCE, previous.keySerializer, descriptor.name, where, 'keys');
  resolveReader(NamespaceSerializer.DEFAULT, previous.namespaceSerializer, descriptor.name, where, 'namespaces');
}

/** Reads restored values into user values, or TtlValues when the descriptor has TTL. */
export interface RestoredValueReader {
  readonly previousHasTtl: boolean;
  readonly currentHasTtl: boolean;
  /** The user values' bytes can be kept as they are (same format, no migration). */
  readonly userBytesAsIs: boolean;
  readUserValue(userBytes: Uint8Array): unknown;
}

export function restoredValueReader(descriptor: StateDescriptor<unknown>, previous: StateMetaInfo, where: string): RestoredValueReader {
  const reader = resolveReader(descriptor.serializer ?? defaultSerializer(), previous.valueSerializer, descriptor.name, where, 'values');
  return {
    previousHasTtl: previous.ttlMillis !== undefined,
    currentHasTtl: isTtlEnabled(descriptor),
    userBytesAsIs: reader.asIs,
    readUserValue: reader.read,
  };
}

export function restoredUserKeyReader(descriptor: MapStateDescriptor<unknown, unknown>, previous: StateMetaInfo, where: string): (bytes: Uint8Array) => unknown {
  return resolveReader(descriptor.keySerializer ?? defaultSerializer(), previous.userKeySerializer, descriptor.name, where, 'map keys').read;
}

function sameSerializer(a: TypeSerializer<unknown> | undefined, b: TypeSerializer<unknown> | undefined): boolean {
  if (a === b) return true;
  const sa = (a ?? defaultSerializer()).snapshotConfiguration();
  const sb = (b ?? defaultSerializer()).snapshotConfiguration();
  return sa.id === sb.id && sa.version === sb.version && JSON.stringify(sa.config) === JSON.stringify(sb.config);
}

/** A state name is registered once per operator: a second descriptor must describe the same state. */
export function checkReregistration(existing: StateDescriptor<unknown>, descriptor: StateDescriptor<unknown>, where: string): void {
  const fail = (reason: string): never => {
    throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `State '${descriptor.name}' of ${where} is already registered ${reason}`, {
      context: { state: descriptor.name, where },
    });
  };
  if (existing.type !== descriptor.type) fail(`as a ${existing.type} state; it cannot be registered again as a ${descriptor.type} state`);
  if (!sameSerializer(existing.serializer, descriptor.serializer)) fail('with a different value serializer');
  if (existing instanceof MapStateDescriptor && descriptor instanceof MapStateDescriptor && !sameSerializer(existing.keySerializer, descriptor.keySerializer)) {
    fail('with a different map key serializer');
  }
  const ttlA = isTtlEnabled(existing) ? existing.ttlConfig!.ttlMillis : null;
  const ttlB = isTtlEnabled(descriptor) ? descriptor.ttlConfig!.ttlMillis : null;
  if (ttlA !== ttlB) fail(`with ${ttlA === null ? 'no TTL' : `a TTL of ${ttlA} ms`}; it cannot be registered again with ${ttlB === null ? 'no TTL' : `a TTL of ${ttlB} ms`}`);
}
