/*
 * Serializers of single values: STRING (varint length + UTF-8), NUMBER (float64, keeps -0 and NaN),
 * INT (int32 as a zigzag varint, validated), BIGINT (sign and magnitude, any size), BOOLEAN (one
 * byte), DATE (float64 milliseconds, keeps invalid dates) and BYTES (varint length + bytes).
 * Widenings that lose nothing read old data after migration: INT → NUMBER and INT → BIGINT.
 */
import { Buffer } from 'node:buffer';
import type { SerializerSnapshot } from '../type-serializer.ts';
import { corruptData, type DataInputView, type DataOutputView } from './data-view-io.ts';
import { TypedSerializer, checkVersion, migrationNote, mismatch, registerSerializerKind, type Resolution } from './typed-serializer.ts';

abstract class PrimitiveSerializer<T> extends TypedSerializer<T> {
  /** The name in `Types` and in messages. */
  abstract readonly typeName: string;

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version };
  }
}

export class StringSerializer extends PrimitiveSerializer<string> {
  static readonly INSTANCE = new StringSerializer();
  readonly id = 'string';
  readonly typeName = 'STRING';
  readonly minSize = 1;

  write(out: DataOutputView, value: string): void {
    if (typeof value !== 'string') throw mismatch('STRING', value);
    out.writeString(value);
  }

  read(input: DataInputView): string {
    return input.readString();
  }

  copy(value: string): string {
    return value;
  }
}

export class NumberSerializer extends PrimitiveSerializer<number> {
  static readonly INSTANCE = new NumberSerializer();
  readonly id = 'number';
  readonly typeName = 'NUMBER';
  readonly minSize = 8;

  write(out: DataOutputView, value: number): void {
    if (typeof value !== 'number') throw mismatch('NUMBER', value);
    out.writeFloat64(value);
  }

  read(input: DataInputView): number {
    return input.readFloat64();
  }

  copy(value: number): number {
    return value;
  }

  override resolveFrom(previous: SerializerSnapshot, path: string): Resolution<number> {
    if (previous.id === IntSerializer.INSTANCE.id) {
      return checkVersion(previous, IntSerializer.INSTANCE, path) ?? { kind: 'migrate', read: (input) => input.readVarInt(), changes: [migrationNote(path, 'INT widened to NUMBER')] };
    }
    return super.resolveFrom(previous, path);
  }
}

export class IntSerializer extends PrimitiveSerializer<number> {
  static readonly INSTANCE = new IntSerializer();
  readonly id = 'int';
  readonly typeName = 'INT';
  readonly minSize = 1;

  write(out: DataOutputView, value: number): void {
    // (v | 0) === v holds exactly for integers in the int32 range (and -0, written as 0).
    if (typeof value !== 'number' || (value | 0) !== value) throw mismatch('INT (an integer from -2147483648 to 2147483647)', value);
    out.writeVarInt(value);
  }

  read(input: DataInputView): number {
    return input.readVarInt();
  }

  copy(value: number): number {
    return value;
  }
}

const TWO_32 = 0x1_0000_0000n;

export class BigIntSerializer extends PrimitiveSerializer<bigint> {
  static readonly INSTANCE = new BigIntSerializer();
  readonly id = 'bigint';
  readonly typeName = 'BIGINT';
  readonly minSize = 1;

  // Header varint: magnitude byte count * 2 + sign; then the magnitude, big-endian.
  write(out: DataOutputView, value: bigint): void {
    if (typeof value !== 'bigint') throw mismatch('BIGINT', value);
    const negative = value < 0n;
    const magnitude = negative ? -value : value;
    if (magnitude < TWO_32 * TWO_32) {
      let hi = Number(magnitude >> 32n);
      let lo = Number(magnitude & 0xffff_ffffn);
      let length = 0;
      const scratch = [0, 0, 0, 0, 0, 0, 0, 0];
      while (hi !== 0 || lo !== 0) {
        scratch[length++] = lo & 0xff;
        lo = (lo >>> 8) | ((hi & 0xff) << 24);
        lo >>>= 0;
        hi >>>= 8;
      }
      out.writeVarUint(length * 2 + (negative ? 1 : 0));
      out.ensure(length);
      for (let i = length - 1; i >= 0; i--) out.bytes[out.pos++] = scratch[i];
      return;
    }
    let hex = magnitude.toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    const length = hex.length / 2;
    out.writeVarUint(length * 2 + (negative ? 1 : 0));
    out.ensure(length);
    const written = out.buffer.write(hex, out.pos, 'hex');
    out.pos += written;
  }

  read(input: DataInputView): bigint {
    const header = input.readVarUint();
    const length = Math.floor(header / 2);
    const bytes = input.readRaw(length);
    if (length > 0 && bytes[0] === 0) throw corruptData('bigint with a leading zero byte', input.pos - length);
    let magnitude: bigint;
    if (length <= 6) {
      let n = 0;
      for (let i = 0; i < length; i++) n = n * 256 + bytes[i];
      magnitude = BigInt(n);
    } else {
      magnitude = BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('hex')}`);
    }
    return header % 2 === 1 ? -magnitude : magnitude;
  }

  copy(value: bigint): bigint {
    return value;
  }

  override resolveFrom(previous: SerializerSnapshot, path: string): Resolution<bigint> {
    if (previous.id === IntSerializer.INSTANCE.id) {
      return checkVersion(previous, IntSerializer.INSTANCE, path) ?? { kind: 'migrate', read: (input) => BigInt(input.readVarInt()), changes: [migrationNote(path, 'INT widened to BIGINT')] };
    }
    return super.resolveFrom(previous, path);
  }
}

export class BooleanSerializer extends PrimitiveSerializer<boolean> {
  static readonly INSTANCE = new BooleanSerializer();
  readonly id = 'boolean';
  readonly typeName = 'BOOLEAN';
  readonly minSize = 1;

  write(out: DataOutputView, value: boolean): void {
    if (typeof value !== 'boolean') throw mismatch('BOOLEAN', value);
    out.writeByte(value ? 1 : 0);
  }

  read(input: DataInputView): boolean {
    const b = input.readByte();
    if (b > 1) throw corruptData(`boolean byte ${b}`, input.pos - 1);
    return b === 1;
  }

  copy(value: boolean): boolean {
    return value;
  }
}

export class DateSerializer extends PrimitiveSerializer<Date> {
  static readonly INSTANCE = new DateSerializer();
  readonly id = 'date';
  readonly typeName = 'DATE';
  readonly minSize = 8;

  write(out: DataOutputView, value: Date): void {
    if (!(value instanceof Date)) throw mismatch('DATE', value);
    out.writeFloat64(value.getTime());
  }

  read(input: DataInputView): Date {
    return new Date(input.readFloat64());
  }

  copy(value: Date): Date {
    return new Date(value.getTime());
  }
}

export class BytesSerializer extends PrimitiveSerializer<Uint8Array> {
  static readonly INSTANCE = new BytesSerializer();
  readonly id = 'bytes';
  readonly typeName = 'BYTES';
  readonly minSize = 1;

  write(out: DataOutputView, value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) throw mismatch('BYTES (a Uint8Array)', value);
    out.writeVarUint(value.length);
    out.writeRaw(value);
  }

  /** A copy: the input may be a buffer the caller reuses. */
  read(input: DataInputView): Uint8Array {
    return input.readRaw(input.readVarUint()).slice();
  }

  copy(value: Uint8Array): Uint8Array {
    return Uint8Array.prototype.slice.call(value);
  }
}

export const PRIMITIVES: readonly PrimitiveSerializer<unknown>[] = [
  StringSerializer.INSTANCE,
  NumberSerializer.INSTANCE,
  IntSerializer.INSTANCE,
  BigIntSerializer.INSTANCE,
  BooleanSerializer.INSTANCE,
  DateSerializer.INSTANCE,
  BytesSerializer.INSTANCE,
] as PrimitiveSerializer<unknown>[];

for (const serializer of PRIMITIVES) {
  registerSerializerKind(serializer.id, { restore: () => serializer, describe: () => serializer.typeName });
}

/** Values of these types are immutable, so copies and migrations can share them. */
export function isImmutableType(serializer: TypedSerializer<unknown>): boolean {
  return serializer instanceof PrimitiveSerializer && !(serializer instanceof DateSerializer) && !(serializer instanceof BytesSerializer);
}

