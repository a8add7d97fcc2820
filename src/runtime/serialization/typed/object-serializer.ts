/*
 * OBJECT: a POJO, a plain object with named fields, as Flink's PojoSerializer. Only declared fields
 * are written, in the order of their names (so reordering them in code changes nothing); a bitmap
 * in front records which optional fields are present. Reading, writing and copying are compiled
 * once per schema into straight-line functions, so the hot path has no per-field lookups.
 *
 * Compatibility follows Flink's PojoSerializerSnapshot: a field whose type changed incompatibly
 * makes the whole state incompatible; added or removed fields (and fields whose own type migrates)
 * need a migration, which maps old fields by name, drops removed ones and gives added ones their
 * default or leaves them undefined. An added field must be optional, nullable or have a default:
 * old values have nothing for it.
 */
import type { SerializerSnapshot, TypeSerializer } from '../type-serializer.ts';
import { DataOutputView, type DataInputView } from './data-view-io.ts';
import { NullableSerializer } from './collection-serializers.ts';
import { asTyped, restoreForReading } from './opaque-serializer.ts';
import { isImmutableType } from './primitive-serializers.ts';
import {
  AS_IS,
  SerializationError,
  TypedSerializer,
  checkVersion,
  incompatible,
  invalidSnapshot,
  isSnapshot,
  migrationNote,
  mismatch,
  readerOf,
  registerSerializerKind,
  typeChanged,
  type Resolution,
} from './typed-serializer.ts';

export interface ObjectTypeOptions {
  /** Fields that may be absent (undefined). */
  readonly optional?: readonly string[];
  /** Values of fields that values written under an older schema lack. */
  readonly defaults?: Readonly<Record<string, unknown>>;
}

interface FieldSchema {
  readonly name: string;
  readonly type: SerializerSnapshot;
  readonly optional?: true;
}

interface MigrationStep {
  /** Bit in the old optional-field bitmap, or -1 for a field that was required. */
  readonly bit: number;
  /** Index of the current field, or -1 for a removed field that is read and dropped. */
  readonly target: number;
  readonly read: (input: DataInputView) => unknown;
}

type Compiled<T> = {
  readonly write: (out: DataOutputView, value: T) => void;
  readonly read: (input: DataInputView) => T;
  readonly copy: (value: T) => T;
};

const EMPTY = new Uint8Array(0);

export class ObjectSerializer<T extends object> extends TypedSerializer<T> {
  readonly id = 'object';
  readonly minSize: number;
  /** Field names in wire order (sorted). */
  readonly fieldNames: readonly string[];
  readonly fieldSerializers: readonly TypedSerializer<unknown>[];
  readonly optional: readonly boolean[];
  private readonly optionalBytes: number;
  private readonly defaults: ReadonlyMap<string, unknown>;
  private readonly compiled: Compiled<T>;

  constructor(fields: Readonly<Record<string, TypeSerializer<any>>>, options: ObjectTypeOptions = {}) {
    super();
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new TypeError('Types.OBJECT needs an object mapping field names to types');
    const declared = Object.keys(fields);
    for (const name of declared) {
      if (name === '__proto__') throw new TypeError("Types.OBJECT: a field cannot be named '__proto__'");
    }
    this.fieldNames = [...declared].sort();
    this.fieldSerializers = this.fieldNames.map((name) => {
      try {
        return asTyped(fields[name]) as TypedSerializer<unknown>;
      } catch (error) {
        throw new TypeError(`Types.OBJECT: field '${name}': ${(error as Error).message}`, { cause: error });
      }
    });
    const optional = new Set(options.optional ?? []);
    for (const name of optional) {
      if (!Object.hasOwn(fields, name)) throw new TypeError(`Types.OBJECT: optional field '${name}' is not one of the fields (${declared.join(', ')})`);
    }
    this.optional = this.fieldNames.map((name) => optional.has(name));
    const optionalCount = this.optional.filter(Boolean).length;
    this.optionalBytes = Math.ceil(optionalCount / 8);
    this.defaults = this.checkDefaults(options.defaults ?? {}, declared);
    this.minSize = this.optionalBytes + this.fieldSerializers.reduce((sum, s, i) => sum + (this.optional[i] ? 0 : s.minSize), 0);
    this.compiled = compile<T>(this.fieldNames, declared, this.fieldSerializers, this.optional);
  }

  private checkDefaults(defaults: Readonly<Record<string, unknown>>, declared: readonly string[]): ReadonlyMap<string, unknown> {
    const out = new Map<string, unknown>();
    const scratch = new DataOutputView(64);
    for (const [name, value] of Object.entries(defaults)) {
      const i = this.fieldNames.indexOf(name);
      if (i < 0) throw new TypeError(`Types.OBJECT: default for '${name}', which is not one of the fields (${declared.join(', ')})`);
      try {
        this.fieldSerializers[i].write(scratch, value);
      } catch (error) {
        throw new TypeError(`Types.OBJECT: the default of field '${name}' does not fit its type: ${error instanceof SerializationError ? error.detail : (error as Error).message}`, { cause: error });
      }
      out.set(name, value);
    }
    return out;
  }

  write(out: DataOutputView, value: T): void {
    if (typeof value !== 'object' || value === null) throw mismatch('OBJECT', value);
    try {
      this.compiled.write(out, value);
    } catch (error) {
      throw this.locate(error, value);
    }
  }

  /** Finds the field whose value failed, off the hot path, by writing the fields one by one. */
  private locate(error: unknown, value: T): unknown {
    const scratch = new DataOutputView(64);
    for (let i = 0; i < this.fieldNames.length; i++) {
      const v = (value as Record<string, unknown>)[this.fieldNames[i]];
      if (v === undefined && this.optional[i]) continue;
      try {
        this.fieldSerializers[i].write(scratch, v);
      } catch (fieldError) {
        return SerializationError.at(fieldError, `.${this.fieldNames[i]}`);
      }
    }
    return error;
  }

  read(input: DataInputView): T {
    return this.compiled.read(input);
  }

  copy(value: T): T {
    return this.compiled.copy(value);
  }

  snapshotConfiguration(): SerializerSnapshot {
    const fields: FieldSchema[] = this.fieldNames.map((name, i) => ({
      name,
      type: this.fieldSerializers[i].snapshotConfiguration(),
      ...(this.optional[i] ? { optional: true as const } : {}),
    }));
    return { id: this.id, version: this.version, config: { fields } };
  }

  override resolveFrom(previous: SerializerSnapshot, path: string): Resolution<T> {
    if (previous.id !== this.id) return typeChanged(path, previous, this.snapshotConfiguration());
    const versionProblem = checkVersion(previous, this, path);
    if (versionProblem !== undefined) return versionProblem;
    const previousFields = fieldsOf(previous);
    const index = new Map(this.fieldNames.map((name, i) => [name, i]));
    const reasons: string[] = [];
    const changes: string[] = [];
    const steps: MigrationStep[] = [];
    const seen = new Set<number>();
    let previousOptional = 0;
    let sameLayout = previousFields.length === this.fieldNames.length;

    for (const [j, field] of previousFields.entries()) {
      const fieldPath = `${path}.${field.name}`;
      const bit = field.optional === true ? previousOptional++ : -1;
      const i = index.get(field.name);
      if (i === undefined) {
        sameLayout = false;
        changes.push(migrationNote(fieldPath, 'removed'));
        try {
          const skipped = restoreForReading(field.type);
          steps.push({ bit, target: -1, read: (input) => skipped.read(input) });
        } catch (error) {
          reasons.push(incompatible(fieldPath, `was removed, and its old values cannot be skipped: ${(error as Error).message}`).reason);
        }
        continue;
      }
      seen.add(i);
      if (i !== j) sameLayout = false;
      const serializer = this.fieldSerializers[i];
      const r = serializer.resolveFrom(field.type, fieldPath);
      if (r.kind === 'incompatible') {
        reasons.push(r.reason);
        continue;
      }
      if (r.kind === 'migrate') {
        sameLayout = false;
        changes.push(...r.changes);
      }
      const wasOptional = field.optional === true;
      if (wasOptional !== this.optional[i]) {
        sameLayout = false;
        if (this.optional[i]) changes.push(migrationNote(fieldPath, 'now optional'));
        else if (this.defaults.has(field.name)) changes.push(migrationNote(fieldPath, 'now required (old values without it get its default)'));
        else reasons.push(incompatible(fieldPath, 'was optional and is now required, but values written before may lack it: keep it optional or give it a default').reason);
      }
      steps.push({ bit, target: i, read: readerOf(serializer, r) });
    }

    const added: number[] = [];
    for (let i = 0; i < this.fieldNames.length; i++) {
      if (seen.has(i)) continue;
      sameLayout = false;
      const name = this.fieldNames[i];
      const fieldPath = `${path}.${name}`;
      if (this.defaults.has(name)) changes.push(migrationNote(fieldPath, 'added (old values get its default)'));
      else if (this.optional[i] || acceptsUndefined(this.fieldSerializers[i])) changes.push(migrationNote(fieldPath, 'added (undefined in old values)'));
      else {
        reasons.push(incompatible(fieldPath, "was added, but values written before have no value for it: list it in 'optional', make it NULLABLE or give it a default").reason);
        continue;
      }
      added.push(i);
    }

    if (reasons.length > 0) return { kind: 'incompatible', reason: reasons.join('; ') };
    if (sameLayout) return AS_IS;
    return { kind: 'migrate', changes, read: this.migrationRead(steps, Math.ceil(previousOptional / 8), added) };
  }

  private migrationRead(steps: readonly MigrationStep[], optionalBytes: number, added: readonly number[]): (input: DataInputView) => T {
    const names = this.fieldNames;
    const optional = this.optional;
    const serializers = this.fieldSerializers;
    const defaults = this.defaults;
    return (input) => {
      const bitmap = optionalBytes > 0 ? input.readRaw(optionalBytes) : EMPTY;
      const out: Record<string, unknown> = {};
      for (const step of steps) {
        const present = step.bit < 0 || (bitmap[step.bit >> 3] & (1 << (step.bit & 7))) !== 0;
        if (present) {
          const value = step.read(input);
          if (step.target >= 0) out[names[step.target]] = value;
        } else if (step.target >= 0 && !optional[step.target]) {
          out[names[step.target]] = serializers[step.target].copy(defaults.get(names[step.target]));
        }
      }
      for (const i of added) {
        const name = names[i];
        if (defaults.has(name)) out[name] = serializers[i].copy(defaults.get(name));
        else if (!optional[i]) out[name] = undefined;
      }
      return out as T;
    };
  }
}

function acceptsUndefined(serializer: TypedSerializer<unknown>): boolean {
  return serializer instanceof NullableSerializer || serializer.id === 'msgpack';
}

function fieldsOf(snapshot: SerializerSnapshot): FieldSchema[] {
  const fields = (snapshot.config as { fields?: unknown } | undefined)?.fields;
  const valid =
    Array.isArray(fields) &&
    fields.every((f) => typeof f === 'object' && f !== null && typeof f.name === 'string' && isSnapshot(f.type) && (f.optional === undefined || typeof f.optional === 'boolean'));
  if (!valid) throw invalidSnapshot(snapshot, 'config.fields must be an array of { name, type, optional? }');
  if (new Set(fields.map((f) => f.name)).size !== fields.length) throw invalidSnapshot(snapshot, 'a field name appears twice');
  return fields as FieldSchema[];
}

/**
 * Generates the field-by-field code of one schema: object literals with a fixed shape and one
 * call site per field, which V8 optimizes far better than a loop over field names.
 */
function compile<T>(names: readonly string[], declared: readonly string[], serializers: readonly TypedSerializer<unknown>[], optional: readonly boolean[]): Compiled<T> {
  const key = (i: number): string => JSON.stringify(names[i]);
  const bitOf: number[] = [];
  let bits = 0;
  for (let i = 0; i < names.length; i++) bitOf.push(optional[i] ? bits++ : -1);
  const maskTest = (i: number): string => `(m${bitOf[i] >> 3} & ${1 << (bitOf[i] & 7)}) !== 0`;
  const byteCount = Math.ceil(bits / 8);
  const wireIndex = new Map(names.map((n, i) => [n, i]));
  const declaredOrder = declared.map((n) => wireIndex.get(n)!);

  const write: string[] = [];
  for (let b = 0; b < byteCount; b++) write.push(`let m${b} = 0;`);
  for (let i = 0; i < names.length; i++) {
    write.push(`const f${i} = v[${key(i)}];`);
    if (optional[i]) write.push(`if (f${i} !== undefined) m${bitOf[i] >> 3} |= ${1 << (bitOf[i] & 7)};`);
  }
  for (let b = 0; b < byteCount; b++) write.push(`out.writeByte(m${b});`);
  for (let i = 0; i < names.length; i++) write.push(optional[i] ? `if (f${i} !== undefined) s${i}.write(out, f${i});` : `s${i}.write(out, f${i});`);

  const read: string[] = [];
  for (let b = 0; b < byteCount; b++) read.push(`const m${b} = input.readByte();`);
  for (let i = 0; i < names.length; i++) read.push(optional[i] ? `const r${i} = ${maskTest(i)} ? s${i}.read(input) : undefined;` : `const r${i} = s${i}.read(input);`);
  read.push(`const o = { ${declaredOrder.filter((i) => !optional[i]).map((i) => `${key(i)}: r${i}`).join(', ')} };`);
  for (const i of declaredOrder.filter((i) => optional[i])) read.push(`if (${maskTest(i)}) o[${key(i)}] = r${i};`);
  read.push('return o;');

  const copyField = (i: number): string => (isImmutableType(serializers[i]) ? `v[${key(i)}]` : `s${i}.copy(v[${key(i)}])`);
  const copy: string[] = [];
  copy.push(`const o = { ${declaredOrder.filter((i) => !optional[i]).map((i) => `${key(i)}: ${copyField(i)}`).join(', ')} };`);
  for (const i of declaredOrder.filter((i) => optional[i])) copy.push(`if (v[${key(i)}] !== undefined) o[${key(i)}] = ${copyField(i)};`);
  copy.push('return o;');

  const params = serializers.map((_, i) => `s${i}`);
  const body = `"use strict";
return {
  write(out, v) { ${write.join('\n')} },
  read(input) { ${read.join('\n')} },
  copy(v) { ${copy.join('\n')} },
};`;
  const factory = new Function(...params, body) as (...s: TypedSerializer<unknown>[]) => Compiled<T>;
  return factory(...serializers);
}

registerSerializerKind('object', {
  restore: (snapshot, restore) => {
    const fields = fieldsOf(snapshot);
    const types: Record<string, TypeSerializer<unknown>> = {};
    for (const f of fields) types[f.name] = restore(f.type);
    return new ObjectSerializer(types, { optional: fields.filter((f) => f.optional === true).map((f) => f.name) });
  },
  describe: (snapshot, describe) => `OBJECT{${fieldsOf(snapshot).map((f) => `${f.name}${f.optional === true ? '?' : ''}: ${describe(f.type)}`).join(', ')}}`,
});
