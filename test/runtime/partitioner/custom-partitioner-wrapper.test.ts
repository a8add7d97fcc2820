/*
 * Tests of custom partitioning: object and function partitioners, and checks on their answers.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CustomPartitionerWrapper } from '../../../src/runtime/partitioner/custom-partitioner-wrapper.ts';
import type { Partitioner } from '../../../src/runtime/partitioner/custom-partitioner-wrapper.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';

describe('CustomPartitionerWrapper', () => {
  it('passes the key and the number of partitions to a function partitioner', () => {
    const calls: Array<[string, number]> = [];
    const p = new CustomPartitionerWrapper<{ id: string }, string>(
      (key, n) => {
        calls.push([key, n]);
        return key.length % n;
      },
      (v) => v.id,
    );
    p.setup(3);
    assert.deepEqual(['a', 'bb', 'ccc', 'dddd'].map((id) => p.selectChannel({ id })), [1, 2, 0, 1]);
    assert.deepEqual(calls[0], ['a', 3]);
  });

  it('calls an object partitioner as a method', () => {
    class Modulo implements Partitioner<number> {
      readonly offset = 1;
      partition(key: number, numPartitions: number): number {
        return (key + this.offset) % numPartitions;
      }
    }
    const p = new CustomPartitionerWrapper<number, number>(new Modulo(), (v) => v);
    p.setup(4);
    assert.deepEqual([0, 1, 2, 3].map((v) => p.selectChannel(v)), [1, 2, 3, 0]);
    const c = p.copy();
    c.setup(2);
    assert.equal(c.selectChannel(0), 1);
  });

  it('rejects partitions outside [0, numPartitions) naming the index and the count', () => {
    for (const bad of [-1, 3, 1.5, NaN, '1', undefined]) {
      const p = new CustomPartitionerWrapper<number, number>(() => bad as number, (v) => v);
      p.setup(3);
      assert.throws(
        () => p.selectChannel(7),
        (err: unknown) =>
          FlinkError.isFlinkError(err) &&
          err.code === ErrorCodes.FLINK_TS_USER_FUNCTION &&
          err.message.includes('Custom partitioner returned partition') &&
          err.message.includes('for key 7') &&
          err.message.includes('number of partitions: 3'),
        String(bad),
      );
    }
  });

  it('lets errors of user code through', () => {
    const boom = new Error('boom');
    const p = new CustomPartitionerWrapper<number, number>(() => {
      throw boom;
    }, (v) => v);
    p.setup(2);
    assert.throws(() => p.selectChannel(1), (err: unknown) => err === boom);
  });
});
