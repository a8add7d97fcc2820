/*
 * Tests of StreamFilter: forwards matching records unchanged with their timestamps.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { RichFilterFunction } from '../../../src/api/common/rich-functions.ts';
import { StreamFilter } from '../../../src/runtime/operators/stream-filter.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

describe('StreamFilter', () => {
  it('keeps the records for which the predicate holds', async () => {
    const h = new OneInputOperatorTestHarness(new StreamFilter((x: number) => x % 2 === 0));
    await h.open();
    for (let i = 0; i < 5; i++) h.processElement(i, i * 10);
    assert.deepEqual(h.getOutput(), [
      { value: 0, timestamp: 0 },
      { value: 2, timestamp: 20 },
      { value: 4, timestamp: 40 },
    ]);
  });

  it('forwards the very same object', async () => {
    const record = { a: 1 };
    const h = new OneInputOperatorTestHarness(new StreamFilter(() => true));
    await h.open();
    h.processElement(record, 1);
    assert.equal(h.getValues()[0], record);
  });

  it('accepts a rich filter function', async () => {
    class Positive extends RichFilterFunction<number> {
      filter(v: number): boolean {
        return v > 0;
      }
    }
    const h = new OneInputOperatorTestHarness(new StreamFilter(new Positive()));
    await h.open();
    h.processElement(-1);
    h.processElement(1);
    assert.deepEqual(h.getValues(), [1]);
  });

  it('wraps a failing predicate', async () => {
    const h = new OneInputOperatorTestHarness(
      new StreamFilter(() => {
        throw new Error('nope');
      }),
      { operatorName: 'F' },
    );
    await h.open();
    assert.throws(
      () => h.processElement(3),
      (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_USER_FUNCTION && e.message.includes("'F' (subtask 1/1)") && e.message.includes('record 3'),
    );
  });
});
