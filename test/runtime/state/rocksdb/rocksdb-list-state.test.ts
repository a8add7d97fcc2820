/*
 * Tests of the RocksDB ListState's byte-level append: the bytes must be exactly the snapshot
 * format's list encoding of the old elements followed by the new ones, since snapshots copy the
 * stored bytes as they are.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendToByteList } from '../../../../src/runtime/state/rocksdb/rocksdb-list-state.ts';
import { decodeByteList, encodeByteList } from '../../../../src/runtime/state/snapshot/key-group-block.ts';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('appendToByteList', () => {
  it('encodes a new list as encodeByteList does', () => {
    const items = [bytes(1), bytes(), bytes(2, 3, 4)];
    assert.deepEqual(appendToByteList(undefined, items), encodeByteList(items));
    assert.deepEqual(appendToByteList(undefined, []), encodeByteList([]));
  });

  it('appends to stored bytes without decoding them, as encodeByteList of the concatenation', () => {
    const stored = encodeByteList([bytes(9, 9), bytes(7)]);
    const appended = appendToByteList(stored, [bytes(5), bytes(6, 6, 6)]);
    assert.deepEqual(appended, encodeByteList([bytes(9, 9), bytes(7), bytes(5), bytes(6, 6, 6)]));
    assert.deepEqual(
      decodeByteList(appended).map((e) => [...e]),
      [[9, 9], [7], [5], [6, 6, 6]],
    );
    assert.deepEqual([...stored], [...encodeByteList([bytes(9, 9), bytes(7)])], 'the stored bytes are not changed');
  });

  it('keeps counts and lengths above one byte big-endian', () => {
    let list: Uint8Array | undefined;
    const elements: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const element = new Uint8Array(i === 150 ? 70_000 : 1).fill(i & 0xff);
      elements.push(element);
      list = appendToByteList(list, [element]);
    }
    assert.deepEqual(list, encodeByteList(elements));
  });
});
