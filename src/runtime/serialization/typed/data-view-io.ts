/*
 * The byte buffers typed serializers write to and read from. The output grows as needed and is
 * reused between values; the input checks every read against the end of the data, so corrupt or
 * truncated state fails with an error instead of yielding garbage. Numbers are big-endian; lengths
 * and small integers are LEB128 varints (zigzag for signed ones).
 */
import { Buffer } from 'node:buffer';
import { ErrorCodes, FlinkError } from '../../../errors.ts';

// Leading U+FEFF is data, not a byte-order mark; invalid UTF-8 can only come from corruption.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
// Strings up to this many UTF-16 units have at most 126 UTF-8 bytes: a one-byte length.
const ONE_BYTE_LENGTH_CHARS = 42;
const SHORT_ASCII_READ = 16;

export function corruptData(message: string, position: number, cause?: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Corrupt serialized data: ${message} at byte ${position}`, cause === undefined ? {} : { cause });
}

export class DataOutputView {
  bytes: Uint8Array;
  /** The same memory as `bytes`: Buffer.write is the fastest UTF-8 encoder in Node. */
  buffer: Buffer;
  view: DataView;
  pos = 0;

  constructor(initialSize = 256) {
    this.bytes = new Uint8Array(initialSize);
    this.buffer = Buffer.from(this.bytes.buffer, 0, initialSize);
    this.view = new DataView(this.bytes.buffer);
  }

  ensure(n: number): void {
    if (this.pos + n > this.bytes.length) this.grow(this.pos + n);
  }

  private grow(needed: number): void {
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    this.replace(size, true);
  }

  /** Drops a buffer that one large value blew up, so that it is not held for the process lifetime. */
  shrinkTo(size: number): void {
    if (this.bytes.length > size) this.replace(size, false);
  }

  private replace(size: number, keep: boolean): void {
    const next = new Uint8Array(size);
    if (keep) next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.buffer = Buffer.from(next.buffer, 0, size);
    this.view = new DataView(next.buffer);
  }

  writeByte(b: number): void {
    if (this.pos >= this.bytes.length) this.grow(this.pos + 1);
    this.bytes[this.pos++] = b;
  }

  /** Unsigned integer below 2^32. */
  writeVarUint(n: number): void {
    this.ensure(5);
    const bytes = this.bytes;
    let pos = this.pos;
    while (n > 0x7f) {
      bytes[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    bytes[pos++] = n;
    this.pos = pos;
  }

  /** Signed 32-bit integer, zigzag encoded so that small negative numbers stay small. */
  writeVarInt(n: number): void {
    this.writeVarUint(((n << 1) ^ (n >> 31)) >>> 0);
  }

  writeFloat64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  /** Varint byte length, then UTF-8. */
  writeString(s: string): void {
    const n = s.length;
    if (n <= ONE_BYTE_LENGTH_CHARS) {
      this.ensure(1 + n * 3);
      const bytes = this.bytes;
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[start + i] = c;
      }
      const length = i === n ? n : this.buffer.write(s, start);
      bytes[this.pos] = length;
      this.pos = start + length;
      return;
    }
    // Reserve the varint for the largest possible length, encode once, then write the real
    // length padded to that width (a valid, still deterministic LEB128 encoding).
    const max = n * 3;
    const width = varUintSize(max);
    this.ensure(width + max);
    const length = this.buffer.write(s, this.pos + width);
    const bytes = this.bytes;
    let pos = this.pos;
    for (let j = 0; j < width; j++) bytes[pos++] = ((length >>> (7 * j)) & 0x7f) | (j < width - 1 ? 0x80 : 0);
    this.pos = pos + length;
  }

  writeRaw(b: Uint8Array): void {
    this.ensure(b.length);
    this.bytes.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of what was written: the buffer itself is reused for the next value. */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}

export function varUintSize(n: number): number {
  let size = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

// Reading float64 through a scratch array: creating a DataView per value costs more than the copy.
const scratchFloat = new Float64Array(1);
const scratchBytes = new Uint8Array(scratchFloat.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

export class DataInputView {
  readonly bytes: Uint8Array;
  readonly end: number;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.end = bytes.length;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  readByte(): number {
    if (this.pos >= this.end) throw corruptData('unexpected end of data', this.pos);
    return this.bytes[this.pos++];
  }

  readVarUint(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    if (pos < this.end && bytes[pos] < 0x80) {
      this.pos = pos + 1;
      return bytes[pos];
    }
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= this.end) throw corruptData('unexpected end of data in a varint', pos);
      const b = bytes[pos++];
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        this.pos = pos;
        if (result > 0xffffffff) throw corruptData('varint out of range', pos);
        return result;
      }
    }
    throw corruptData('varint longer than 5 bytes', pos);
  }

  readVarInt(): number {
    const z = this.readVarUint();
    return (z >>> 1) ^ -(z & 1);
  }

  readFloat64(): number {
    const pos = this.pos;
    if (pos + 8 > this.end) throw corruptData('unexpected end of data in a float64', pos);
    const b = this.bytes;
    const s = scratchBytes;
    if (LITTLE_ENDIAN) {
      s[0] = b[pos + 7]; s[1] = b[pos + 6]; s[2] = b[pos + 5]; s[3] = b[pos + 4];
      s[4] = b[pos + 3]; s[5] = b[pos + 2]; s[6] = b[pos + 1]; s[7] = b[pos];
    } else {
      for (let i = 0; i < 8; i++) s[i] = b[pos + i];
    }
    this.pos = pos + 8;
    return scratchFloat[0];
  }

  readString(): string {
    const length = this.readVarUint();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) throw corruptData(`string of ${length} bytes runs past the end of the data`, start);
    this.pos = end;
    if (length <= SHORT_ASCII_READ) {
      const s = shortAscii(this.bytes, start, end);
      if (s !== undefined) return s;
    }
    try {
      return utf8.decode(this.bytes.subarray(start, end));
    } catch (error) {
      throw corruptData('invalid UTF-8 in a string', start, error);
    }
  }

  /** A view of the next n bytes (not a copy). */
  readRaw(n: number): Uint8Array {
    if (this.pos + n > this.end) throw corruptData(`${n} bytes run past the end of the data`, this.pos);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Short ASCII strings decode faster in JS than through TextDecoder; undefined if not ASCII. */
function shortAscii(b: Uint8Array, start: number, end: number): string | undefined {
  let s = '';
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const c0 = b[i], c1 = b[i + 1], c2 = b[i + 2], c3 = b[i + 3];
    if (((c0 | c1 | c2 | c3) & 0x80) !== 0) return undefined;
    s += String.fromCharCode(c0, c1, c2, c3);
  }
  for (; i < end; i++) {
    const c = b[i];
    if (c >= 0x80) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}
