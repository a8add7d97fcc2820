/*
 * How the heap backend keys its Maps. Record keys are stored under normalizeKey(key) (key-hash.ts)
 * and turned back into keys by denormalizeKey, so that snapshots and getKeys see the original keys
 * without the tables keeping them. Namespaces and the user keys of MapState are stored as
 * themselves when they are numbers or plain strings, and otherwise as NUL + the latin1 string of
 * their serialized bytes, so that equal values (windows, tuples) find the same entry.
 */
import { normalizeKey } from '../key-hash.ts';
import { VOID_NAMESPACE } from '../keyed-state-backend.ts';
import { NamespaceSerializer } from '../../serialization/namespace-serializer.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';

export type NormalizedKey = ReturnType<typeof normalizeKey>;
/** A namespace as a Map key; VOID_NAMESPACE stands for itself. */
export type NamespaceKey = string | number | typeof VOID_NAMESPACE;
/** A MapState user key as a Map key. */
export type UserMapKey = string | number | boolean | bigint;

const NUL = 0;

function isTagged(s: string): boolean {
  return s.length > 0 && s.charCodeAt(0) === NUL;
}

export function bytesToLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function latin1ToBytes(s: string, from = 0): Uint8Array {
  return Buffer.from(from === 0 ? s : s.slice(from), 'latin1');
}

// ---- record keys --------------------------------------------------------------------------------

/** The key whose normalizeKey is `normalized` (the inverse of normalizeKey). */
export function denormalizeKey(normalized: NormalizedKey): unknown {
  if (typeof normalized !== 'string' || !isTagged(normalized)) return normalized;
  const tag = normalized.charAt(1);
  if (tag === 's') return normalized.slice(2);
  if (tag === 'd') return new Date(Number(normalized.slice(2)));
  if (tag === 't') {
    const at = { i: 2 };
    const tuple = parseElement(normalized, at);
    if (at.i !== normalized.length) throw new Error(`Malformed normalized key ${JSON.stringify(normalized)}`);
    return tuple;
  }
  throw new Error(`Malformed normalized key ${JSON.stringify(normalized)}`);
}

// The tuple encoding of key-hash.ts: '[' elements joined by ',' ']'; strings JSON-quoted, bigints
// end in 'n', Dates are 'd' + epoch millis, booleans 'true'/'false', numbers as String(n).
function parseElement(s: string, at: { i: number }): unknown {
  const c = s.charAt(at.i);
  if (c === '[') {
    at.i++;
    const out: unknown[] = [];
    if (s.charAt(at.i) === ']') {
      at.i++;
      return out;
    }
    for (;;) {
      out.push(parseElement(s, at));
      const sep = s.charAt(at.i++);
      if (sep === ']') return out;
      if (sep !== ',') throw new Error(`Malformed normalized key ${JSON.stringify(s)}`);
    }
  }
  if (c === '"') {
    let j = at.i + 1;
    while (j < s.length && s.charAt(j) !== '"') j += s.charAt(j) === '\\' ? 2 : 1;
    const text = JSON.parse(s.slice(at.i, j + 1)) as string;
    at.i = j + 1;
    return text;
  }
  let j = at.i;
  while (j < s.length && s.charAt(j) !== ',' && s.charAt(j) !== ']') j++;
  const token = s.slice(at.i, j);
  at.i = j;
  if (token === 'true') return true;
  if (token === 'false') return false;
  if (token.startsWith('d')) return new Date(Number(token.slice(1)));
  if (token.endsWith('n')) return BigInt(token.slice(0, -1));
  return Number(token);
}

// ---- namespaces ---------------------------------------------------------------------------------

const namespaceSerializer = NamespaceSerializer.DEFAULT;

export function namespaceKey(namespace: unknown): NamespaceKey {
  if (namespace === VOID_NAMESPACE) return VOID_NAMESPACE;
  if (typeof namespace === 'number') return namespace === 0 ? 0 : namespace;
  if (typeof namespace === 'string' && !isTagged(namespace)) return namespace;
  return '\u0000' + bytesToLatin1(namespaceSerializer.serialize(namespace));
}

/** The namespace's bytes in snapshots (NamespaceSerializer.DEFAULT). */
export function namespaceKeyToBytes(key: NamespaceKey): Uint8Array {
  if (typeof key === 'string' && isTagged(key)) return latin1ToBytes(key, 1);
  return namespaceSerializer.serialize(key);
}

export function namespaceKeyFromBytes(bytes: Uint8Array): NamespaceKey {
  return bytes.length === 0 ? VOID_NAMESPACE : namespaceKey(namespaceSerializer.deserialize(bytes));
}

// ---- user keys of MapState ----------------------------------------------------------------------

export function userMapKey(userKey: unknown, serializer: TypeSerializer<unknown>): UserMapKey {
  switch (typeof userKey) {
    case 'number':
      return userKey === 0 ? 0 : userKey;
    case 'boolean':
    case 'bigint':
      return userKey;
    case 'string':
      if (!isTagged(userKey)) return userKey;
  }
  return '\u0000' + bytesToLatin1(serializer.serialize(userKey));
}

export function userKeyOf(key: UserMapKey, serializer: TypeSerializer<unknown>): unknown {
  return typeof key === 'string' && isTagged(key) ? serializer.deserialize(latin1ToBytes(key, 1)) : key;
}

export function userMapKeyToBytes(key: UserMapKey, serializer: TypeSerializer<unknown>): Uint8Array {
  return typeof key === 'string' && isTagged(key) ? latin1ToBytes(key, 1) : serializer.serialize(key);
}

export function userMapKeyFromBytes(bytes: Uint8Array, serializer: TypeSerializer<unknown>): UserMapKey {
  return userMapKey(serializer.deserialize(bytes), serializer);
}
