/*
 * What rich functions see of the running job, end to end: one function instance per subtask (fields
 * are never shared), the runtime context (subtask, parallelism, max parallelism, task and job info),
 * accumulators merged into the JobExecutionResult, and user metrics in JobClient.getMetrics().
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AverageAccumulator,
  DoubleCounter,
  Histogram,
  IntCounter,
  ListAccumulator,
  LongCounter,
  RichFlatMapFunction,
  RichMapFunction,
  StreamExecutionEnvironment,
  type Collector,
  type Counter,
  type OpenContext,
  type RuntimeContext,
} from 'flink-ts';
import { range, runJob, sortedNumbers } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

describe('function instances per subtask', () => {
  it('each subtask runs its own instance: identities, fields and counts are per subtask', async () => {
    let nextIdentity = 0;
    const reports: { identity: number; subtask: number; count: number; seen: number[]; self: object }[] = [];
    class Counting extends RichMapFunction<number, { subtask: number; identity: number }> {
      private identity = -1;
      private count = 0;
      // Mutated per record; a copy shared between subtasks would mix their records.
      private readonly seen: number[] = [];
      override open(): void {
        this.identity = nextIdentity++;
      }
      map(n: number): { subtask: number; identity: number } {
        this.count++;
        this.seen.push(n);
        return { subtask: this.getRuntimeContext().getIndexOfThisSubtask(), identity: this.identity };
      }
      override close(): void {
        reports.push({ identity: this.identity, subtask: this.getRuntimeContext().getIndexOfThisSubtask(), count: this.count, seen: this.seen, self: this });
      }
    }
    const out = await env(3).fromSequence(1, 3000).map(new Counting()).executeAndCollect();
    assert.equal(reports.length, 3);
    assert.deepEqual(reports.map((r) => r.identity).sort(), [0, 1, 2]);
    assert.equal(new Set(reports.map((r) => r.self)).size, 3, 'three distinct objects');
    assert.deepEqual(reports.map((r) => r.subtask).sort(), [0, 1, 2]);
    for (const r of reports) {
      const mine = out.filter((o) => o.subtask === r.subtask);
      assert.ok(mine.every((o) => o.identity === r.identity), 'one identity per subtask');
      assert.equal(r.count, mine.length);
      assert.equal(r.seen.length, r.count, `subtask ${r.subtask} saw records of another subtask`);
    }
    assert.deepEqual(sortedNumbers(reports.flatMap((r) => r.seen)), range(1, 3000));
  });

  it('per-subtask instances keep Map and nested state apart', async () => {
    class Dedup extends RichFlatMapFunction<number, number> {
      private readonly state = { seen: new Map<number, number>() };
      flatMap(n: number, out: Collector<number>): void {
        const key = n % 10;
        if (!this.state.seen.has(key)) out.collect(key);
        this.state.seen.set(key, n);
      }
    }
    // Every subtask sees every key once: with shared state, some subtask would emit nothing.
    const out = await env(1).fromSequence(0, 999).broadcast().flatMap(new Dedup()).setParallelism(4).executeAndCollect();
    assert.deepEqual(sortedNumbers(out), range(0, 9).flatMap((k) => [k, k, k, k]));
  });
});

describe('runtime context', () => {
  it('tells subtask index, parallelism, max parallelism, task and job', async () => {
    const contexts: { info: string; job: { jobId: string; jobName: string } }[] = [];
    class Describe extends RichMapFunction<number, number> {
      override open(openContext: OpenContext): void {
        const rc: RuntimeContext = openContext.getRuntimeContext();
        assert.equal(rc, this.getRuntimeContext());
        const t = rc.getTaskInfo();
        contexts.push({
          info: [
            rc.getIndexOfThisSubtask(),
            rc.getNumberOfParallelSubtasks(),
            rc.getMaxNumberOfParallelSubtasks(),
            rc.getTaskName(),
            rc.getTaskNameWithSubtasks(),
            rc.getAttemptNumber(),
            t.indexOfThisSubtask === rc.getIndexOfThisSubtask() && t.numberOfParallelSubtasks === 3,
          ].join('|'),
          job: { jobId: rc.getJobInfo().jobId, jobName: rc.getJobInfo().jobName },
        });
      }
      map(n: number): number {
        return n;
      }
    }
    const e = env(1);
    e.fromSequence(1, 10).rebalance().map(new Describe()).name('Describe').setParallelism(3).setMaxParallelism(20).addSink(() => {}).setParallelism(3).name('S');
    const result = await e.execute('Context Job');
    assert.deepEqual(contexts.map((c) => c.info).sort(), [
      '0|3|20|Describe -> Sink: S|Describe -> Sink: S (1/3)|0|true',
      '1|3|20|Describe -> Sink: S|Describe -> Sink: S (2/3)|0|true',
      '2|3|20|Describe -> Sink: S|Describe -> Sink: S (3/3)|0|true',
    ]);
    for (const c of contexts) assert.deepEqual(c.job, { jobId: result.getJobID(), jobName: 'Context Job' });
  });

  it('the max parallelism defaults as in Flink and follows pipeline.max-parallelism', async () => {
    const maxOf = async (config: Record<string, unknown>): Promise<number[]> => {
      const seen: number[] = [];
      class Max extends RichMapFunction<number, number> {
        override open(): void {
          seen.push(this.getRuntimeContext().getMaxNumberOfParallelSubtasks());
        }
        map(n: number): number {
          return n;
        }
      }
      await StreamExecutionEnvironment.getExecutionEnvironment(config).fromSequence(1, 2).map(new Max()).executeAndCollect();
      return seen;
    };
    assert.deepEqual(await maxOf({ 'parallelism.default': 2 }), [128, 128]);
    assert.deepEqual(await maxOf({ 'parallelism.default': 1, 'pipeline.max-parallelism': 64 }), [64]);
  });

  it('accumulators of all subtasks merge into the JobExecutionResult', async () => {
    class Accumulating extends RichMapFunction<number, number> {
      private records!: IntCounter;
      private readonly list = new ListAccumulator<number>();
      private readonly histogram = new Histogram();
      override open(): void {
        const rc = this.getRuntimeContext();
        this.records = rc.getIntCounter('records') as IntCounter;
        rc.addAccumulator('big', new LongCounter());
        rc.addAccumulator('half', new DoubleCounter());
        rc.addAccumulator('average', new AverageAccumulator());
        rc.addAccumulator('multiples of 100', this.list);
        rc.addAccumulator('last digit', this.histogram);
      }
      map(n: number): number {
        const rc = this.getRuntimeContext();
        this.records.add(1);
        rc.getAccumulator<number, number>('big')!.add(n * 1_000_000);
        rc.getAccumulator<number, number>('half')!.add(n / 2);
        rc.getAccumulator<number, number>('average')!.add(n);
        if (n % 100 === 0) this.list.add(n);
        this.histogram.add(n % 10);
        return n;
      }
    }
    const e = env(3);
    e.fromSequence(1, 1000).map(new Accumulating()).addSink(() => {});
    const result = await e.execute();
    assert.equal(result.getAccumulatorResult('records'), 1000);
    assert.equal(result.getAccumulatorResult('big'), 500_500 * 1_000_000);
    assert.equal(result.getAccumulatorResult('half'), 500_500 / 2);
    assert.equal(result.getAccumulatorResult('average'), 500.5);
    assert.deepEqual(sortedNumbers(result.getAccumulatorResult<number[]>('multiples of 100')!), range(1, 10).map((i) => i * 100));
    const histogram = result.getAccumulatorResult<Map<number, number>>('last digit')!;
    assert.deepEqual([...histogram.entries()].sort((a, b) => a[0] - b[0]), range(0, 9).map((d) => [d, 100]));
    assert.equal(result.getAccumulatorResult('missing'), undefined);
    assert.equal(result.getAllAccumulatorResults()['records'], 1000);
  });

  it('user metrics show in client.getMetrics() under the vertex name, summed over subtasks', async (t) => {
    class Metered extends RichMapFunction<number, number> {
      private counter!: Counter;
      override open(): void {
        const group = this.getRuntimeContext().getMetricGroup();
        this.counter = group.counter('evens');
        group.gauge('constant', () => 7);
      }
      map(n: number): number {
        if (n % 2 === 0) this.counter.inc();
        return n;
      }
    }
    const e = env(2);
    e.fromSequence(1, 500).map(new Metered()).name('Metered').addSink(() => {}).name('S');
    const client = await runJob(t, e);
    await client.getJobExecutionResult();
    const metrics = await client.getMetrics();
    const vertex = metrics['Source: Sequence Source -> Metered -> Sink: S'];
    assert.ok(vertex !== undefined, `vertices: ${Object.keys(metrics).join(', ')}`);
    assert.equal(vertex.parallelism, 2);
    assert.equal(vertex.userMetrics['Metered.evens'], 250);
    assert.equal(vertex.userMetrics['Metered.constant'], 14, 'numeric gauges are summed over the two subtasks');
  });
});
