/*
 * Tests of KeyGroupRange: bounds, emptiness, intersection and iteration as in Flink.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyGroupRange } from '../../../src/runtime/state/key-group-range.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';

describe('KeyGroupRange', () => {
  it('holds inclusive bounds and counts its key groups', () => {
    const r = new KeyGroupRange(3, 7);
    assert.equal(r.startKeyGroup, 3);
    assert.equal(r.endKeyGroup, 7);
    assert.equal(r.numberOfKeyGroups, 5);
    assert.deepEqual([...r], [3, 4, 5, 6, 7]);
    assert.equal(new KeyGroupRange(4, 4).numberOfKeyGroups, 1);
  });

  it('contains exactly its bounds and what lies between', () => {
    const r = KeyGroupRange.of(10, 12);
    assert.equal(r.contains(9), false);
    assert.equal(r.contains(10), true);
    assert.equal(r.contains(12), true);
    assert.equal(r.contains(13), false);
  });

  it('has an empty range with no key groups', () => {
    const e = KeyGroupRange.EMPTY;
    assert.equal(e.numberOfKeyGroups, 0);
    assert.deepEqual([...e], []);
    assert.equal(e.contains(0), false);
    assert.equal(e.contains(-1), false);
    assert.equal(KeyGroupRange.of(5, 4), KeyGroupRange.EMPTY);
  });

  it('rejects invalid bounds in the constructor', () => {
    for (const [s, e] of [[-1, 3], [5, 4], [0, -1], [1.5, 3]]) {
      assert.throws(() => new KeyGroupRange(s, e), (err: unknown) => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE);
    }
  });

  it('intersects ranges', () => {
    const a = KeyGroupRange.of(0, 10);
    assert.ok(a.getIntersection(KeyGroupRange.of(5, 20)).equals(KeyGroupRange.of(5, 10)));
    assert.ok(a.getIntersection(KeyGroupRange.of(2, 3)).equals(KeyGroupRange.of(2, 3)));
    assert.ok(a.getIntersection(KeyGroupRange.of(10, 10)).equals(KeyGroupRange.of(10, 10)));
    assert.equal(a.getIntersection(KeyGroupRange.of(11, 20)), KeyGroupRange.EMPTY);
    assert.equal(a.getIntersection(KeyGroupRange.EMPTY), KeyGroupRange.EMPTY);
  });

  it('indexes key groups and compares by bounds', () => {
    const r = KeyGroupRange.of(4, 6);
    assert.equal(r.getKeyGroupId(0), 4);
    assert.equal(r.getKeyGroupId(2), 6);
    assert.throws(() => r.getKeyGroupId(3), FlinkError);
    assert.ok(r.equals(new KeyGroupRange(4, 6)));
    assert.equal(r.equals(KeyGroupRange.of(4, 7)), false);
    assert.equal(r.equals({ startKeyGroup: 4, endKeyGroup: 6 }), false);
  });

  it('prints like Flink', () => {
    assert.equal(KeyGroupRange.of(0, 63).toString(), 'KeyGroupRange{startKeyGroup=0, endKeyGroup=63}');
    assert.equal(String(KeyGroupRange.EMPTY), 'KeyGroupRange{startKeyGroup=0, endKeyGroup=-1}');
  });
});
