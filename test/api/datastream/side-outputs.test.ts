/*
 * End-to-end tests of side outputs: ctx.output(tag, value) in a process function and
 * getSideOutput(tag) downstream, chained and over the network, next to the main output.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, OutputTag, StreamExecutionEnvironment, type Collector, type ProcessFunctionContext, type SourceContext } from 'flink-ts';
import { assertFlinkError, collectingSink, range, sortedNumbers, thrown } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

const evens = new OutputTag<number>('evens');
const words = new OutputTag<string>('words');

function splitter(e: StreamExecutionEnvironment, to: number) {
  return e.fromSequence(1, to).process((n: number, ctx: ProcessFunctionContext, out: Collector<number>) => {
    if (n % 2 === 0) ctx.output(evens, n);
    else out.collect(n);
    if (n % 10 === 0) ctx.output(words, `ten ${n / 10}`);
  });
}

describe('side outputs', () => {
  it('route records to the main output and to each tag, chained at equal parallelism', async () => {
    const e = env();
    const main = splitter(e, 30);
    const evenSink = collectingSink<number>();
    const wordSink = collectingSink<string>();
    main.getSideOutput(evens).addSink(evenSink.function);
    main.getSideOutput(words).addSink(wordSink.function);
    // Source, process function and both side-output sinks run in one chained task.
    assert.equal(e.getJobGraph().vertices.length, 1);
    const mainOut = await main.executeAndCollect();
    assert.deepEqual(mainOut, range(1, 30).filter((n) => n % 2 === 1));
    assert.deepEqual(evenSink.values(), range(1, 30).filter((n) => n % 2 === 0));
    assert.deepEqual(wordSink.values(), ['ten 1', 'ten 2', 'ten 3']);
  });

  it('route over the network to consumers of another parallelism', async () => {
    const e = env(3);
    const main = splitter(e, 300);
    const evenSink = collectingSink<number>();
    main.getSideOutput(evens).map((n) => n * 10).setParallelism(2).addSink(evenSink.function).setParallelism(2);
    const wordSink = collectingSink<string>();
    main.getSideOutput(words).rebalance().addSink(wordSink.function).setParallelism(1);
    const mainOut = await main.executeAndCollect();
    assert.deepEqual(sortedNumbers(mainOut), range(1, 300).filter((n) => n % 2 === 1));
    assert.deepEqual(sortedNumbers(evenSink.values()), range(1, 300).filter((n) => n % 2 === 0).map((n) => n * 10));
    assert.equal(wordSink.values().length, 30);
    assert.deepEqual([...evenSink.bySubtask().keys()], [0, 1]);
  });

  it('a side output that nobody reads is dropped, and the main output is unaffected', async () => {
    const out = await splitter(env(2), 20).executeAndCollect();
    assert.deepEqual(sortedNumbers(out), range(1, 20).filter((n) => n % 2 === 1));
  });

  it('a side output can be keyed and reduced like any stream', async () => {
    const e = env(2);
    const main = splitter(e, 100);
    const totals = await main
      .getSideOutput(evens)
      .keyBy((n) => n % 4)
      .sum()
      .executeAndCollect();
    // Keys 0 and 2: the last running sum of each is the total of its evens.
    const sum = (k: number): number => range(1, 100).filter((n) => n % 2 === 0 && n % 4 === k).reduce((a, b) => a + b, 0);
    assert.equal(Math.max(...totals.filter((t) => t % 4 === 0)), sum(0));
    assert.ok(totals.includes(sum(0)));
    assert.equal(totals.length, 50);
  });

  it('side output records keep the timestamp of the record that produced them', async () => {
    const e = env();
    const main = e
      .addSource({
        run(ctx: SourceContext<string>) {
          ctx.collectWithTimestamp('a', 1000);
          ctx.collectWithTimestamp('b', 2000);
        },
        cancel() {},
      })
      .process((s: string, ctx: ProcessFunctionContext) => ctx.output(words, s.toUpperCase()));
    const side = collectingSink<string>();
    main.getSideOutput(words).addSink(side.function);
    await e.execute();
    assert.deepEqual(
      side.records.map((r) => [r.value, r.timestamp]),
      [
        ['A', 1000],
        ['B', 2000],
      ],
    );
  });

  it('requesting one id with two different OutputTag objects is rejected', () => {
    const main = splitter(env(), 10);
    main.getSideOutput(evens);
    assertFlinkError(
      thrown(() => main.getSideOutput(new OutputTag<number>('evens'))),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /evens/,
    );
  });
});
