/*
 * The layout of RocksDB keys of keyed state, chosen so that a key group is one contiguous key
 * range (snapshotted, deleted or copied by a range scan) and the entries of one key and namespace
 * are one contiguous range as well (map state iterates them by prefix):
 *
 *   u16 key group | u32 len | key bytes | u32 len | namespace bytes [| map user key bytes]
 *
 * big-endian. Key bytes come from KeySerializer (equal keys => equal bytes), namespace bytes from
 * NamespaceSerializer (VOID_NAMESPACE => zero bytes). The namespace is length-prefixed so that
 * the prefix of one namespace never covers the map entries of another.
 */

export const KEY_GROUP_PREFIX_BYTES = 2;

// Bytes handed to the binding (keys, list values) are views into a shared 8 KiB slab instead of
// arrays of their own. V8 keeps a typed array of up to 64 bytes on its heap and moves it off the
// heap (a malloc'd backing store, a new ArrayBuffer) the first time native code asks for its
// data, which the binding does for every key and value. A view into the slab is off the heap
// from the start. On the raw binding, puts of fresh 15-byte key arrays ran at about 440K/s and
// of slab views at about 495K/s; MapState (a new key per call) and ListState (a new value per
// add) gain most. A view keeps its whole slab alive, as a slice of Node's Buffer pool does, so
// only short-lived bytes come from here; slab memory is never handed out twice.
const SLAB_BYTES = 8192;
const SLAB_MAX_ALLOCATION = 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabAt = 0;

/** `length` zeroed bytes for the binding: a view into the shared slab when small. */
export function nativeBytes(length: number): Uint8Array {
  if (length > SLAB_MAX_ALLOCATION) return new Uint8Array(length);
  if (slabAt + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabAt = 0;
  }
  const out = new Uint8Array(slab, slabAt, length);
  slabAt += length;
  return out;
}

// Big-endian fields written with shifts: a DataView on a fresh small Uint8Array makes V8 move the
// array's storage off the heap, which cost several hundred nanoseconds per key on the hot path.
function putU16(out: Uint8Array, at: number, v: number): void {
  out[at] = (v >>> 8) & 0xff;
  out[at + 1] = v & 0xff;
}

/** Writes `v` as a big-endian u32 at `at`. */
export function putU32(out: Uint8Array, at: number, v: number): void {
  out[at] = (v >>> 24) & 0xff;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/** `u16 key group | u32 len | key`: the part of a state key fixed by setCurrentKey. */
export function serializeKeyPrefix(keyGroup: number, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(KEY_GROUP_PREFIX_BYTES + 4 + key.length);
  putU16(out, 0, keyGroup);
  putU32(out, 2, key.length);
  out.set(key, 6);
  return out;
}

/** `keyPrefix | u32 len | namespace`, with room for `extra` more bytes after it (map user keys). */
export function serializeStateKey(keyPrefix: Uint8Array, namespace: Uint8Array, extra = 0): Uint8Array {
  const out = nativeBytes(keyPrefix.length + 4 + namespace.length + extra);
  out.set(keyPrefix, 0);
  putU32(out, keyPrefix.length, namespace.length);
  out.set(namespace, keyPrefix.length + 4);
  return out;
}

/** `stateKey | userKey`: the RocksDB key of one map entry. */
export function appendUserKey(stateKey: Uint8Array, userKey: Uint8Array): Uint8Array {
  const out = nativeBytes(stateKey.length + userKey.length);
  out.set(stateKey, 0);
  out.set(userKey, stateKey.length);
  return out;
}

/** The same bytes from the snapshot format's separate parts. */
export function composeStateKey(keyGroup: number, key: Uint8Array, namespace: Uint8Array, userKey?: Uint8Array): Uint8Array {
  const out = nativeBytes(KEY_GROUP_PREFIX_BYTES + 8 + key.length + namespace.length + (userKey?.length ?? 0));
  putU16(out, 0, keyGroup);
  putU32(out, 2, key.length);
  out.set(key, 6);
  putU32(out, 6 + key.length, namespace.length);
  out.set(namespace, 10 + key.length);
  if (userKey !== undefined) out.set(userKey, 10 + key.length + namespace.length);
  return out;
}

export interface DecodedStateKey {
  readonly keyGroup: number;
  readonly key: Uint8Array;
  readonly namespace: Uint8Array;
  /** Bytes after the namespace: the user key of a map entry, empty otherwise. */
  readonly userKey: Uint8Array;
}

/** Splits a RocksDB key into its parts (views into `bytes`); throws on a malformed key. */
export function decodeStateKey(bytes: Uint8Array, where: string): DecodedStateKey {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 10) throw new Error(`Corrupt state key in ${where}: ${bytes.length} bytes`);
  const keyGroup = view.getUint16(0);
  const keyLength = view.getUint32(2);
  const nsAt = 6 + keyLength;
  if (nsAt + 4 > bytes.length) throw new Error(`Corrupt state key in ${where}: key length ${keyLength} exceeds the entry`);
  const nsLength = view.getUint32(nsAt);
  const userAt = nsAt + 4 + nsLength;
  if (userAt > bytes.length) throw new Error(`Corrupt state key in ${where}: namespace length ${nsLength} exceeds the entry`);
  return { keyGroup, key: bytes.subarray(6, nsAt), namespace: bytes.subarray(nsAt + 4, userAt), userKey: bytes.subarray(userAt) };
}

/** The key group of a RocksDB state key. */
export function keyGroupOf(bytes: Uint8Array): number {
  return (bytes[0]! << 8) | bytes[1]!;
}

/** The first key of key group `keyGroup` (max parallelism <= 2^15, so keyGroup + 1 still fits). */
export function keyGroupStart(keyGroup: number): Uint8Array {
  return new Uint8Array([(keyGroup >>> 8) & 0xff, keyGroup & 0xff]);
}

/** The smallest key greater than every key starting with `prefix` (undefined: no upper bound). */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const out = Uint8Array.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0xff) {
      out[i]!++;
      return out.subarray(0, i + 1);
    }
  }
  return undefined;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
