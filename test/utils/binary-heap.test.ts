/*
 * Tests of BinaryHeap: pops in priority order, ties, growth, and randomized runs compared with a
 * sorted array.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryHeap } from '../../src/utils/binary-heap.ts';

function lcg(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

describe('BinaryHeap', () => {
  it('is empty when new', () => {
    const h = new BinaryHeap<number>((x) => x);
    assert.equal(h.size, 0);
    assert.equal(h.peek(), undefined);
    assert.equal(h.pop(), undefined);
    assert.deepEqual(h.toArray(), []);
  });

  it('pops the smallest priority first', () => {
    const h = new BinaryHeap<{ t: number; name: string }>((x) => x.t);
    for (const [t, name] of [[5, 'e'], [1, 'a'], [4, 'd'], [2, 'b'], [3, 'c']] as const) h.push({ t, name });
    assert.equal(h.size, 5);
    assert.equal(h.peek()!.name, 'a');
    const names: string[] = [];
    while (h.size > 0) names.push(h.pop()!.name);
    assert.deepEqual(names, ['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps every element of equal priorities and negative or infinite priorities', () => {
    const h = new BinaryHeap<number>((x) => x);
    for (const x of [3, -1, 3, Number.NEGATIVE_INFINITY, 0, 3, Number.MAX_SAFE_INTEGER, -1]) h.push(x);
    const out: number[] = [];
    while (h.size > 0) out.push(h.pop()!);
    assert.deepEqual(out, [Number.NEGATIVE_INFINITY, -1, -1, 0, 3, 3, 3, Number.MAX_SAFE_INTEGER]);
  });

  it('toArray is a copy that does not change the heap', () => {
    const h = new BinaryHeap<number>((x) => x);
    h.push(2);
    h.push(1);
    const copy = h.toArray();
    copy.length = 0;
    assert.equal(h.size, 2);
    assert.deepEqual(h.toArray().sort(), [1, 2]);
  });

  it('matches a sorted array over random pushes and pops', () => {
    const random = lcg(7);
    const h = new BinaryHeap<number>((x) => x);
    const reference: number[] = [];
    for (let step = 0; step < 10_000; step++) {
      if (random() < 0.6 || reference.length === 0) {
        const x = Math.floor(random() * 1000) - 500;
        h.push(x);
        reference.push(x);
        reference.sort((a, b) => a - b);
      } else {
        assert.equal(h.pop(), reference.shift());
      }
      assert.equal(h.size, reference.length);
      assert.equal(h.peek(), reference[0]);
    }
    const rest: number[] = [];
    while (h.size > 0) rest.push(h.pop()!);
    assert.deepEqual(rest, reference);
  });

  it('sorts large random inputs (heap sort) like Array#sort', () => {
    const random = lcg(99);
    for (const n of [1, 2, 3, 17, 1000]) {
      const values = Array.from({ length: n }, () => random() * 1e6);
      const h = new BinaryHeap<number>((x) => x);
      for (const v of values) h.push(v);
      const out: number[] = [];
      while (h.size > 0) out.push(h.pop()!);
      assert.deepEqual(out, [...values].sort((a, b) => a - b));
    }
  });
});
