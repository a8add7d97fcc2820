/*
 * Encoding of the entries of one key group in a keyed state snapshot (see keyed-state-snapshot.ts):
 * a sequence of records `u16 state index | u32 len | key | u32 len | namespace | u32 len | value`,
 * big-endian. Both backends write and read snapshots through these two functions, which is what
 * makes a snapshot of one backend restorable into the other.
 */

export interface KeyGroupEntry {
  readonly stateIndex: number;
  readonly key: Uint8Array;
  readonly namespace: Uint8Array;
  readonly value: Uint8Array;
}

export class KeyGroupBlockWriter {
  private bytes = new Uint8Array(1024);
  private view = new DataView(this.bytes.buffer);
  private length = 0;
  entries = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  private part(b: Uint8Array): void {
    this.view.setUint32(this.length, b.length);
    this.bytes.set(b, this.length + 4);
    this.length += 4 + b.length;
  }

  writeEntry(stateIndex: number, key: Uint8Array, namespace: Uint8Array, value: Uint8Array): void {
    this.ensure(2 + 12 + key.length + namespace.length + value.length);
    this.view.setUint16(this.length, stateIndex);
    this.length += 2;
    this.part(key);
    this.part(namespace);
    this.part(value);
    this.entries++;
  }

  isEmpty(): boolean {
    return this.entries === 0;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** Reads the entries of a block; a truncated or corrupt block is a clear error. */
export function* readKeyGroupBlock(block: Uint8Array, where = 'key group block'): Generator<KeyGroupEntry> {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  let at = 0;
  const part = (): Uint8Array => {
    if (at + 4 > block.length) throw new Error(`Corrupt ${where}: truncated at byte ${at} of ${block.length}`);
    const n = view.getUint32(at);
    at += 4;
    if (at + n > block.length) throw new Error(`Corrupt ${where}: an entry of ${n} bytes at byte ${at} runs past the end (${block.length})`);
    const b = block.subarray(at, at + n);
    at += n;
    return b;
  };
  while (at < block.length) {
    if (at + 2 > block.length) throw new Error(`Corrupt ${where}: truncated at byte ${at} of ${block.length}`);
    const stateIndex = view.getUint16(at);
    at += 2;
    const key = part();
    const namespace = part();
    const value = part();
    yield { stateIndex, key, namespace, value };
  }
}

/** A list of byte strings as `u32 count | (u32 len | bytes)*`, the value of list-state entries. */
export function encodeByteList(items: readonly Uint8Array[]): Uint8Array {
  let size = 4;
  for (const item of items) size += 4 + item.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, items.length);
  let at = 4;
  for (const item of items) {
    view.setUint32(at, item.length);
    out.set(item, at + 4);
    at += 4 + item.length;
  }
  return out;
}

export function decodeByteList(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0);
  const out: Uint8Array[] = [];
  let at = 4;
  for (let i = 0; i < n; i++) {
    const len = view.getUint32(at);
    out.push(bytes.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/** A map-state value: `u32 len | user key | value bytes`. */
export function encodeMapEntry(userKey: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + userKey.length + value.length);
  new DataView(out.buffer).setUint32(0, userKey.length);
  out.set(userKey, 4);
  out.set(value, 4 + userKey.length);
  return out;
}

export function decodeMapEntry(bytes: Uint8Array): { userKey: Uint8Array; value: Uint8Array } {
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  return { userKey: bytes.subarray(4, 4 + n), value: bytes.subarray(4 + n) };
}
