/*
 * Tests of pointwise connections, against Flink's EdgeManagerBuildUtil.connectPointwise arithmetic.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { consumerInputs, pointwiseConnections } from '../../../src/runtime/partitioner/pointwise.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';

describe('pointwiseConnections', () => {
  it('connects equal parallelisms one to one', () => {
    assert.deepEqual(pointwiseConnections(3, 3), [[0], [1], [2]]);
    assert.deepEqual(consumerInputs(3, 3), [[0], [1], [2]]);
  });

  it('gives each producer a contiguous range of consumers when there are fewer producers', () => {
    assert.deepEqual(pointwiseConnections(2, 4), [[0, 1], [2, 3]]);
    assert.deepEqual(pointwiseConnections(3, 5), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(pointwiseConnections(1, 3), [[0, 1, 2]]);
    assert.deepEqual(pointwiseConnections(2, 7), [[0, 1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(consumerInputs(3, 5), [[0], [0], [1], [1], [2]]);
  });

  it('gives each consumer a contiguous range of producers when there are more producers', () => {
    assert.deepEqual(pointwiseConnections(4, 2), [[0], [0], [1], [1]]);
    assert.deepEqual(pointwiseConnections(5, 3), [[0], [1], [1], [2], [2]]);
    assert.deepEqual(consumerInputs(5, 3), [[0], [1, 2], [3, 4]]);
    assert.deepEqual(consumerInputs(7, 2), [[0, 1, 2], [3, 4, 5, 6]]);
    assert.deepEqual(consumerInputs(3, 1), [[0, 1, 2]]);
  });

  it('connects every producer and every consumer, with balanced fan-out and fan-in', () => {
    for (let p = 1; p <= 12; p++) {
      for (let c = 1; c <= 12; c++) {
        const out = pointwiseConnections(p, c);
        const inputs = consumerInputs(p, c);
        assert.equal(out.length, p);
        assert.equal(inputs.length, c);
        for (const list of out) assert.ok(list.length >= 1);
        for (const list of inputs) assert.ok(list.length >= 1);
        if (p <= c) {
          // Each consumer has exactly one producer; producers' ranges tile [0, c) in order.
          assert.deepEqual(out.flat(), Array.from({ length: c }, (_, i) => i));
          const sizes = out.map((l) => l.length);
          assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
        } else {
          assert.ok(out.every((l) => l.length === 1));
          assert.deepEqual(inputs.flat(), Array.from({ length: p }, (_, i) => i));
          const sizes = inputs.map((l) => l.length);
          assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
        }
      }
    }
  });

  it('rejects non-positive parallelism', () => {
    for (const [p, c] of [[0, 1], [1, 0], [1.5, 2], [-1, 2]]) {
      assert.throws(() => pointwiseConnections(p, c), (err: unknown) => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_INVALID_PIPELINE);
      assert.throws(() => consumerInputs(p, c), FlinkError);
    }
  });
});
