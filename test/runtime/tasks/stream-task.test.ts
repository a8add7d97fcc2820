/*
 * Tests of StreamTask deployed on channels the test feeds and reads, stepped by hand: the
 * lifecycle around input (open, records, end of data, finish, end of data and of the partition
 * out, close; with checkpointing see end-of-data.test.ts), mails
 * before input, failures in open and in processing, cancellation, credit, watermarks through the
 * input valve, and two-input routing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError, KeyedProcessFunction, type CoMapFunction, type KeyedProcessFunctionContext, type SourceContext } from 'flink-ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { EndOfDataEvent, EndOfPartitionEvent, WatermarkStatus } from '../../../src/runtime/io/stream-events.ts';
import { NO_TIMESTAMP, Watermark } from '../../../src/api/common/watermark.ts';
import { TaskState } from '../../../src/runtime/tasks/task-state.ts';
import { deployTask, drainChannel, environment, lifecycle, stepUntilIdle, untilState, vertexWith, type LifecycleOptions } from './helpers.ts';

/** source -rebalance-> [A -> B] -rebalance-> sink: the middle vertex, deployed alone. */
function middleTask(log: string[], options: { a?: LifecycleOptions; b?: LifecycleOptions; producers?: number; capacity?: number; batchSize?: number; bufferTimeoutMs?: number } = {}) {
  const env = environment();
  const b = lifecycle(lifecycle(env.fromElements(0).rebalance(), 'A', log, options.a), 'B', log, options.b);
  b.rebalance().addSink(() => {});
  const vertex = vertexWith(env.getJobGraph(), 'A');
  assert.equal(vertex.name, 'A -> B');
  const deployed = deployTask(vertex, options);
  const out = [...deployed.outputs.values()][0]![0]!;
  return { ...deployed, out, input: deployed.inputs[0]! };
}

function batchOf(...values: unknown[]): RecordBatch<unknown> {
  return new RecordBatch<unknown>(values);
}

describe('StreamTask', () => {
  it('runs the lifecycle: open, records, end of data, finish, end of data and partition out, close', async () => {
    const log: string[] = [];
    const { task, input, out } = middleTask(log, { a: { emitOnFinish: 'last' } });
    assert.equal(task.name, 'A -> B (1/1)');
    assert.equal(task.getState(), TaskState.CREATED);
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    assert.deepEqual(log.splice(0), ['B.open', 'A.open']);
    input[0]!.push(batchOf(1, 2));
    input[0]!.push(EndOfDataEvent.INSTANCE);
    input[0]!.push(EndOfPartitionEvent.INSTANCE);
    stepUntilIdle(task);
    await run;
    assert.equal(task.getState(), TaskState.FINISHED);
    assert.deepEqual(log, [
      'A.record(1)',
      'B.record(1)',
      'A.record(2)',
      'B.record(2)',
      // End of data is the channel's final watermark.
      `A.watermark(${Watermark.MAX_WATERMARK.timestamp})`,
      `B.watermark(${Watermark.MAX_WATERMARK.timestamp})`,
      'A.finish',
      'B.record(last)',
      'B.finish',
      'B.close',
      'A.close',
    ]);
    // Without checkpointing there is no final checkpoint to wait for: the partition ends at once.
    assert.deepEqual(drainChannel(out), [1, 2, String(Watermark.MAX_WATERMARK), 'last', 'EndOfData', 'EndOfPartition']);
    assert.equal(task.numRecordsIn, 2);
    assert.equal(task.recordsOut(), 3);
  });

  it('waits for the end of every input channel before finishing', async () => {
    const log: string[] = [];
    const { task, input } = middleTask(log, { producers: 2 });
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    input[0]!.push(EndOfPartitionEvent.INSTANCE);
    stepUntilIdle(task);
    assert.equal(task.getState(), TaskState.RUNNING);
    input[1]!.push(batchOf('late'));
    input[1]!.push(EndOfPartitionEvent.INSTANCE);
    stepUntilIdle(task);
    await run;
    assert.ok(log.includes('A.record(late)'));
    assert.ok(log.indexOf('A.record(late)') < log.indexOf('A.finish'));
  });

  it('processes mails before input', async () => {
    const log: string[] = [];
    const { task, input } = middleTask(log);
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    log.length = 0;
    input[0]!.push(batchOf('r'));
    task.executeInMailbox(() => log.push('mail 1'), 'first');
    task.executeInMailbox(() => log.push('mail 2'), 'second');
    assert.equal(task.step(), true);
    assert.deepEqual(log.slice(0, 3), ['mail 1', 'mail 2', 'A.record(r)']);
    task.cancel();
    await run;
  });

  it('a failure in open fails the task and closes every operator', async () => {
    const log: string[] = [];
    const { task } = middleTask(log, { b: { failOpen: true } });
    await assert.rejects(task.run(), /B failed to open/);
    assert.equal(task.getState(), TaskState.FAILED);
    // B opens first (tail first) and fails, so A never opens, but both are closed; none finishes.
    assert.deepEqual(log, ['B.open', 'B.close', 'A.close']);
  });

  it('a failure while processing fails the task with a user-function error; operators close but do not finish', async () => {
    const log: string[] = [];
    const env = environment();
    const failing = env.fromElements(0).rebalance().map((v: number) => {
      if (v === 2) throw new Error('boom');
      return v;
    });
    lifecycle(failing, 'B', log).rebalance().addSink(() => {});
    const { task, inputs } = deployTask(vertexWith(env.getJobGraph(), 'Map'));
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    inputs[0]![0]!.push(batchOf(1, 2, 3));
    stepUntilIdle(task);
    const error = await run.then(
      () => assert.fail('the task should fail'),
      (e: unknown) => e,
    );
    assert.ok(FlinkError.isFlinkError(error));
    assert.equal(error.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
    assert.match(error.message, /Map/);
    assert.match(error.message, /subtask 1\/1/);
    assert.equal((error.cause as Error).message, 'boom');
    assert.equal(task.getState(), TaskState.FAILED);
    assert.strictEqual(task.getFailure(), error);
    assert.deepEqual(log, ['B.open', 'B.record(1)', 'B.close']);
  });

  it('cancel stops the task without finishing operators; run resolves and the task is CANCELED', async () => {
    const log: string[] = [];
    const { task, input } = middleTask(log);
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    input[0]!.push(batchOf(1));
    task.cancel();
    assert.equal(task.getState(), TaskState.CANCELING);
    assert.equal(task.step(), false, 'a cancelling task takes no input');
    await run;
    assert.equal(task.getState(), TaskState.CANCELED);
    assert.equal(input[0]!.hasData(), false, 'input channels are released');
    assert.deepEqual(log, ['B.open', 'A.open', 'B.close', 'A.close']);
    // Mails after the end are dropped.
    task.executeInMailbox(() => assert.fail('mail ran after cancel'), 'late');
  });

  it('takes no input while an output channel has no credit, and continues once it has', async () => {
    const log: string[] = [];
    const { task, input, out } = middleTask(log, { capacity: 1, batchSize: 1 });
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    log.length = 0;
    input[0]!.push(batchOf(1));
    input[0]!.push(batchOf(2));
    stepUntilIdle(task);
    assert.deepEqual(log, ['A.record(1)', 'B.record(1)'], 'the output is full after the first record');
    assert.equal(task.isOutputAvailable(), false);
    assert.deepEqual(drainChannel(out), [1]);
    stepUntilIdle(task);
    assert.deepEqual(log.slice(2), ['A.record(2)', 'B.record(2)']);
    task.cancel();
    await run;
  });

  it('flushes a partly filled batch when its input runs dry', async () => {
    const { task, input, out } = middleTask([], { batchSize: 100 });
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    input[0]!.push(batchOf(1, 2, 3));
    stepUntilIdle(task);
    assert.deepEqual(drainChannel(out), [1, 2, 3]);
    task.cancel();
    await run;
  });

  it('combines the watermarks of its input channels in the valve', async () => {
    const log: string[] = [];
    const { task, input, out } = middleTask(log, { producers: 2 });
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    log.length = 0;
    input[0]!.push(new Watermark(10));
    stepUntilIdle(task);
    assert.deepEqual(log, []);
    input[1]!.push(new Watermark(5));
    stepUntilIdle(task);
    assert.deepEqual(log, ['A.watermark(5)', 'B.watermark(5)']);
    input[1]!.push(WatermarkStatus.IDLE);
    stepUntilIdle(task);
    assert.deepEqual(log.slice(2), ['A.watermark(10)', 'B.watermark(10)']);
    input[0]!.push(WatermarkStatus.IDLE);
    stepUntilIdle(task);
    assert.deepEqual(drainChannel(out), ['Watermark @ 5', 'Watermark @ 10', 'WatermarkStatus(IDLE)']);
    task.cancel();
    await run;
  });

  it('routes the inputs of a two-input operator and ends after both inputs end', async () => {
    const env = environment();
    const mapper: CoMapFunction<number, string, string> = { map1: (v) => `one:${v}`, map2: (v) => `two:${v}` };
    env.fromElements(1).rebalance().connect(env.fromElements('x').rebalance()).map(mapper).rebalance().addSink(() => {});
    const vertex = vertexWith(env.getJobGraph(), 'Co-Map');
    const { task, inputs, outputs } = deployTask(vertex);
    assert.equal(inputs.length, 2);
    const out = [...outputs.values()][0]![0]!;
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    inputs[0]![0]!.push(new RecordBatch([1, 2], [10, 20]));
    inputs[1]![0]!.push(batchOf('a'));
    inputs[0]![0]!.push(EndOfPartitionEvent.INSTANCE);
    stepUntilIdle(task);
    assert.equal(task.getState(), TaskState.RUNNING, 'input 2 has not ended');
    inputs[1]![0]!.push(EndOfPartitionEvent.INSTANCE);
    stepUntilIdle(task);
    await run;
    const got = drainChannel(out);
    assert.deepEqual(got.filter((v) => typeof v === 'string' && v.includes(':')).sort(), ['one:1', 'one:2', 'two:a']);
    assert.equal(got.at(-1), 'EndOfPartition');
  });

  it('with a zero buffer timeout flushes after every step, without one only when the input runs dry', async () => {
    for (const [timeout, expected] of [[0, [1, 2, 3, 4]], [-1, []]] as const) {
      const { task, input, out } = middleTask([], { batchSize: 100, bufferTimeoutMs: timeout, capacity: 10 });
      const run = task.run();
      await untilState(task, TaskState.RUNNING);
      for (let i = 1; i <= 6; i++) input[0]!.push(batchOf(i));
      task.step(); // a step takes at most a few batches; input is left over
      assert.ok(input[0]!.hasData());
      assert.deepEqual(drainChannel(out), expected, `buffer timeout ${timeout}`);
      task.cancel();
      await run;
    }
  });

  it('a two-input task is idle only when both inputs are, and active again with either', async () => {
    const env = environment();
    env.fromElements(1).rebalance().connect(env.fromElements(2).rebalance()).map({ map1: (v: number) => v, map2: (v: number) => v }).rebalance().addSink(() => {});
    const { task, inputs, outputs } = deployTask(vertexWith(env.getJobGraph(), 'Co-Map'));
    const out = [...outputs.values()][0]![0]!;
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    inputs[0]![0]!.push(WatermarkStatus.IDLE);
    stepUntilIdle(task);
    assert.deepEqual(drainChannel(out), []);
    inputs[1]![0]!.push(WatermarkStatus.IDLE);
    stepUntilIdle(task);
    assert.deepEqual(drainChannel(out), ['WatermarkStatus(IDLE)']);
    inputs[0]![0]!.push(WatermarkStatus.ACTIVE);
    stepUntilIdle(task);
    assert.deepEqual(drainChannel(out), ['WatermarkStatus(ACTIVE)']);
    task.cancel();
    await run;
  });

  it(
    'a two-input task leaves an idle input out of its combined watermark (Flink 1.14+, FLINK-18934)',
    {},
    async () => {
      const env = environment();
      env.fromElements(1).rebalance().connect(env.fromElements(2).rebalance()).map({ map1: (v: number) => v, map2: (v: number) => v }).rebalance().addSink(() => {});
      const { task, inputs, outputs } = deployTask(vertexWith(env.getJobGraph(), 'Co-Map'));
      const out = [...outputs.values()][0]![0]!;
      const run = task.run();
      await untilState(task, TaskState.RUNNING);
      inputs[0]![0]!.push(new Watermark(10));
      inputs[1]![0]!.push(WatermarkStatus.IDLE);
      stepUntilIdle(task);
      task.cancel();
      await run;
      assert.deepEqual(drainChannel(out), ['Watermark @ 10']);
    },
  );

  it('keeps record timestamps through a non-chained edge', async () => {
    const { task, input, out } = middleTask([]);
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    input[0]!.push(new RecordBatch(['a', 'b'], [5, NO_TIMESTAMP]));
    stepUntilIdle(task);
    const batch = out.poll() as RecordBatch<string>;
    assert.deepEqual(batch.values, ['a', 'b']);
    assert.deepEqual(batch.timestamps, [5, NO_TIMESTAMP]);
    task.cancel();
    await run;
  });

  it(
    'a source function that went idle still ends event time when it finishes (Flink activates the stream before the final watermark)',
    { timeout: 30_000 },
    async () => {
      const env = environment();
      const fired: number[] = [];
      env
        .addSource({
          run(ctx: SourceContext<number>) {
            ctx.collectWithTimestamp(1, 100);
            ctx.markAsTemporarilyIdle();
          },
          cancel() {},
        })
        .keyBy((v: number) => v)
        .process(
          new (class extends KeyedProcessFunction<number, number, number> {
            processElement(_v: number, ctx: KeyedProcessFunctionContext<number>): void {
              ctx.timerService().registerEventTimeTimer(1_000);
            }
            override onTimer(timestamp: number): void {
              fired.push(timestamp);
            }
          })(),
        )
        .addSink(() => {});
      await env.execute();
      assert.deepEqual(fired, [1_000]);
    },
  );
});
