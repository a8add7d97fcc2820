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
