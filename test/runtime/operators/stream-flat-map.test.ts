/*
 * Tests of StreamFlatMap: any number of outputs per input, all with the input's timestamp.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { NO_TIMESTAMP } from '../../../src/api/common/watermark.ts';
import type { Collector } from '../../../src/api/common/functions.ts';
import { StreamFlatMap } from '../../../src/runtime/operators/stream-flat-map.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

describe('StreamFlatMap', () => {
  it('emits every collected value with the timestamp of its input', async () => {
    const h = new OneInputOperatorTestHarness(
      new StreamFlatMap((line: string, out: Collector<string>) => {
        for (const word of line.split(' ')) if (word !== '') out.collect(word);
      }),
    );
    await h.open();
    h.processElement('a b', 5);
    h.processElement('', 6);
    h.processElement('c');
    assert.deepEqual(h.getOutput(), [
      { value: 'a', timestamp: 5 },
      { value: 'b', timestamp: 5 },
      { value: 'c', timestamp: NO_TIMESTAMP },
    ]);
  });

  it('accepts an object with flatMap()', async () => {
    const doubler = {
      times: 2,
      flatMap(v: number, out: Collector<number>) {
        for (let i = 0; i < this.times; i++) out.collect(v);
      },
    };
    const h = new OneInputOperatorTestHarness(new StreamFlatMap<number, number>(doubler));
    await h.open();
    h.processElement(7, 1);
    assert.deepEqual(h.getValues(), [7, 7]);
  });

  it('wraps a failing function with operator and record', async () => {
    const h = new OneInputOperatorTestHarness(
      new StreamFlatMap(() => {
        throw new TypeError('bad');
      }),
      { operatorName: 'Splitter' },
    );
    await h.open();
    assert.throws(
      () => h.processElement('x'),
      (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_USER_FUNCTION && /'Splitter'.*processing record "x": bad/.test(e.message) && e.cause instanceof TypeError,
    );
  });
});
