/*
 * Tests of SinkWriterOperator (Sink V2): writer creation with its init context, ordered
 * asynchronous writes, flush(true) at end of input, close() always, and failures.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import type { Sink, SinkWriter, SinkWriterContext, WriterInitContext } from '../../../src/api/functions/sink-function.ts';
import { SinkWriterOperator } from '../../../src/runtime/operators/sink-writer-operator.ts';
import { deferred, flushPromises, OneInputOperatorTestHarness, type Deferred } from './harness.ts';

class RecordingWriter implements SinkWriter<string> {
  readonly log: string[] = [];
  readonly pending: Deferred[] = [];
  asyncWrites = false;

  write(element: string, context: SinkWriterContext): void | Promise<void> {
    this.log.push(`write ${element} ts=${context.timestamp()} wm=${context.currentWatermark()}`);
    if (this.asyncWrites) {
      const d = deferred();
      this.pending.push(d);
      return d.promise;
    }
  }
  async flush(endOfInput: boolean): Promise<void> {
    this.log.push(`flush ${endOfInput}`);
  }
  close(): void {
    this.log.push('close');
  }
}

function sinkOf(writer: SinkWriter<string>, seen?: (ctx: WriterInitContext) => void): Sink<string> {
  return {
    async createWriter(ctx) {
      seen?.(ctx);
      return writer;
    },
  };
}

describe('SinkWriterOperator', () => {
  it('creates the writer with the subtask context, writes, flushes at end of input and closes', async () => {
    const writer = new RecordingWriter();
    let init: WriterInitContext | null = null;
    const h = new OneInputOperatorTestHarness(new SinkWriterOperator(sinkOf(writer, (c) => (init = c))), { subtaskIndex: 2, parallelism: 3, attemptNumber: 1 });
    await h.open();
    const ctx = init as WriterInitContext | null;
    assert.ok(ctx);
    assert.equal(ctx.getSubtaskId(), 2);
    assert.equal(ctx.getNumberOfParallelSubtasks(), 3);
    assert.equal(ctx.getAttemptNumber(), 1);
    assert.equal(ctx.getJobInfo().jobName, 'test-job');
    assert.equal(ctx.getTaskInfo().indexOfThisSubtask, 2);
    assert.equal(ctx.getProcessingTimeService(), h.processingTimeService);
    assert.ok(ctx.metricGroup());
    h.processElement('a', 1);
    h.processWatermark(5);
    h.processElement('b');
    await h.finish();
    await h.close();
    assert.deepEqual(writer.log, [`write a ts=1 wm=${Number.MIN_SAFE_INTEGER}`, 'write b ts=null wm=5', 'flush true', 'close']);
  });

  it('keeps asynchronous writes in order and flushes only after all settled', async () => {
    const writer = new RecordingWriter();
    writer.asyncWrites = true;
    const op = new SinkWriterOperator(sinkOf(writer));
    const h = new OneInputOperatorTestHarness(op);
    await h.open();
    h.processElement('a');
    h.processElement('b');
    assert.equal(op.queuedWrites, 1);
    const finishing = h.finish();
    writer.pending[0]!.resolve();
    await flushPromises();
    assert.deepEqual(writer.log, ['write a ts=null wm=-9007199254740991', 'write b ts=null wm=-9007199254740991']);
    writer.pending[1]!.resolve();
    await finishing;
    assert.equal(writer.log.at(-1), 'flush true');
  });

  it('fails the task when a write rejects', async () => {
    const writer = new RecordingWriter();
    writer.asyncWrites = true;
    const h = new OneInputOperatorTestHarness(new SinkWriterOperator(sinkOf(writer)), { operatorName: 'Sink: Writer' });
    await h.open();
    h.processElement('x');
    writer.pending[0]!.reject(new Error('disk full'));
    await flushPromises();
    assert.equal(h.task.failures.length, 1);
    assert.match((h.task.failures[0] as Error).message, /'Sink: Writer' \(subtask 1\/1\) failed while writing record "x": disk full/);
    await assert.rejects(h.finish());
    await h.close();
    assert.equal(writer.log.at(-1), 'close');
  });

  it('registers an input blocker with the task', async () => {
    const h = new OneInputOperatorTestHarness(new SinkWriterOperator(sinkOf(new RecordingWriter())));
    await h.open();
    assert.equal(h.task.blockers.length, 1);
    assert.equal(h.task.isInputAvailable(), true);
  });

  it('wraps failures of createWriter, flush and close', async () => {
    const failing: Sink<string> = {
      createWriter() {
        throw new Error('no writer');
      },
    };
    const h1 = new OneInputOperatorTestHarness(new SinkWriterOperator(failing));
    await assert.rejects(h1.open(), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_USER_FUNCTION && /creating the sink writer: no writer/.test(e.message));
    await h1.close();

    const writer: SinkWriter<string> = {
      write() {},
      flush() {
        throw new Error('flush broke');
      },
      close() {
        throw new Error('close broke');
      },
    };
    const h2 = new OneInputOperatorTestHarness(new SinkWriterOperator(sinkOf(writer)));
    await h2.open();
    await assert.rejects(h2.finish(), /flushing at end of input: flush broke/);
    await assert.rejects(h2.close(), /closing the sink writer: close broke/);
  });

  it('refuses a sink without createWriter', () => {
    assert.throws(() => new SinkWriterOperator({} as never), TypeError);
  });
});
