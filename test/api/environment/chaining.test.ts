/*
 * Operator chaining as the public API shows it: the vertices of env.getJobGraph() for one pipeline
 * under every way of shaping chains (default, disableChaining, startNewChain, chaining off in the
 * environment or configuration, parallelism changes, keyBy), and the proof that the shape never
 * changes the results.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment, type DataStream } from 'flink-ts';

interface Keyed {
  readonly key: number;
  readonly value: number;
}

type Variant = 'default' | 'disableChaining' | 'startNewChain' | 'env.disableOperatorChaining' | 'config' | 'parallelism change';

/**
 * Source -> Map -> Filter -> keyBy -> Keyed Reduce -> Map(Format) -> Sink, shaped by `variant`.
 * The sink records into `out`.
 */
function build(variant: Variant, out: string[]): StreamExecutionEnvironment {
  const config: Record<string, unknown> = { 'parallelism.default': 2 };
  if (variant === 'config') config['pipeline.operator-chaining.enabled'] = false;
  const e = StreamExecutionEnvironment.getExecutionEnvironment(config);
  if (variant === 'env.disableOperatorChaining') e.disableOperatorChaining();
  const mapped = e
    .fromSequence(1, 2000)
    .map((n) => ({ key: n % 5, value: n * 3 }))
    .name('Triple');
  if (variant === 'parallelism change') mapped.setParallelism(3);
  const filtered: DataStream<Keyed> = mapped.filter((r) => r.value % 2 === 0).name('Even');
  if (variant === 'disableChaining') filtered.disableChaining();
  if (variant === 'startNewChain') filtered.startNewChain();
  filtered
    .keyBy((r) => r.key)
    .reduce((a, b) => ({ key: a.key, value: a.value + b.value }))
    .name('Sum')
    .map((r) => `${r.key}:${r.value}`)
    .name('Format')
    .addSink((s: string) => void out.push(s))
    .name('Out');
  return e;
}

function vertices(variant: Variant): string[] {
  return build(variant, [])
    .getJobGraph()
    .vertices.map((v) => `${v.name} [${v.parallelism}]`);
}

describe('chaining', () => {
  it('chains forward edges of equal parallelism; keyBy starts a new chain', () => {
    assert.deepEqual(vertices('default'), ['Source: Sequence Source -> Triple -> Even [2]', 'Sum -> Format -> Sink: Out [2]']);
  });

  it('disableChaining() puts the operator in a chain of its own', () => {
    assert.deepEqual(vertices('disableChaining'), ['Source: Sequence Source -> Triple [2]', 'Even [2]', 'Sum -> Format -> Sink: Out [2]']);
  });

  it('disableChaining() also keeps the next operator out of its chain', () => {
    const e = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1 });
    e.fromElements(1).map((x) => x).name('A').disableChaining().map((x) => x).name('B').addSink(() => {}).name('S');
    assert.deepEqual(
      e.getJobGraph().vertices.map((v) => v.name),
      ['Source: Collection Source', 'A', 'B -> Sink: S'],
    );
  });

  it('startNewChain() starts a chain at the operator, which the next ones may join', () => {
    assert.deepEqual(vertices('startNewChain'), ['Source: Sequence Source -> Triple [2]', 'Even [2]', 'Sum -> Format -> Sink: Out [2]']);
    const e = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1 });
    e.fromElements(1).map((x) => x).name('A').map((x) => x).name('B').startNewChain().map((x) => x).name('C').addSink(() => {}).name('S');
    assert.deepEqual(
      e.getJobGraph().vertices.map((v) => v.name),
      ['Source: Collection Source -> A', 'B -> C -> Sink: S'],
    );
  });

  it('env.disableOperatorChaining() gives every operator its own vertex', () => {
    assert.deepEqual(vertices('env.disableOperatorChaining'), ['Source: Sequence Source [2]', 'Triple [2]', 'Even [2]', 'Sum [2]', 'Format [2]', 'Sink: Out [2]']);
  });

  it("'pipeline.operator-chaining.enabled': false does the same from configuration", () => {
    assert.deepEqual(vertices('config'), vertices('env.disableOperatorChaining'));
  });

  it('a change of parallelism breaks the chain on both sides', () => {
    assert.deepEqual(vertices('parallelism change'), ['Source: Sequence Source [2]', 'Triple [3]', 'Even [2]', 'Sum -> Format -> Sink: Out [2]']);
  });

  it('edges between vertices carry the partitioner that breaks the chain', () => {
    const plan = build('parallelism change', []).getExecutionPlan();
    assert.match(plan, /\[1\] Source: Sequence Source \(parallelism 2[^\n]*\n\s+-> \[2\] REBALANCE/);
    assert.match(plan, /\[2\] Triple \(parallelism 3[^\n]*\n\s+-> \[3\] REBALANCE/);
    assert.match(plan, /\[3\] Even \(parallelism 2[^\n]*\n\s+-> \[4\] HASH/);
  });

  it('getJobGraph() does not consume the pipeline: execute() still runs it', async () => {
    const out: string[] = [];
    const e = build('default', out);
    e.getJobGraph();
    e.getJobGraph();
    await e.execute();
    assert.equal(out.length, 1000);
  });

  it('every chaining variant computes the same results', { timeout: 30_000 }, async () => {
    /** Per key: how many running sums were emitted, and the last (largest) one. */
    const summarize = (out: string[]): Record<string, [number, number]> => {
      const summary: Record<string, [number, number]> = {};
      for (const line of out) {
        const [key, sum] = line.split(':').map(Number) as [number, number];
        const [count, max] = summary[key] ?? [0, 0];
        summary[key] = [count + 1, Math.max(max, sum)];
      }
      return summary;
    };
    const expected: Record<string, [number, number]> = {};
    for (let n = 1; n <= 2000; n++) {
      if ((n * 3) % 2 !== 0) continue;
      const [count, sum] = expected[n % 5] ?? [0, 0];
      expected[n % 5] = [count + 1, sum + n * 3];
    }
    for (const variant of ['default', 'disableChaining', 'startNewChain', 'env.disableOperatorChaining', 'config', 'parallelism change'] as const) {
      const out: string[] = [];
      await build(variant, out).execute();
      assert.deepEqual(summarize(out), expected, variant);
    }
  });
});
