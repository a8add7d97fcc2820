/*
 * Tests of the key -> key group -> subtask assignment. Expected values were produced by a Java 17
 * program running Flink's MathUtils.murmurHash and KeyGroupRangeAssignment arithmetic on Java hashCodes.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assignKeyToParallelOperator,
  assignToKeyGroup,
  checkParallelismPreconditions,
  computeDefaultMaxParallelism,
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  computeOperatorIndexForKeyGroup,
  DEFAULT_LOWER_BOUND_MAX_PARALLELISM,
  murmurHash,
  roundUpToPowerOfTwo,
  UPPER_BOUND_MAX_PARALLELISM,
} from '../../../src/runtime/state/key-group-range-assignment.ts';
import { hashKey } from '../../../src/runtime/state/key-hash.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';

// key, Java hashCode, murmurHash(hashCode), key group at 128, at 4096, subtask at 128 for p=1..7, at 4096 for p=1..7
const KEY_VECTORS: Array<[string | number, number, number, number, number, number[], number[]]> = [
  ['a', 97, 1455541201, 81, 3025, [0, 1, 1, 2, 3, 3, 4], [0, 1, 2, 2, 3, 4, 5]],
  ['hello', 99162322, 1715862179, 35, 2723, [0, 0, 0, 1, 1, 1, 1], [0, 1, 1, 2, 3, 3, 4]],
  ['user-42', -147182656, 1600933524, 20, 3732, [0, 0, 0, 0, 0, 0, 1], [0, 1, 2, 3, 4, 5, 6]],
  ['', 0, 593689054, 94, 2526, [0, 1, 2, 2, 3, 4, 5], [0, 1, 1, 2, 3, 3, 4]],
  ['Flink', 67968320, 688019071, 127, 1663, [0, 1, 2, 3, 4, 5, 6], [0, 0, 1, 1, 2, 2, 2]],
  ['\u00e9t\u00e9', 227742, 157703301, 5, 3205, [0, 0, 0, 0, 0, 0, 0], [0, 1, 2, 3, 3, 4, 5]],
  ['\ud83d\ude00', 1772899, 1934073014, 54, 3254, [0, 0, 1, 1, 2, 2, 2], [0, 1, 2, 3, 3, 4, 5]],
  [0, 0, 593689054, 94, 2526, [0, 1, 2, 2, 3, 4, 5], [0, 1, 1, 2, 3, 3, 4]],
  [1, 1, 68075478, 86, 4054, [0, 1, 2, 2, 3, 4, 4], [0, 1, 2, 3, 4, 5, 6]],
  [-1, -1, 1982413648, 80, 2896, [0, 1, 1, 2, 3, 3, 4], [0, 1, 2, 2, 3, 4, 4]],
  [42, 42, 1134849565, 29, 3613, [0, 0, 0, 0, 1, 1, 1], [0, 1, 2, 3, 4, 5, 6]],
  [2147483647, 2147483647, 1653689534, 62, 3262, [0, 0, 1, 1, 2, 2, 3], [0, 1, 2, 3, 3, 4, 5]],
  [-2147483648, -2147483648, 1718298732, 108, 2156, [0, 1, 2, 3, 4, 5, 5], [0, 1, 1, 2, 2, 3, 3]],
];

function isInvalidPipeline(err: unknown): boolean {
  return FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_INVALID_PIPELINE;
}

describe('murmurHash', () => {
  it('matches Flink MathUtils.murmurHash', () => {
    const vectors: Array<[number, number]> = [
      [0, 593689054], [1, 68075478], [-1, 1982413648], [2, 1085422463], [100, 616682048], [-100, 359108696],
      [123456789, 1088346449], [2147483647, 1653689534], [-2147483648, 1718298732], [2147418112, 1260750601],
    ];
    for (const [code, h] of vectors) assert.equal(murmurHash(code), h, String(code));
  });

  it('is a non-negative int for every input', () => {
    let x = 12345;
    for (let i = 0; i < 10000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      const h = murmurHash(x);
      assert.ok(h >= 0 && h === (h | 0));
    }
  });
});

describe('key group assignment', () => {
  it('matches Flink for Java-produced vectors', () => {
    for (const [key, javaHash, murmur, kg128, kg4096, ops128, ops4096] of KEY_VECTORS) {
      const label = JSON.stringify(key);
      assert.equal(hashKey(key), javaHash, label);
      assert.equal(murmurHash(javaHash), murmur, label);
      assert.equal(assignToKeyGroup(key, 128), kg128, label);
      assert.equal(assignToKeyGroup(key, 4096), kg4096, label);
      assert.equal(computeKeyGroupForKeyHash(javaHash, 128), kg128, label);
      for (let p = 1; p <= 7; p++) {
        assert.equal(assignKeyToParallelOperator(key, 128, p), ops128[p - 1], `${label} p=${p} maxP=128`);
        assert.equal(assignKeyToParallelOperator(key, 4096, p), ops4096[p - 1], `${label} p=${p} maxP=4096`);
      }
    }
    assert.equal(assignToKeyGroup(['a', 1], 128), 75);
  });

  it('rejects invalid keys', () => {
    assert.throws(() => assignKeyToParallelOperator(null, 128, 2), (err: unknown) => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_INVALID_KEY);
  });
});

describe('key group ranges', () => {
  it('match Java-produced ranges', () => {
    const ranges = (maxP: number, p: number): number[][] =>
      Array.from({ length: p }, (_, i) => {
        const r = computeKeyGroupRangeForOperatorIndex(maxP, p, i);
        return [r.startKeyGroup, r.endKeyGroup];
      });
    assert.deepEqual(ranges(10, 3), [[0, 3], [4, 6], [7, 9]]);
    assert.deepEqual(ranges(128, 3), [[0, 42], [43, 85], [86, 127]]);
    assert.deepEqual(ranges(4096, 7), [[0, 585], [586, 1170], [1171, 1755], [1756, 2340], [2341, 2925], [2926, 3510], [3511, 4095]]);
    assert.deepEqual(ranges(7, 7), [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6]]);
  });

  it('cover every key group exactly once and agree with computeOperatorIndexForKeyGroup', () => {
    for (const maxP of [1, 7, 128, 1000, 4096, UPPER_BOUND_MAX_PARALLELISM]) {
      for (const p of [1, 2, 3, 5, 7, 64, 127, 128, maxP]) {
        if (p > maxP) continue;
        const owner = new Int32Array(maxP).fill(-1);
        let sizeMin = Infinity;
        let sizeMax = 0;
        for (let i = 0; i < p; i++) {
          const r = computeKeyGroupRangeForOperatorIndex(maxP, p, i);
          sizeMin = Math.min(sizeMin, r.numberOfKeyGroups);
          sizeMax = Math.max(sizeMax, r.numberOfKeyGroups);
          for (const kg of r) {
            assert.equal(owner[kg], -1, `key group ${kg} assigned twice (maxP=${maxP}, p=${p})`);
            owner[kg] = i;
          }
        }
        assert.ok(sizeMax - sizeMin <= 1, `unbalanced ranges for maxP=${maxP}, p=${p}`);
        for (let kg = 0; kg < maxP; kg++) {
          assert.equal(computeOperatorIndexForKeyGroup(maxP, p, kg), owner[kg], `maxP=${maxP} p=${p} kg=${kg}`);
        }
      }
    }
  });

  it('check their arguments', () => {
    assert.throws(() => computeKeyGroupRangeForOperatorIndex(4, 8, 0), isInvalidPipeline);
    assert.throws(() => computeKeyGroupRangeForOperatorIndex(128, 0, 0), isInvalidPipeline);
    assert.throws(() => computeKeyGroupRangeForOperatorIndex(UPPER_BOUND_MAX_PARALLELISM + 1, 2, 0), isInvalidPipeline);
    assert.throws(() => computeKeyGroupRangeForOperatorIndex(128, 4, 4), FlinkError);
    assert.throws(() => computeKeyGroupRangeForOperatorIndex(128, 4, -1), FlinkError);
  });
});

describe('parallelism bounds', () => {
  it('computes the default max parallelism like Flink', () => {
    const vectors: Array<[number, number]> = [
      [1, 128], [2, 128], [85, 128], [86, 256], [100, 256], [128, 256], [1000, 2048], [10000, 16384],
      [21845, 32768], [21846, 32768], [32768, 32768],
    ];
    for (const [p, maxP] of vectors) assert.equal(computeDefaultMaxParallelism(p), maxP, String(p));
    assert.equal(DEFAULT_LOWER_BOUND_MAX_PARALLELISM, 128);
    assert.equal(UPPER_BOUND_MAX_PARALLELISM, 32768);
  });

  it('rounds up to powers of two', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 127, 128, 129].map(roundUpToPowerOfTwo), [1, 2, 4, 4, 8, 128, 128, 256]);
  });

  it('accepts parallelism in [1, 32768] only', () => {
    checkParallelismPreconditions(1);
    checkParallelismPreconditions(32768);
    for (const bad of [0, -1, 32769, 1.5, NaN]) {
      assert.throws(() => checkParallelismPreconditions(bad), (err: unknown) => isInvalidPipeline(err) && /not within bounds/.test((err as Error).message));
    }
    assert.throws(() => computeDefaultMaxParallelism(0), isInvalidPipeline);
  });
});
