/*
 * The base of the serializers of `Types`: each writes its values into a shared DataOutputView
 * (nested serializers write into the same buffer, no intermediate arrays), knows its schema as a
 * JSON snapshot, and decides how to read data written under an earlier schema. That decision is a
 * Resolution: as is, through a migrating reader built once at restore, or incompatible with a
 * reason naming the field path. A registry per serializer id rebuilds serializers from snapshots
 * alone, so old state can be read without the code that wrote it.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import { Compatibility, type CompatibilityResult, type SerializerSnapshot, type TypeSerializer } from '../type-serializer.ts';
import { DataInputView, DataOutputView, corruptData } from './data-view-io.ts';

export type Resolution<T> =
  | { readonly kind: 'as-is' }
  | { readonly kind: 'migrate'; readonly read: (input: DataInputView) => T; readonly changes: readonly string[] }
  | { readonly kind: 'incompatible'; readonly reason: string };

export const AS_IS: Resolution<never> = { kind: 'as-is' };

/**
 * Paths name a place in a schema or a value: '.address.zip' is a field, '[]' or '[3]' a list
 * element, '{key}' / '{value}' a map's keys or values, '[0]' a tuple element.
 */
export function pathLabel(path: string): string {
  if (path === '') return 'value';
  return path[0] === '.' ? `field '${path.slice(1)}'` : `element '${path}'`;
}

function prefixed(path: string, text: string): string {
  return path === '' ? text : `${pathLabel(path)}: ${text}`;
}

export type Incompatible = Extract<Resolution<never>, { kind: 'incompatible' }>;

export function incompatible(path: string, reason: string): Incompatible {
  return { kind: 'incompatible', reason: prefixed(path, reason) };
}

export function typeChanged(path: string, previous: SerializerSnapshot, current: SerializerSnapshot): Incompatible {
  return incompatible(path, `was ${describeSerializerSnapshot(previous)}, now ${describeSerializerSnapshot(current)}`);
}

export function migrationNote(path: string, text: string): string {
  return prefixed(path, text);
}

/** A value does not fit the declared type; `path` grows as the error travels out of nested serializers. */
export class SerializationError extends TypeError {
  path = '';
  readonly detail: string;

  constructor(detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.detail = detail;
  }

  static at(error: unknown, segment: string): SerializationError {
    const e = error instanceof SerializationError ? error : new SerializationError(error instanceof Error ? error.message : String(error), { cause: error });
    e.path = segment + e.path;
    e.message = `Cannot serialize ${pathLabel(e.path)}: ${e.detail}`;
    return e;
  }
}

function show(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'bigint':
      return `bigint ${value}n`;
    case 'undefined':
      return 'undefined';
    case 'object':
      return Array.isArray(value) ? `an array of length ${value.length}` : `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
    default:
      return typeof value;
  }
}

export function mismatch(expected: string, value: unknown): SerializationError {
  const e = new SerializationError(`expected ${expected}, got ${show(value)}`);
  e.message = `Cannot serialize value: ${e.detail}`;
  return e;
}

// Reused output buffers, one per nesting depth: a user serializer nested in a LIST may itself
// call serialize() of another typed serializer while the outer value is being written.
const outputs: DataOutputView[] = [];
let depth = 0;
const KEEP_BUFFER_BYTES = 1 << 20;

const snapshotCache = new WeakMap<TypedSerializer<unknown>, WeakMap<SerializerSnapshot, Resolution<unknown>>>();

export abstract class TypedSerializer<T> implements TypeSerializer<T> {
  abstract readonly id: string;
  readonly version: number = 1;
  /** The fewest bytes a value takes; lets readers reject corrupt element counts before looping. */
  abstract readonly minSize: number;

  abstract write(out: DataOutputView, value: T): void;
  abstract read(input: DataInputView): T;
  abstract copy(value: T): T;
  abstract snapshotConfiguration(): SerializerSnapshot;

  /**
   * How to read data written by the serializer `previous` describes, at `path` of the state's
   * schema. The default: the same id and no newer version reads as is, anything else is a type change.
   */
  resolveFrom(previous: SerializerSnapshot, path: string): Resolution<T> {
    if (previous.id !== this.id) return typeChanged(path, previous, this.snapshotConfiguration());
    return checkVersion(previous, this, path) ?? AS_IS;
  }

  serialize(value: T): Uint8Array {
    const out = (outputs[depth] ??= new DataOutputView());
    out.pos = 0;
    depth++;
    try {
      this.write(out, value);
      return out.toBytes();
    } finally {
      depth--;
      if (out.bytes.length > KEEP_BUFFER_BYTES) out.shrinkTo(256);
    }
  }

  deserialize(bytes: Uint8Array): T {
    const input = new DataInputView(bytes);
    const value = this.read(input);
    if (input.pos !== input.end) throw corruptData(`${input.end - input.pos} byte(s) left over after a ${describeSerializerSnapshot(this.snapshotConfiguration())}`, input.pos);
    return value;
  }

  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    const r = this.cachedResolution(previous);
    switch (r.kind) {
      case 'as-is':
        return { compatibility: Compatibility.COMPATIBLE_AS_IS };
      case 'migrate':
        return { compatibility: Compatibility.COMPATIBLE_AFTER_MIGRATION, reason: r.changes.join('; ') };
      default:
        return { compatibility: Compatibility.INCOMPATIBLE, reason: r.reason };
    }
  }

  migrate(bytes: Uint8Array, previous: SerializerSnapshot): T {
    return this.migrationReader(previous)(bytes);
  }

  /** A reader of bytes written under `previous`, built once; throws if the schemas are incompatible. */
  migrationReader(previous: SerializerSnapshot): (bytes: Uint8Array) => T {
    const r = this.cachedResolution(previous);
    if (r.kind === 'incompatible') throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot read data written with ${describeSerializerSnapshot(previous)} as ${describeSerializerSnapshot(this.snapshotConfiguration())}: ${r.reason}`);
    if (r.kind === 'as-is') return (bytes) => this.deserialize(bytes);
    const read = r.read;
    return (bytes) => {
      const input = new DataInputView(bytes);
      const value = read(input);
      if (input.pos !== input.end) throw corruptData(`${input.end - input.pos} byte(s) left over after a ${describeSerializerSnapshot(previous)}`, input.pos);
      return value;
    };
  }

  private cachedResolution(previous: SerializerSnapshot): Resolution<T> {
    let cache = snapshotCache.get(this);
    if (cache === undefined) snapshotCache.set(this, (cache = new WeakMap()));
    let r = cache.get(previous) as Resolution<T> | undefined;
    if (r === undefined) {
      r = isSnapshot(previous) ? this.resolveFrom(previous, '') : incompatible('', `the previous serializer snapshot is not valid: ${JSON.stringify(previous)}`);
      cache.set(previous, r);
    }
    return r;
  }

  toString(): string {
    return describeSerializerSnapshot(this.snapshotConfiguration());
  }
}

export function checkVersion(previous: SerializerSnapshot, current: TypeSerializer<unknown>, path: string): Resolution<never> | undefined {
  if (previous.version > current.version) {
    return incompatible(path, `written by version ${previous.version} of the ${describeSerializerSnapshot(previous)} serializer, newer than this one (version ${current.version})`);
  }
  return undefined;
}

export function isSnapshot(value: unknown): value is SerializerSnapshot {
  return typeof value === 'object' && value !== null && typeof (value as SerializerSnapshot).id === 'string' && typeof (value as SerializerSnapshot).version === 'number';
}

/** A resolution's reader: the current serializer itself when nothing changed. */
export function readerOf<T>(serializer: TypedSerializer<T>, resolution: Resolution<T>): (input: DataInputView) => T {
  if (resolution.kind === 'migrate') return resolution.read;
  return (input) => serializer.read(input);
}

// ---- Rebuilding serializers and describing schemas from snapshots ----

export interface SerializerKind {
  /** Rebuilds the serializer; `restore` rebuilds nested ones. */
  restore(snapshot: SerializerSnapshot, restore: (nested: SerializerSnapshot) => TypedSerializer<unknown>): TypedSerializer<unknown>;
  /** A short schema description for messages, e.g. `LIST<STRING>`. */
  describe(snapshot: SerializerSnapshot, describe: (nested: unknown) => string): string;
}

const kinds = new Map<string, SerializerKind>();

export function registerSerializerKind(id: string, kind: SerializerKind): void {
  kinds.set(id, kind);
}

export function invalidSnapshot(snapshot: unknown, why: string): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Invalid serializer snapshot ${JSON.stringify(snapshot)}: ${why}`);
}

/**
 * Rebuilds a serializer from its snapshot. `unknown` says what to do with a snapshot id that is
 * not a built-in kind: fail, or (for skipping removed fields) read it as the length-prefixed bytes
 * every non-typed serializer is nested as.
 */
export function restoreTypedSerializer(snapshot: unknown, unknown: 'fail' | 'raw', wrapRaw: (s: SerializerSnapshot) => TypedSerializer<unknown>): TypedSerializer<unknown> {
  if (!isSnapshot(snapshot)) throw invalidSnapshot(snapshot, 'expected an object with a string id and a numeric version');
  const kind = kinds.get(snapshot.id);
  if (kind === undefined) {
    if (unknown === 'raw') return wrapRaw(snapshot);
    throw new FlinkError(
      ErrorCodes.FLINK_TS_UNSUPPORTED,
      `Cannot rebuild serializer '${snapshot.id}' (version ${snapshot.version}) from its snapshot: only the serializers of Types and the default MessagePack serializer can be rebuilt without their code`,
    );
  }
  const restored = kind.restore(snapshot, (nested) => restoreTypedSerializer(nested, unknown, wrapRaw));
  if (snapshot.version > restored.version) throw invalidSnapshot(snapshot, `version ${snapshot.version} is newer than this library's (${restored.version})`);
  return restored;
}

export function describeSerializerSnapshot(snapshot: unknown): string {
  if (!isSnapshot(snapshot)) return 'an unknown serializer';
  const kind = kinds.get(snapshot.id);
  if (kind === undefined) return `serializer '${snapshot.id}' (version ${snapshot.version})`;
  try {
    return kind.describe(snapshot, describeSerializerSnapshot);
  } catch {
    return `serializer '${snapshot.id}' (version ${snapshot.version}, invalid configuration)`;
  }
}
