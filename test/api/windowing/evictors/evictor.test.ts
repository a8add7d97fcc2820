/*
 * Tests of removeWhere, the in-place removal evictors use in place of Flink's iterator.remove().
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { removeWhere } from '../../../../src/api/windowing/evictors/evictor.ts';

describe('removeWhere', () => {
  it('removes matching elements in place and keeps the order of the rest', () => {
    const elements = [1, 2, 3, 4, 5, 6];
    const same = elements;
    removeWhere(elements, (x) => x % 2 === 0);
    assert.equal(elements, same);
    assert.deepEqual(elements, [1, 3, 5]);
    removeWhere(elements, () => false);
    assert.deepEqual(elements, [1, 3, 5]);
    removeWhere(elements, () => true);
    assert.deepEqual(elements, []);
  });
});
