/*
 * The life of a job, end to end: bounded jobs end when all their sources end; an unbounded job
 * runs until JobClient.cancel() stops it (sources cancelled, every operator closed, the result
 * rejected as cancelled); slow asynchronous sinks and bursty synchronous sources still deliver
 * everything in order; and nothing outlives a job in the process.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCodes,
  JobStatus,
  RichMapFunction,
  RichSinkFunction,
  StreamExecutionEnvironment,
  type Collector,
  type KeyedProcessFunctionContext,
  type SourceContext,
  type SourceFunction,
} from 'flink-ts';
import { assertFlinkError, collectingSink, eventually, range, rejection, runJob, runScript, sortedNumbers, withTimeout } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

/** An unbounded source that emits 0, 1, 2, ... until cancelled, and logs its lifecycle. */
function endlessSource(calls: string[]): SourceFunction<number> {
  let running = true;
  return {
    async run(ctx: SourceContext<number>) {
      for (let i = 0; running; i++) await ctx.collectAsync(i);
    },
    cancel() {
      running = false;
      calls.push('source cancel');
    },
    close() {
      calls.push('source close');
    },
  };
}

describe('bounded jobs', () => {
  it('end when all sources have ended, also with sources of very different lengths in a union', { timeout: 30_000 }, async () => {
    const e = env(2);
    const long = e.fromSequence(1, 200_000);
    const short = e.fromElements(-1);
    const late = e.addSource({
      async run(ctx: SourceContext<number>) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        ctx.collect(-2);
      },
      cancel() {},
    });
    let count = 0;
    let sum = 0;
    long
      .union(short, late)
      .map((x) => x)
      .addSink((x: number) => {
        count++;
        sum += x;
      });
    const result = await e.execute();
    assert.equal(count, 200_002);
    assert.equal(sum, (200_000 * 200_001) / 2 - 3);
    assert.ok(result.getNetRuntime() >= 30);
  });

  it('a fast source and a slow asynchronous sink deliver every record, in order per subtask', { timeout: 30_000 }, async () => {
    const received = new Map<number, number[]>();
    class SlowSink extends RichSinkFunction<number> {
      private mine: number[] = [];
      override open(): void {
        received.set(this.getRuntimeContext().getIndexOfThisSubtask(), (this.mine = []));
      }
      // Every record completes a macrotask later, so the sink always lags behind its source.
      invoke(n: number): Promise<void> {
        return new Promise((resolve) =>
          setImmediate(() => {
            this.mine.push(n);
            resolve();
          }),
        );
      }
    }
    const e = env(1);
    e.fromSequence(1, 20_000).rebalance().addSink(new SlowSink()).setParallelism(3);
    await e.execute();
    assert.deepEqual([...received.keys()].sort(), [0, 1, 2]);
    for (const [subtask, values] of received) {
      assert.ok(
        values.every((v, i) => i === 0 || v > values[i - 1]!),
        `subtask ${subtask} received out of order`,
      );
    }
    assert.deepEqual(sortedNumbers([...received.values()].flat()), range(1, 20_000));
  });

  it('a source emitting 1e6 records in a tight synchronous loop into keyBy + reduce completes correctly', { timeout: 60_000 }, async () => {
    const n = 1_000_000;
    const keys = 16;
    const last = new Map<number, number>();
    let outputs = 0;
    const e = env(2);
    e.addSource({
      run(ctx: SourceContext<{ k: number; v: number }>) {
        for (let i = 0; i < n; i++) ctx.collect({ k: i % keys, v: i });
      },
      cancel() {},
    })
      .keyBy((r) => r.k)
      .reduce((a, b) => ({ k: a.k, v: a.v + b.v }))
      .addSink((r: { k: number; v: number }) => {
        outputs++;
        last.set(r.k, r.v);
      });
    await e.execute();
    assert.equal(outputs, n);
    for (let k = 0; k < keys; k++) {
      const count = n / keys;
      // Sum of k, k + 16, ..., k + 16 * (count - 1).
      assert.equal(last.get(k), k * count + (keys * count * (count - 1)) / 2, `key ${k}`);
    }
  });
});

describe('unbounded jobs', () => {
  it('run until cancelled: RUNNING, records flowing, then cancel() stops and closes everything', { timeout: 30_000 }, async (t) => {
    const calls: string[] = [];
    const sink = collectingSink<number>();
    const e = env(2);
    e.addSource(endlessSource(calls), 'Endless')
      .map(
        new (class extends RichMapFunction<number, number> {
          map(n: number): number {
            return n;
          }
          override close(): void {
            calls.push('map close');
          }
        })(),
      )
      .name('Identity')
      .addSink(sink.function)
      .name('Out');
    const client = await runJob(t, e, 'Endless Job');
    await eventually(async () => (await client.getJobStatus()) === JobStatus.RUNNING, 10_000, 'status RUNNING');
    const recordsOut = async (): Promise<number> => (await client.getMetrics())['Source: Endless']!.numRecordsOut;
    await eventually(async () => (await recordsOut()) > 0, 10_000, 'first records out');
    const first = await recordsOut();
    await eventually(async () => (await recordsOut()) > first, 10_000, 'more records out');
    assert.equal(sink.lifecycle.opened, 2);

    await client.cancel();
    assert.equal(await client.getJobStatus(), JobStatus.CANCELED);
    assertFlinkError(await rejection(client.getJobExecutionResult()), ErrorCodes.FLINK_TS_JOB_CANCELLED, /Endless Job/);
    assert.deepEqual(calls.sort(), ['map close', 'map close', 'source cancel', 'source close']);
    assert.equal(sink.lifecycle.closed, 2);
    // finish() belongs to the end of input, which a cancelled job never reaches.
    assert.equal(sink.lifecycle.finished, 0);
    const count = sink.records.length;
    assert.ok(count > 0);
    // Nothing runs after cancel() has resolved.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sink.records.length, count);
    // In order: the one source subtask's numbers, spread round-robin over the two sink subtasks.
    for (const values of sink.bySubtask().values()) assert.ok(values.every((v, i) => i === 0 || v > values[i - 1]!));
  });

  it('cancel() on a finished job does nothing and keeps its result', async (t) => {
    const e = env();
    e.fromElements(1).addSink(() => {});
    const client = await runJob(t, e);
    const result = await client.getJobExecutionResult();
    await client.cancel();
    assert.equal(await client.getJobStatus(), JobStatus.FINISHED);
    assert.equal((await client.getJobExecutionResult()).getJobID(), result.getJobID());
  });

  it(
    'records of a source that goes quiet reach downstream within the buffer timeout',
    { timeout: 10_000 },
    async (t) => {
      let arrived!: () => void;
      const allArrived = new Promise<void>((resolve) => (arrived = resolve));
      const got: string[] = [];
      let stop = (): void => {};
      const e = env();
      e.addSource({
        async run(ctx: SourceContext<string>) {
          ctx.collect('a');
          ctx.collect('b');
          await new Promise<void>((resolve) => (stop = resolve));
        },
        cancel: () => stop(),
      })
        .keyBy((s) => s)
        .process<string>((s: string, _ctx: KeyedProcessFunctionContext<string>, out: Collector<string>) => out.collect(s))
        .addSink((s: string) => {
          got.push(s);
          if (got.length === 2) arrived();
        });
      await runJob(t, e);
      // execution.buffer-timeout is 100 ms by default.
      await withTimeout(allArrived, 1_000, 'the two records');
      assert.deepEqual(got.sort(), ['a', 'b']);
    },
  );
});

describe('process hygiene', () => {
  it('failed, cancelled and finished jobs leave nothing that keeps the process alive', { timeout: 30_000 }, async (t) => {
    const result = await runScript(
      t,
      `
      import { StreamExecutionEnvironment } from 'flink-ts';
      const env = () => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
      const outcomes = [];
      const settle = async (name, promise) => {
        try { await promise; outcomes.push(name + ': finished'); } catch (e) { outcomes.push(name + ': ' + e.code); }
      };

      let e = env();
      e.fromSequence(1, 1000).map((n) => { if (n === 700) throw new Error('boom'); return n; }).addSink(() => {});
      await settle('throwing map', e.execute());

      e = env();
      e.addSource({ run(ctx) { ctx.collect(1); throw new Error('source broke'); }, cancel() {} }).addSink(() => {});
      await settle('throwing source', e.execute());

      e = env();
      let stop = () => {};
      e.addSource({
        async run(ctx) { for (let i = 0; i < 5000; i++) await ctx.collectAsync(i); await new Promise((r) => (stop = r)); },
        cancel() { stop(); },
      }).map((n) => { if (n === 4000) throw new Error('late failure'); return n; }).disableChaining().addSink(() => {});
      await settle('unbounded source, failing map', e.execute());

      e = env();
      e.fromElements('a', 'b').keyBy((s) => s).process({
        processElement(s, ctx) { ctx.timerService().registerProcessingTimeTimer(Date.now() + 60_000); if (s === 'b') throw new Error('after timer'); },
      }).addSink(() => {});
      await settle('pending timer, failure', e.execute());

      e = env();
      e.fromElements('a', 'b').keyBy((s) => s).process({
        processElement(s, ctx, out) { ctx.timerService().registerProcessingTimeTimer(Date.now() + 60_000); out.collect(s); },
      }).addSink(() => {});
      await settle('pending timer, success', e.execute());

      e = env();
      let running = true;
      e.addSource({ async run(ctx) { while (running) await ctx.collectAsync(1); }, cancel() { running = false; } }).addSink(() => {});
      const client = await e.executeAsync();
      await new Promise((r) => setTimeout(r, 50));
      await client.cancel();
      await settle('cancelled', client.getJobExecutionResult());

      console.log(JSON.stringify(outcomes));
      // No process.exit(): the process must end because nothing is left to run.
      `,
      20_000,
    );
    assert.equal(result.code, 0, `the process did not exit on its own (${Math.round(result.durationMs)} ms): ${result.stderr}`);
    assert.deepEqual(JSON.parse(result.stdout.trim().split('\n').at(-1)!), [
      'throwing map: FLINK_TS_USER_FUNCTION',
      'throwing source: FLINK_TS_USER_FUNCTION',
      'unbounded source, failing map: FLINK_TS_USER_FUNCTION',
      'pending timer, failure: FLINK_TS_USER_FUNCTION',
      'pending timer, success: finished',
      'cancelled: FLINK_TS_JOB_CANCELLED',
    ]);
    assert.ok(result.durationMs < 15_000);
  });
});
