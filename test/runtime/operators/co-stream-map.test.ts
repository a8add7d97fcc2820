/*
 * Tests of CoStreamMap: map1/map2 per input, timestamps, the combined watermark, errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkError } from '../../../src/errors.ts';
import { RichCoMapFunction } from '../../../src/api/common/rich-functions.ts';
import { CoStreamMap } from '../../../src/runtime/operators/co-stream-map.ts';
import { TwoInputOperatorTestHarness } from './harness.ts';

describe('CoStreamMap', () => {
  it('maps each input with its own method and keeps timestamps', async () => {
    const h = new TwoInputOperatorTestHarness(
      new CoStreamMap<number, string, string>({
        map1: (v) => `n${v}`,
        map2: (v) => `s${v}`,
      }),
    );
    await h.open();
    h.processElement1(1, 10);
    h.processElement2('x', 20);
    assert.deepEqual(h.getOutput(), [
      { value: 'n1', timestamp: 10 },
      { value: 'sx', timestamp: 20 },
    ]);
  });

  it('forwards the minimum of both input watermarks', async () => {
    const h = new TwoInputOperatorTestHarness(new CoStreamMap<number, number, number>({ map1: (v) => v, map2: (v) => v }));
    await h.open();
    h.processWatermark1(5);
    assert.deepEqual(h.getWatermarks(), []);
    h.processWatermark2(3);
    h.processWatermark2(8);
    assert.deepEqual(h.getWatermarks(), [3, 5]);
  });

  it('opens a rich co-map function', async () => {
    class Prefix extends RichCoMapFunction<number, number, string> {
      private p = '';
      override open(): void {
        this.p = this.getRuntimeContext().getTaskName();
      }
      map1(v: number): string {
        return `${this.p}/1/${v}`;
      }
      map2(v: number): string {
        return `${this.p}/2/${v}`;
      }
    }
    const h = new TwoInputOperatorTestHarness(new CoStreamMap(new Prefix()), { operatorName: 'cm' });
    await h.open();
    h.processElement2(4);
    assert.deepEqual(h.getValues(), ['cm/2/4']);
  });

  it('refuses a plain function, which cannot tell the inputs apart', () => {
    assert.throws(() => new CoStreamMap((() => 1) as never), /CoMapFunction must be an object with map1\(\) and map2\(\) methods/);
  });

  it('names the input in errors', async () => {
    const h = new TwoInputOperatorTestHarness(
      new CoStreamMap<number, number, number>({
        map1: (v) => v,
        map2: () => {
          throw new Error('bad 2');
        },
      }),
      { operatorName: 'Co-Map' },
    );
    await h.open();
    assert.throws(() => h.processElement2(9), (e: unknown) => FlinkError.isFlinkError(e) && /'Co-Map'.*processing record 9 of input 2: bad 2/.test(e.message));
  });
});
