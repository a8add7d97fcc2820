/*
 * Hash codes, equality and Map-key normalization for record keys. The hash decides which key group,
 * and so which subtask, owns a key; it must be the same in every process and every run, so it is
 * computed from the key's value like Java's hashCode (never from object identity or insertion order).
 */

import { ErrorCodes, FlinkError } from '../../errors.ts';

/** What a key selector may return, as named in error messages. */
export const ALLOWED_KEY_TYPES =
  'a string, a number (not NaN), a bigint, a boolean, a Date, or an array (tuple) of these';

const TWO_POW_32 = 4294967296;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

// One scratch buffer for reading a double's bits; big-endian DataView access is independent of the host.
const scratch = new DataView(new ArrayBuffer(8));

/**
 * A 32-bit signed hash code of a key, equal to Java's hashCode for the corresponding Java value:
 * String.hashCode over UTF-16 code units, Integer.hashCode for int32 numbers, Double.hashCode for
 * other numbers (with -0 as 0), Long.hashCode for 64-bit bigints (the decimal string's hash beyond),
 * Boolean.hashCode, Date.hashCode (Long.hashCode of the epoch milliseconds), Arrays.hashCode for tuples.
 * Throws FLINK_TS_INVALID_KEY for anything else; `where` (e.g. "operator 'x' (subtask 1/4)") goes into the message.
 */
export function hashKey(key: unknown, where?: string): number {
  if (typeof key === 'string') return hashString(key);
  if (typeof key === 'number') {
    if ((key | 0) === key) return key | 0;
    if (key !== key) throw invalidKey(key, where);
    return hashDouble(key);
  }
  return hashOther(key, key, where);
}

function hashOther(key: unknown, root: unknown, where: string | undefined): number {
  switch (typeof key) {
    case 'string':
      return hashString(key);
    case 'number':
      if ((key | 0) === key) return key | 0;
      if (key !== key) throw invalidKey(root, where);
      return hashDouble(key);
    case 'boolean':
      return key ? 1231 : 1237;
    case 'bigint':
      return key >= LONG_MIN && key <= LONG_MAX ? hashBigLong(key) : hashString(key.toString());
    case 'object':
      if (key instanceof Date) {
        const time = key.getTime();
        if (time !== time) throw invalidKey(root, where);
        return hashSafeLong(time);
      }
      if (Array.isArray(key)) {
        let h = 1;
        for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + hashOther(key[i], root, where)) | 0;
        return h;
      }
      throw invalidKey(root, where);
    default:
      throw invalidKey(root, where);
  }
}

/** Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1] in int arithmetic. */
export function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Java's Double.hashCode: (int) (bits ^ (bits >>> 32)), with -0 folded into 0 so both are one key. */
function hashDouble(value: number): number {
  scratch.setFloat64(0, value === 0 ? 0 : value);
  return scratch.getInt32(0) ^ scratch.getInt32(4);
}

/** Java's Long.hashCode for an integer within ±2^53, without allocating a bigint. */
function hashSafeLong(value: number): number {
  const high = Math.floor(value / TWO_POW_32);
  const low = value - high * TWO_POW_32;
  return (high ^ low) | 0;
}

function hashBigLong(value: bigint): number {
  const bits = BigInt.asUintN(64, value);
  return (Number(bits & 0xffffffffn) ^ Number(bits >> 32n)) | 0;
}

/**
 * Whether two keys are the same key, consistent with hashKey and normalizeKey: primitives by value
 * (0 equals -0; a bigint never equals a number), Dates by time, tuples element-wise.
 */
export function keysEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!keysEqual(a[i], b[i])) return false;
    return true;
  }
  return false;
}

// Encoded (non-primitive) keys start with NUL and a tag; a plain string that itself starts with NUL
// is escaped with tag 's', so no encoded key equals a plain string or another kind of key.
const NUL = '\u0000';

/**
 * A value to use as a JS Map key that is equal (SameValueZero) for exactly the keys that keysEqual
 * considers equal. Strings, numbers, booleans and bigints come back as themselves (-0 as 0) without
 * allocation; Dates and tuples become tagged strings. Throws like hashKey for unsupported keys.
 */
export function normalizeKey(key: unknown, where?: string): string | number | boolean | bigint {
  if (typeof key === 'string') return key.length > 0 && key.charCodeAt(0) === 0 ? NUL + 's' + key : key;
  if (typeof key === 'number') {
    if (key === 0) return 0;
    if (key !== key) throw invalidKey(key, where);
    return key;
  }
  if (typeof key === 'boolean' || typeof key === 'bigint') return key;
  if (key instanceof Date) {
    const time = key.getTime();
    if (time !== time) throw invalidKey(key, where);
    return NUL + 'd' + time;
  }
  if (Array.isArray(key)) return NUL + 't' + encodeTuple(key, key, where);
  throw invalidKey(key, where);
}

// Every element's token is recognizable by its first or last character, so the encoding is injective:
// strings are JSON-quoted, bigints end in 'n', Dates start with 'd', nested tuples are bracketed.
function encodeTuple(tuple: readonly unknown[], root: unknown, where: string | undefined): string {
  let out = '[';
  for (let i = 0; i < tuple.length; i++) {
    if (i > 0) out += ',';
    const e = tuple[i];
    switch (typeof e) {
      case 'string':
        out += JSON.stringify(e);
        break;
      case 'number':
        if (e !== e) throw invalidKey(root, where);
        out += e === 0 ? '0' : String(e);
        break;
      case 'boolean':
        out += e ? 'true' : 'false';
        break;
      case 'bigint':
        out += e.toString() + 'n';
        break;
      default:
        if (e instanceof Date) {
          const time = e.getTime();
          if (time !== time) throw invalidKey(root, where);
          out += 'd' + time;
        } else if (Array.isArray(e)) {
          out += encodeTuple(e, root, where);
        } else {
          throw invalidKey(root, where);
        }
    }
  }
  return out + ']';
}

function invalidKey(key: unknown, where: string | undefined): FlinkError {
  const place = where === undefined || where === '' ? '' : ` in ${where}`;
  return new FlinkError(
    ErrorCodes.FLINK_TS_INVALID_KEY,
    `Invalid key${place}: the key selector returned ${describeKey(key)}; a key must be ${ALLOWED_KEY_TYPES}.`,
  );
}

/** A short human description of a (possibly invalid) key value, for error messages. */
export function describeKey(value: unknown, depth = 0): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return truncate(JSON.stringify(value));
    case 'number':
      return Number.isNaN(value) ? 'NaN' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return String(value);
    case 'symbol':
      return `a symbol (${value.toString()})`;
    case 'function':
      return `a function${value.name ? ` (${value.name})` : ''}`;
    default:
      break;
  }
  if (value === null) return 'null';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : `a Date (${value.toISOString()})`;
  if (Array.isArray(value)) {
    if (depth === 0) {
      const bad = firstInvalidElement(value);
      if (bad !== undefined) return `an array whose element ${bad.path} is ${describeKey(bad.value, 1)}`;
    }
    return `an array of length ${value.length}`;
  }
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  const name = typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : undefined;
  if (name === undefined || name === 'Object') {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    return json === undefined ? 'a plain object' : `a plain object ${truncate(json)}`;
  }
  return `an object of class ${name}`;
}

function firstInvalidElement(tuple: readonly unknown[], prefix = ''): { path: string; value: unknown } | undefined {
  for (let i = 0; i < tuple.length; i++) {
    const e = tuple[i];
    const path = `${prefix}[${i}]`;
    if (Array.isArray(e)) {
      const inner = firstInvalidElement(e, path);
      if (inner !== undefined) return inner;
    } else if (!isValidScalar(e)) {
      return { path, value: e };
    }
  }
  return undefined;
}

function isValidScalar(e: unknown): boolean {
  switch (typeof e) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return true;
    case 'number':
      return e === e;
    default:
      return e instanceof Date && !Number.isNaN(e.getTime());
  }
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
