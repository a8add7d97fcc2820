/*
 * Tests of CoStreamFlatMap: flatMap1/flatMap2 per input, outputs stamped with their input's timestamp.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkError } from '../../../src/errors.ts';
import { NO_TIMESTAMP } from '../../../src/api/common/watermark.ts';
import type { Collector } from '../../../src/api/common/functions.ts';
import { CoStreamFlatMap } from '../../../src/runtime/operators/co-stream-flat-map.ts';
import { TwoInputOperatorTestHarness } from './harness.ts';

describe('CoStreamFlatMap', () => {
  it('emits what each method collects with the timestamp of its record', async () => {
    const h = new TwoInputOperatorTestHarness(
      new CoStreamFlatMap<number, string, string>({
        flatMap1(v: number, out: Collector<string>) {
          for (let i = 0; i < v; i++) out.collect(`1:${i}`);
        },
        flatMap2(v: string, out: Collector<string>) {
          out.collect(`2:${v}`);
        },
      }),
    );
    await h.open();
    h.processElement1(2, 7);
    h.processElement2('z');
    h.processElement1(0, 8);
    assert.deepEqual(h.getOutput(), [
      { value: '1:0', timestamp: 7 },
      { value: '1:1', timestamp: 7 },
      { value: '2:z', timestamp: NO_TIMESTAMP },
    ]);
  });

  it('wraps a failing method, naming the input', async () => {
    const h = new TwoInputOperatorTestHarness(
      new CoStreamFlatMap<number, number, number>({
        flatMap1() {
          throw new Error('one');
        },
        flatMap2() {},
      }),
    );
    await h.open();
    assert.throws(() => h.processElement1(1), (e: unknown) => FlinkError.isFlinkError(e) && /record 1 of input 1: one/.test(e.message));
  });

  it('refuses an object without both methods', () => {
    assert.throws(() => new CoStreamFlatMap({ flatMap1() {} } as never), TypeError);
  });
});
