/*
 * Tests of StreamGroupedReduceOperator: per-key running reduce, first value emitted as is,
 * timestamps kept, errors wrapped.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { RichReduceFunction } from '../../../src/api/common/rich-functions.ts';
import { REDUCE_STATE_NAME, StreamGroupedReduceOperator } from '../../../src/runtime/operators/stream-grouped-reduce-operator.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

type Pair = [string, number];

describe('StreamGroupedReduceOperator', () => {
  it('emits the first value of a key as is and then each reduced value', async () => {
    const calls: [Pair, Pair][] = [];
    const op = new StreamGroupedReduceOperator<Pair>(
      (a, b) => {
        calls.push([a, b]);
        return [a[0], a[1] + b[1]];
      },
      (p) => p[0],
    );
    const h = new OneInputOperatorTestHarness(op, { keyed: true });
    await h.open();
    const first: Pair = ['a', 1];
    h.processElement(first, 1);
    h.processElement(['b', 10], 2);
    h.processElement(['a', 2], 3);
    h.processElement(['a', 3], 4);
    h.processElement(['b', 20], 5);
    assert.equal(h.getValues()[0], first);
    assert.deepEqual(h.getOutput(), [
      { value: ['a', 1], timestamp: 1 },
      { value: ['b', 10], timestamp: 2 },
      { value: ['a', 3], timestamp: 3 },
      { value: ['a', 6], timestamp: 4 },
      { value: ['b', 30], timestamp: 5 },
    ]);
    assert.deepEqual(calls[0], [['a', 1], ['a', 2]]);
    assert.deepEqual([...h.keyedStateBackend!.getKeys(REDUCE_STATE_NAME)].sort(), ['a', 'b']);
  });

  it('accepts a rich reduce function with a getKey key selector', async () => {
    class Max extends RichReduceFunction<number> {
      reduce(a: number, b: number): number {
        return Math.max(a, b);
      }
    }
    const op = new StreamGroupedReduceOperator<number>(new Max(), { getKey: (v: number) => v % 2 });
    const h = new OneInputOperatorTestHarness(op, { keyed: true });
    await h.open();
    for (const v of [3, 4, 1, 8, 5]) h.processElement(v);
    assert.deepEqual(h.getValues(), [3, 4, 3, 8, 5]);
  });

  it('wraps a failing reduce with operator and record', async () => {
    const op = new StreamGroupedReduceOperator<number>(
      () => {
        throw new Error('cannot');
      },
      () => 'k',
    );
    const h = new OneInputOperatorTestHarness(op, { keyed: true, operatorName: 'Keyed Reduce' });
    await h.open();
    h.processElement(1);
    assert.throws(
      () => h.processElement(2),
      (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_USER_FUNCTION && /'Keyed Reduce'.*processing record 2: cannot/.test(e.message),
    );
  });

  it('fails with FLINK_TS_INVALID_KEY for a NaN key', async () => {
    const op = new StreamGroupedReduceOperator<number>((a) => a, () => Number.NaN);
    const h = new OneInputOperatorTestHarness(op, { keyed: true, operatorName: 'R' });
    await h.open();
    assert.throws(() => h.processElement(1), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_INVALID_KEY && /'R' \(subtask 1\/1\)/.test(e.message));
  });

  it('needs a keyed state backend', async () => {
    const h = new OneInputOperatorTestHarness(new StreamGroupedReduceOperator<number>((a) => a, (v) => v));
    await assert.rejects(h.open(), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE);
  });
});
