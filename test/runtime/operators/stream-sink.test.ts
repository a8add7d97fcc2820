/*
 * Tests of StreamSink: synchronous sinks, the context, strict order of asynchronous invocations,
 * input blocking while too many wait, failures of rejected invocations, finish() and close().
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { RichSinkFunction, type SinkContext } from '../../../src/api/functions/sink-function.ts';
import type { OpenContext } from '../../../src/api/common/runtime-context.ts';
import { MAX_QUEUED_INVOCATIONS } from '../../../src/runtime/operators/serial-invoker.ts';
import { StreamSink } from '../../../src/runtime/operators/stream-sink.ts';
import { deferred, flushPromises, OneInputOperatorTestHarness, type Deferred } from './harness.ts';

/** A sink whose invocations the test settles one by one. */
function manualSink() {
  const started: number[] = [];
  const calls: Deferred[] = [];
  const sink = (value: number): Promise<void> => {
    started.push(value);
    const d = deferred();
    calls.push(d);
    return d.promise;
  };
  return { sink, started, calls };
}

describe('StreamSink', () => {
  it('invokes a synchronous sink per record with timestamp, watermark and processing time', async () => {
    const seen: unknown[] = [];
    const h = new OneInputOperatorTestHarness(
      new StreamSink<string>({
        invoke(value: string, ctx: SinkContext) {
          seen.push([value, ctx.timestamp(), ctx.currentWatermark(), ctx.currentProcessingTime()]);
        },
      }),
    );
    await h.open();
    h.setProcessingTime(50);
    h.processElement('a', 3);
    h.processWatermark(4);
    h.processElement('b');
    await h.finish();
    await h.close();
    assert.deepEqual(seen, [
      ['a', 3, Number.MIN_SAFE_INTEGER, 50],
      ['b', null, 4, 50],
    ]);
  });

  it('opens, finishes and closes a rich sink function in order', async () => {
    const calls: string[] = [];
    class Recording extends RichSinkFunction<number> {
      override open(ctx: OpenContext): void {
        calls.push(`open ${ctx.getRuntimeContext().getIndexOfThisSubtask()}`);
      }
      invoke(v: number): void {
        calls.push(`invoke ${v}`);
      }
      override async finish(): Promise<void> {
        await Promise.resolve();
        calls.push('finish');
      }
      override close(): void {
        calls.push('close');
      }
    }
    const h = new OneInputOperatorTestHarness(new StreamSink(new Recording()));
    await h.open();
    h.processElement(1);
    await h.finish();
    await h.close();
    assert.deepEqual(calls, ['open 0', 'invoke 1', 'finish', 'close']);
  });

  it('keeps asynchronous invocations strictly in order, one at a time', async () => {
    const { sink, started, calls } = manualSink();
    const timestamps: (number | null)[] = [];
    const h = new OneInputOperatorTestHarness(
      new StreamSink<number>((v: number, ctx: SinkContext) => {
        timestamps.push(ctx.timestamp());
        return sink(v);
      }),
    );
    await h.open();
    h.processElement(1, 10);
    h.processElement(2, 20);
    h.processElement(3);
    assert.deepEqual(started, [1]);
    calls[0]!.resolve();
    await flushPromises();
    assert.deepEqual(started, [1, 2]);
    h.processElement(4, 40);
    calls[1]!.resolve();
    await flushPromises();
    assert.deepEqual(started, [1, 2, 3]);
    calls[2]!.resolve();
    await flushPromises();
    calls[3]!.resolve();
    await flushPromises();
    assert.deepEqual(started, [1, 2, 3, 4]);
    assert.deepEqual(timestamps, [10, 20, null, 40]);
  });

  it('finish() waits until every pending invocation has settled, then calls finish of the function', async () => {
    const { sink, started, calls } = manualSink();
    const events: string[] = [];
    const h = new OneInputOperatorTestHarness(
      new StreamSink<number>({
        invoke: sink,
        finish() {
          events.push(`finish after ${started.length}`);
        },
      }),
    );
    await h.open();
    h.processElement(1);
    h.processElement(2);
    let finished = false;
    const finishing = h.finish().then(() => {
      finished = true;
    });
    await flushPromises();
    assert.equal(finished, false);
    calls[0]!.resolve();
    await flushPromises();
    assert.equal(finished, false);
    calls[1]!.resolve();
    await finishing;
    assert.deepEqual(events, ['finish after 2']);
  });

  it('mixes synchronous and asynchronous results without reordering', async () => {
    const order: number[] = [];
    const gate = deferred();
    const h = new OneInputOperatorTestHarness(
      new StreamSink<number>((v) => {
        order.push(v);
        if (v === 1) return gate.promise;
      }),
    );
    await h.open();
    for (let i = 1; i <= 4; i++) h.processElement(i);
    assert.deepEqual(order, [1]);
    gate.resolve();
    await h.finish();
    assert.deepEqual(order, [1, 2, 3, 4]);
  });

  it('blocks the input while the queue is full and wakes the task when it drains', async () => {
    const { sink, started, calls } = manualSink();
    const op = new StreamSink<number>(sink);
    const h = new OneInputOperatorTestHarness(op);
    await h.open();
    assert.equal(h.task.blockers.length, 1);
    h.processElement(0);
    for (let i = 1; i < MAX_QUEUED_INVOCATIONS; i++) h.processElement(i);
    assert.equal(op.queuedInvocations, MAX_QUEUED_INVOCATIONS - 1);
    assert.equal(h.task.isInputAvailable(), true);
    h.processElement(MAX_QUEUED_INVOCATIONS);
    assert.equal(op.queuedInvocations, MAX_QUEUED_INVOCATIONS);
    assert.equal(h.task.isInputAvailable(), false);
    assert.equal(h.task.wakeups, 0);
    calls[0]!.resolve();
    await flushPromises();
    assert.equal(h.task.isInputAvailable(), true);
    assert.equal(h.task.wakeups, 1);
    assert.deepEqual(started, [0, 1]);
  });

  it('fails the task when an invocation rejects and drops what was queued', async () => {
    const { sink, started, calls } = manualSink();
    const h = new OneInputOperatorTestHarness(new StreamSink<number>(sink), { operatorName: 'Sink: Db', subtaskIndex: 1, parallelism: 2 });
    await h.open();
    h.processElement(1);
    h.processElement(2);
    h.processElement(3);
    const cause = new Error('connection lost');
    calls[0]!.reject(cause);
    await flushPromises();
    assert.deepEqual(started, [1]);
    assert.equal(h.task.failures.length, 1);
    const failure = h.task.failures[0];
    assert.ok(FlinkError.isFlinkError(failure));
    assert.equal(failure.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
    assert.match(failure.message, /'Sink: Db' \(subtask 2\/2\) failed while processing record 1: connection lost/);
    assert.equal(failure.cause, cause);
    h.processElement(4);
    assert.deepEqual(started, [1]);
    await assert.rejects(h.finish(), (e) => e === failure);
    await h.close();
  });

  it('fails the task when a queued invocation throws synchronously', async () => {
    const gate = deferred();
    const h = new OneInputOperatorTestHarness(
      new StreamSink<number>((v) => {
        if (v === 1) return gate.promise;
        throw new Error(`sync ${v}`);
      }),
    );
    await h.open();
    h.processElement(1);
    h.processElement(2);
    gate.resolve();
    await flushPromises();
    assert.equal(h.task.failures.length, 1);
    assert.match((h.task.failures[0] as Error).message, /processing record 2: sync 2/);
  });

  it('throws a synchronous failure right away, wrapped', async () => {
    const h = new OneInputOperatorTestHarness(
      new StreamSink<number>(() => {
        throw new Error('nope');
      }),
      { operatorName: 'S' },
    );
    await h.open();
    assert.throws(() => h.processElement(5), /'S' \(subtask 1\/1\) failed while processing record 5: nope/);
    assert.equal(h.task.failures.length, 0);
  });

  it('after close, ignores the pending invocation and drops the queue', async () => {
    const { sink, started, calls } = manualSink();
    const h = new OneInputOperatorTestHarness(new StreamSink<number>(sink));
    await h.open();
    h.processElement(1);
    h.processElement(2);
    await h.close();
    calls[0]!.reject(new Error('late'));
    await flushPromises();
    assert.deepEqual(started, [1]);
    assert.equal(h.task.failures.length, 0);
  });

  it('wraps a failing finish and open of the function', async () => {
    const h = new OneInputOperatorTestHarness(
      new StreamSink<number>({
        invoke() {},
        finish() {
          throw new Error('flush failed');
        },
      }),
    );
    await h.open();
    await assert.rejects(h.finish(), /failed while finishing: flush failed/);
    const h2 = new OneInputOperatorTestHarness(
      new StreamSink<number>({
        invoke() {},
        open() {
          throw new Error('no connection');
        },
      }),
    );
    await assert.rejects(h2.open(), (e: unknown) => FlinkError.isFlinkError(e) && /failed while opening: no connection/.test(e.message));
  });
});
