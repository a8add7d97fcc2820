/*
 * Tests of StreamMap: one output per input with the input's timestamp, every accepted function
 * form, lifecycle calls and error wrapping.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { NO_TIMESTAMP } from '../../../src/api/common/watermark.ts';
import { RichMapFunction } from '../../../src/api/common/rich-functions.ts';
import type { OpenContext } from '../../../src/api/common/runtime-context.ts';
import { StreamMap } from '../../../src/runtime/operators/stream-map.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

describe('StreamMap', () => {
  it('maps each record and keeps its timestamp', async () => {
    const h = new OneInputOperatorTestHarness(new StreamMap((x: number) => x * 2));
    await h.open();
    h.processElement(1, 10);
    h.processElement(2);
    h.processWatermark(10);
    assert.deepEqual(h.getOutput(), [
      { value: 2, timestamp: 10 },
      { value: 4, timestamp: NO_TIMESTAMP },
    ]);
    assert.deepEqual(h.getWatermarks(), [10]);
  });

  it('accepts an object with map() and calls it with its own this', async () => {
    const mapper = {
      factor: 3,
      map(x: number): number {
        return x * this.factor;
      },
    };
    const h = new OneInputOperatorTestHarness(new StreamMap(mapper));
    await h.open();
    h.processElement(2, 1);
    assert.deepEqual(h.getValues(), [6]);
  });

  it('opens and closes a rich function with the runtime context', async () => {
    const calls: string[] = [];
    class Tagger extends RichMapFunction<string, string> {
      private prefix = '';
      override open(ctx: OpenContext): void {
        calls.push('open');
        this.prefix = `${ctx.getRuntimeContext().getIndexOfThisSubtask()}:`;
        assert.equal(this.getRuntimeContext().getNumberOfParallelSubtasks(), 2);
      }
      map(v: string): string {
        return this.prefix + v;
      }
      override close(): void {
        calls.push('close');
      }
    }
    const h = new OneInputOperatorTestHarness(new StreamMap(new Tagger()), { subtaskIndex: 1, parallelism: 2 });
    await h.open();
    h.processElement('a');
    await h.close();
    assert.deepEqual(h.getValues(), ['1:a']);
    assert.deepEqual(calls, ['open', 'close']);
  });

  it('rejects something that is not a map function', () => {
    assert.throws(() => new StreamMap({} as never), TypeError);
  });

  it('wraps a failing map with operator, subtask, record and cause', async () => {
    const cause = new Error('boom');
    const h = new OneInputOperatorTestHarness(
      new StreamMap((x: { id: number }) => {
        if (x.id === 2) throw cause;
        return x.id;
      }),
      { operatorName: 'My Map', subtaskIndex: 2, parallelism: 4 },
    );
    await h.open();
    h.processElement({ id: 1 });
    assert.throws(
      () => h.processElement({ id: 2 }),
      (e: unknown) => {
        assert.ok(FlinkError.isFlinkError(e));
        assert.equal(e.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
        assert.match(e.message, /'My Map' \(subtask 3\/4\)/);
        assert.match(e.message, /processing record \{"id":2\}: boom/);
        assert.equal(e.cause, cause);
        return true;
      },
    );
  });

  it('does not wrap a downstream user error again', async () => {
    const h = new OneInputOperatorTestHarness(new StreamMap((x: number) => x));
    const downstream = new FlinkError(ErrorCodes.FLINK_TS_USER_FUNCTION, 'downstream failed');
    h.output.collect = () => {
      throw downstream;
    };
    await h.open();
    assert.throws(() => h.processElement(1), (e) => e === downstream);
  });
});
