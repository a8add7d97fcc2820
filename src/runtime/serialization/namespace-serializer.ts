/*
 * Serializers of state namespaces: VOID_NAMESPACE (state outside windows) is zero bytes; other
 * namespaces (windows) use their own serializer, MessagePack by default.
 */
import { VOID_NAMESPACE } from '../state/keyed-state-backend.ts';
import { MsgpackSerializer } from './msgpack-serializer.ts';
import { Compatibility, type CompatibilityResult, type SerializerSnapshot, type TypeSerializer } from './type-serializer.ts';

const EMPTY = new Uint8Array(0);

/** Writes VOID_NAMESPACE as no bytes and anything else with the given serializer (after a marker). */
export class NamespaceSerializer implements TypeSerializer<unknown> {
  static readonly DEFAULT = new NamespaceSerializer(MsgpackSerializer.INSTANCE);
  readonly id = 'namespace';
  readonly version = 1;
  private readonly inner: TypeSerializer<unknown>;

  constructor(inner: TypeSerializer<unknown>) {
    this.inner = inner;
  }

  serialize(namespace: unknown): Uint8Array {
    if (namespace === VOID_NAMESPACE) return EMPTY;
    const body = this.inner.serialize(namespace);
    const out = new Uint8Array(body.length + 1);
    out[0] = 1;
    out.set(body, 1);
    return out;
  }

  deserialize(bytes: Uint8Array): unknown {
    return bytes.length === 0 ? VOID_NAMESPACE : this.inner.deserialize(bytes.subarray(1));
  }

  copy(namespace: unknown): unknown {
    return namespace === VOID_NAMESPACE ? namespace : this.inner.copy(namespace);
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version, config: this.inner.snapshotConfiguration() };
  }

  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    if (previous.id !== this.id) return { compatibility: Compatibility.INCOMPATIBLE, reason: `namespaces were written by '${previous.id}'` };
    return this.inner.resolveSchemaCompatibility(previous.config as SerializerSnapshot);
  }
}
