/*
 * Tests of LocalJob through env.executeAsync(): status transitions for finished, failed and
 * cancelled jobs, per-vertex metrics keyed by vertex name with correct record totals, user
 * metrics, and accumulators merged over subtasks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCodes,
  FlinkError,
  IntCounter,
  JobStatus,
  ListAccumulator,
  RichMapFunction,
  RichSinkFunction,
  StreamExecutionEnvironment,
  type SourceContext,
  type SourceFunction,
} from 'flink-ts';

function env(parallelism = 1): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });
}

/** A source that emits until cancelled, yielding between records. */
function endlessSource(started?: () => void): SourceFunction<number> {
  let running = true;
  return {
    async run(ctx: SourceContext<number>) {
      started?.();
      for (let i = 0; running; i++) await ctx.collectAsync(i);
    },
    cancel() {
      running = false;
    },
  };
}

describe('LocalJob', () => {
  it('goes from RUNNING to FINISHED for a bounded job and reports its id and name', { timeout: 30_000 }, async () => {
    const e = env();
    e.fromSequence(1, 10).addSink(() => {});
    const client = await e.executeAsync('bounded job');
    assert.ok(([JobStatus.INITIALIZING, JobStatus.RUNNING] as string[]).includes(await client.getJobStatus()));
    const result = await client.getJobExecutionResult();
    assert.equal(await client.getJobStatus(), JobStatus.FINISHED);
    assert.equal(result.getJobID(), client.getJobID());
    assert.equal(client.getJobName(), 'bounded job');
    assert.ok(result.getNetRuntime() >= 0);
    assert.match(client.getJobPlan(), /Sequence Source/);
  });

  it('fails the job with the task error and cancels the other tasks', { timeout: 30_000 }, async () => {
    const e = env();
    e.addSource(endlessSource()).addSink(() => {});
    e.fromElements(1, 2, 3)
      .map((v: number) => {
        if (v === 2) throw new Error('bad record');
        return v;
      })
      .addSink(() => {});
    const client = await e.executeAsync();
    const error = await client.getJobExecutionResult().then(
      () => assert.fail('the job should fail'),
      (err: unknown) => err,
    );
    assert.ok(FlinkError.isFlinkError(error));
    assert.equal(error.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
    assert.equal((error.cause as Error).message, 'bad record');
    assert.equal(await client.getJobStatus(), JobStatus.FAILED);
    const metrics = await client.getMetrics();
    for (const vertex of Object.values(metrics)) {
      for (const s of vertex.subtasks) assert.ok(['FAILED', 'CANCELED', 'FINISHED'].includes(s.state), s.state);
    }
  });

  it('goes through CANCELLING to CANCELED on cancel, and the result rejects as cancelled', { timeout: 30_000 }, async () => {
    const e = env();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    e.addSource(endlessSource(started)).addSink(() => {});
    const client = await e.executeAsync();
    await running;
    assert.equal(await client.getJobStatus(), JobStatus.RUNNING);
    const cancelled = client.cancel();
    assert.equal(await client.getJobStatus(), JobStatus.CANCELLING);
    await cancelled;
    assert.equal(await client.getJobStatus(), JobStatus.CANCELED);
    await assert.rejects(client.getJobExecutionResult(), (err: unknown) => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_JOB_CANCELLED);
    await client.cancel();
    assert.equal(await client.getJobStatus(), JobStatus.CANCELED);
  });

  it('reports metrics per vertex name with record totals after a bounded job', { timeout: 30_000 }, async () => {
    const e = env(2);
    e.fromSequence(1, 1000)
      .map((v: number) => v * 2)
      .rebalance()
      .filter((v: number) => v % 4 === 0)
      .setParallelism(3)
      .addSink(() => {})
      .setParallelism(3);
    const client = await e.executeAsync();
    await client.getJobExecutionResult();
    const metrics = await client.getMetrics();
    assert.deepEqual(Object.keys(metrics).sort(), ['Filter -> Sink: Unnamed', 'Source: Sequence Source -> Map']);
    const source = metrics['Source: Sequence Source -> Map']!;
    const sink = metrics['Filter -> Sink: Unnamed']!;
    assert.equal(source.parallelism, 2);
    assert.equal(source.numRecordsOut, 1000);
    assert.equal(source.numRecordsIn, 1000, 'a source vertex counts what it emits as its input');
    assert.equal(sink.parallelism, 3);
    assert.equal(sink.numRecordsIn, 1000);
    assert.equal(sink.numRecordsOut, 0);
    assert.equal(sink.subtasks.length, 3);
    assert.equal(sink.subtasks.reduce((n, s) => n + s.numRecordsIn, 0), 1000);
    for (const s of [...source.subtasks, ...sink.subtasks]) assert.equal(s.state, 'FINISHED');
    assert.ok(source.outPoolUsage >= 0 && source.outPoolUsage <= 1);
    assert.ok(sink.inPoolUsage >= 0 && sink.inPoolUsage <= 1);
    assert.notEqual(source.vertexId, sink.vertexId);
  });

  it('sums user metrics of an operator over its subtasks', { timeout: 30_000 }, async () => {
    const e = env(2);
    e.fromSequence(1, 50)
      .map(
        new (class extends RichMapFunction<number, number> {
          private seen: { inc(n?: number): void } | undefined;
          override open(): void {
            this.seen = this.getRuntimeContext().getMetricGroup().counter('seen');
          }
          map(v: number): number {
            this.seen!.inc();
            return v;
          }
        })(),
      )
      .addSink(() => {});
    const client = await e.executeAsync();
    await client.getJobExecutionResult();
    const metrics = await client.getMetrics();
    assert.equal(metrics['Source: Sequence Source -> Map -> Sink: Unnamed']!.userMetrics['Map.seen'], 50);
  });

  it('merges the accumulators of all subtasks into the result', { timeout: 30_000 }, async () => {
    const e = env(3);
    e.fromSequence(1, 30)
      .map(
        new (class extends RichMapFunction<number, number> {
          override open(): void {
            const ctx = this.getRuntimeContext();
            ctx.addAccumulator('subtasks', new ListAccumulator<number>());
            ctx.getAccumulator<number, number[]>('subtasks')!.add(ctx.getIndexOfThisSubtask());
          }
          map(v: number): number {
            const ctx = this.getRuntimeContext();
            ctx.getIntCounter('count').add(1);
            ctx.getHistogram('parity').add(v % 2);
            return v;
          }
        })(),
      )
      .addSink(() => {});
    const result = await e.execute();
    assert.equal(result.getAccumulatorResult<number>('count'), 30);
    assert.deepEqual([...result.getAccumulatorResult<number[]>('subtasks')!].sort(), [0, 1, 2]);
    assert.deepEqual(new Map([...result.getAccumulatorResult<Map<number, number>>('parity')!].sort()), new Map([[0, 15], [1, 15]]));
    assert.equal(result.getAccumulatorResult('missing'), undefined);
    const all = result.getAllAccumulatorResults();
    assert.deepEqual(Object.keys(all).sort(), ['count', 'parity', 'subtasks']);
  });

  it('does not let merging change a subtask accumulator', { timeout: 30_000 }, async () => {
    const e = env(2);
    const perSubtask: IntCounter[] = [];
    e.fromSequence(1, 10)
      .map(
        new (class extends RichMapFunction<number, number> {
          override open(): void {
            const c = new IntCounter();
            perSubtask.push(c);
            this.getRuntimeContext().addAccumulator('n', c);
          }
          map(v: number): number {
            (this.getRuntimeContext().getAccumulator<number, number>('n') as IntCounter).add(1);
            return v;
          }
        })(),
      )
      .addSink(() => {});
    const result = await e.execute();
    assert.equal(result.getAccumulatorResult('n'), 10);
    assert.equal(perSubtask.length, 2);
    assert.equal(perSubtask.reduce((n, c) => n + c.getLocalValue(), 0), 10);
    assert.ok(perSubtask.every((c) => c.getLocalValue() < 10));
  });

  it('wires a rescale edge pointwise: each producer feeds its own consumers only', { timeout: 30_000 }, async () => {
    const e = env(2);
    const pairs: [number, number][] = [];
    e.fromSequence(1, 200)
      .map(
        new (class extends RichMapFunction<number, number> {
          map(): number {
            return this.getRuntimeContext().getIndexOfThisSubtask();
          }
        })(),
      )
      .rescale()
      .addSink(
        new (class extends RichSinkFunction<number> {
          invoke(producer: number): void {
            pairs.push([producer, this.getRuntimeContext().getIndexOfThisSubtask()]);
          }
        })(),
      )
      .setParallelism(4);
    await e.execute();
    assert.equal(pairs.length, 200);
    const links = new Set(pairs.map(([p, c]) => `${p}->${c}`));
    assert.deepEqual([...links].sort(), ['0->0', '0->1', '1->2', '1->3']);
  });

  it('runs to completion with a single buffer per channel and one record per batch', { timeout: 30_000 }, async () => {
    const e = StreamExecutionEnvironment.getExecutionEnvironment({
      'parallelism.default': 2,
      'taskmanager.network.memory.buffers-per-channel': 1,
      'taskmanager.network.memory.floating-buffers-per-gate': 0,
      'pipeline.batch-size': 1,
    });
    let sum = 0;
    e.fromSequence(1, 2_000)
      .rebalance()
      .map((v: number) => v)
      .setParallelism(3)
      .keyBy((v: number) => v % 7)
      .addSink((v: number) => {
        sum += v;
      });
    const client = await e.executeAsync();
    await client.getJobExecutionResult();
    assert.equal(sum, (2_000 * 2_001) / 2);
    for (const vertex of Object.values(await client.getMetrics())) {
      assert.ok(vertex.inPoolUsage <= 1 && vertex.outPoolUsage <= 1);
    }
  });

  it('refuses to run without network buffers instead of hanging', async () => {
    const e = StreamExecutionEnvironment.getExecutionEnvironment({
      'taskmanager.network.memory.buffers-per-channel': 0,
      'taskmanager.network.memory.floating-buffers-per-gate': 0,
    });
    e.fromSequence(1, 10).rebalance().addSink(() => {});
    await assert.rejects(e.execute(), (err: unknown) => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_CONFIGURATION && /buffers-per-channel/.test(err.message));
  });
});

describe('LocalJob busy, idle and back-pressured time', () => {
  function spin(us: number): void {
    const end = performance.now() + us / 1000;
    while (performance.now() < end);
  }

  /** The figures of a running job over a window of about 600 ms after it warmed up, then cancels it. */
  async function window(e: StreamExecutionEnvironment): Promise<Awaited<ReturnType<Awaited<ReturnType<StreamExecutionEnvironment['executeAsync']>>['getMetrics']>>> {
    const client = await e.executeAsync();
    try {
      await new Promise((r) => setTimeout(r, 300));
      await client.getMetrics();
      await new Promise((r) => setTimeout(r, 600));
      return await client.getMetrics();
    } finally {
      await client.cancel();
    }
  }

  function assertShares(metrics: Record<string, { subtasks: readonly { busyTimeMsPerSecond: number; idleTimeMsPerSecond: number; backPressuredTimeMsPerSecond: number }[] }>): void {
    for (const [name, vertex] of Object.entries(metrics)) {
      for (const s of vertex.subtasks) {
        for (const v of [s.busyTimeMsPerSecond, s.idleTimeMsPerSecond, s.backPressuredTimeMsPerSecond]) assert.ok(v >= 0 && v <= 1000, `${name}: ${v}`);
        assert.ok(Math.abs(s.busyTimeMsPerSecond + s.idleTimeMsPerSecond + s.backPressuredTimeMsPerSecond - 1000) < 1, name);
      }
    }
  }

  it('reports a fast source before a slow sink as back-pressured and the sink as busy', { timeout: 30_000 }, async () => {
    const e = env(1);
    e.fromSequence(1, Number.MAX_SAFE_INTEGER)
      .rebalance()
      .addSink(() => spin(20));
    const metrics = await window(e);
    assertShares(metrics);
    const source = metrics['Source: Sequence Source']!;
    const sink = metrics['Sink: Unnamed']!;
    assert.equal(source.backPressureLevel, 'high');
    assert.ok(source.backPressuredTimeMsPerSecond > 800, `source back-pressured ${source.backPressuredTimeMsPerSecond}`);
    assert.equal(source.subtasks[0]!.backPressureLevel, 'high');
    assert.ok(sink.busyTimeMsPerSecond > 800, `sink busy ${sink.busyTimeMsPerSecond}`);
    assert.equal(sink.backPressureLevel, 'ok');
  });

  it('reports the same for a SourceFunction that emits with collectAsync', { timeout: 30_000 }, async () => {
    const e = env(1);
    e.addSource(endlessSource())
      .rebalance()
      .addSink(() => spin(20));
    const metrics = await window(e);
    assertShares(metrics);
    assert.equal(metrics['Source: Custom Source']!.backPressureLevel, 'high');
    assert.ok(metrics['Sink: Unnamed']!.busyTimeMsPerSecond > 800);
  });

  it('reports ok for a job whose sink keeps up', { timeout: 30_000 }, async () => {
    const chained = env(1);
    chained
      .fromSequence(1, Number.MAX_SAFE_INTEGER)
      .map((v: number) => v + 1)
      .addSink(() => {});
    const one = (await window(chained))['Source: Sequence Source -> Map -> Sink: Unnamed']!;
    assert.equal(one.backPressureLevel, 'ok');
    assert.equal(one.backPressuredTimeMsPerSecond, 0, 'a vertex without outputs is never back-pressured');
    assert.ok(one.busyTimeMsPerSecond > 800, `busy ${one.busyTimeMsPerSecond}`);

    // Behind an exchange, a sink faster than its source waits for input: idle, and nobody is back-pressured.
    const throttled = env(1);
    throttled
      .fromSequence(1, Number.MAX_SAFE_INTEGER)
      .map((v: number) => {
        spin(20);
        return v;
      })
      .rebalance()
      .addSink(() => {});
    const metrics = await window(throttled);
    assertShares(metrics);
    for (const vertex of Object.values(metrics)) assert.equal(vertex.backPressureLevel, 'ok');
    assert.ok(metrics['Sink: Unnamed']!.idleTimeMsPerSecond > 500, `sink idle ${metrics['Sink: Unnamed']!.idleTimeMsPerSecond}`);
  });
});
