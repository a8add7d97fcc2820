/*
 * Tests of the sink API: RichSinkFunction's defaults and the shapes of SinkFunction and Sink V2.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AbstractRichFunction } from '../../../src/api/common/rich-functions.ts';
import { RichSinkFunction, type Sink, type SinkContext, type SinkFunctionLike, type SinkWriter } from '../../../src/api/functions/sink-function.ts';

describe('RichSinkFunction', () => {
  it('is a rich function whose finish does nothing by default', async () => {
    const got: number[] = [];
    class Collect extends RichSinkFunction<number> {
      invoke(v: number): void {
        got.push(v);
      }
    }
    const fn = new Collect();
    assert.ok(fn instanceof AbstractRichFunction);
    fn.invoke(1);
    await fn.finish();
    assert.deepEqual(got, [1]);
  });
});

describe('sink shapes', () => {
  it('accepts sink functions as objects or plain (async) functions, and Sink V2 writers', async () => {
    const forms: SinkFunctionLike<string>[] = [{ invoke: (_v: string, _c: SinkContext) => {} }, async () => {}];
    assert.equal(forms.length, 2);
    const writer: SinkWriter<string> = { write: async () => {}, flush: () => {}, close: () => {} };
    const sink: Sink<string> = { createWriter: () => writer };
    assert.equal(await sink.createWriter({} as never), writer);
  });
});
