/*
 * End-to-end tests of DataStream's one-input operators (map, flatMap, filter, process), union and
 * executeAndCollect, each run through the real engine.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FlinkError,
  FromElementsSource,
  ProcessFunction,
  RichFlatMapFunction,
  RichFilterFunction,
  RichMapFunction,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  type Collector,
  type ProcessFunctionContext,
  type SourceContext,
  type SourceFunction,
} from 'flink-ts';
import { range, sortedNumbers } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

describe('map, flatMap, filter', () => {
  it('map applies a plain function to every record, in order at parallelism 1', async () => {
    const out = await env().fromElements(1, 2, 3, 4).map((x) => x * 10).executeAndCollect();
    assert.deepEqual(out, [10, 20, 30, 40]);
  });

  it('map accepts an object with map() and a RichMapFunction subclass', async () => {
    const e = env();
    const out = await e
      .fromElements('a', 'bb', 'ccc')
      .map({ map: (s: string) => s.length })
      .map(
        new (class extends RichMapFunction<number, string> {
          map(n: number): string {
            return `#${n}`;
          }
        })(),
      )
      .executeAndCollect();
    assert.deepEqual(out, ['#1', '#2', '#3']);
  });

  it('flatMap emits zero, one or many records per input', async () => {
    const out = await env()
      .fromElements('', 'a', 'b c d')
      .flatMap((line: string, collector: Collector<string>) => {
        for (const w of line.split(' ')) if (w !== '') collector.collect(w);
      })
      .executeAndCollect();
    assert.deepEqual(out, ['a', 'b', 'c', 'd']);
  });

  it('flatMap accepts a RichFlatMapFunction', async () => {
    class Repeat extends RichFlatMapFunction<number, number> {
      flatMap(n: number, out: Collector<number>): void {
        for (let i = 0; i < n; i++) out.collect(n);
      }
    }
    const out = await env().fromElements(1, 2, 3).flatMap(new Repeat()).executeAndCollect();
    assert.deepEqual(out, [1, 2, 2, 3, 3, 3]);
  });

  it('filter keeps exactly the records for which it returns true', async () => {
    const out = await env().fromSequence(1, 20).filter((x) => x % 3 === 0).executeAndCollect();
    assert.deepEqual(out, [3, 6, 9, 12, 15, 18]);
  });

  it('filter accepts a RichFilterFunction and an object with filter()', async () => {
    class Even extends RichFilterFunction<number> {
      filter(n: number): boolean {
        return n % 2 === 0;
      }
    }
    const out = await env()
      .fromSequence(1, 10)
      .filter(new Even())
      .filter({ filter: (n: number) => n > 4 })
      .executeAndCollect();
    assert.deepEqual(out, [6, 8, 10]);
  });

  it('a chain of operators at parallelism 4 loses and duplicates nothing', async () => {
    const out = await env(4)
      .fromSequence(1, 10_000)
      .map((x) => x * 2)
      .filter((x) => x % 3 === 0)
      .flatMap((x: number, c: Collector<number>) => {
        c.collect(x);
        c.collect(-x);
      })
      .executeAndCollect();
    const expected = range(1, 10_000)
      .map((x) => x * 2)
      .filter((x) => x % 3 === 0)
      .flatMap((x) => [x, -x]);
    assert.deepEqual(sortedNumbers(out), sortedNumbers(expected));
  });
});

describe('process', () => {
  /** A source that gives each record its own event-time timestamp. */
  function timestamped(e: StreamExecutionEnvironment, values: { v: string; ts: number }[]) {
    const strategy = WatermarkStrategy.forMonotonousTimestamps<{ v: string; ts: number }>().withTimestampAssigner((r) => r.ts);
    return e.fromSource(new FromElementsSource(values), strategy, 'Timestamped');
  }

  it('sees each record with ctx.timestamp() and stamps its output with it', async () => {
    const e = env();
    const seen: (number | null)[] = [];
    const out = await timestamped(e, [
      { v: 'a', ts: 100 },
      { v: 'b', ts: 250 },
    ])
      .process((r: { v: string; ts: number }, ctx: ProcessFunctionContext, c: Collector<string>) => {
        seen.push(ctx.timestamp());
        c.collect(`${r.v}@${ctx.timestamp()}`);
      })
      // The downstream process sees the timestamp that the first one's output carries.
      .process((s: string, ctx: ProcessFunctionContext, c: Collector<string>) => c.collect(`${s}/${ctx.timestamp()}`))
      .executeAndCollect();
    assert.deepEqual(seen, [100, 250]);
    assert.deepEqual(out, ['a@100/100', 'b@250/250']);
  });

  it('ctx.timestamp() is null for records without a timestamp', async () => {
    const out = await env()
      .fromElements('x')
      .process((s: string, ctx: ProcessFunctionContext, c: Collector<string>) => c.collect(`${s}:${ctx.timestamp()}`))
      .executeAndCollect();
    assert.deepEqual(out, ['x:null']);
  });

  it('a ProcessFunction subclass gets open/close and its runtime context', async () => {
    const calls: string[] = [];
    class Numbering extends ProcessFunction<string, string> {
      private n = 0;
      override open(): void {
        calls.push(`open ${this.getRuntimeContext().getTaskName()}`);
      }
      processElement(value: string, _ctx: ProcessFunctionContext, out: Collector<string>): void {
        out.collect(`${++this.n}:${value}`);
      }
      override close(): void {
        calls.push(`close after ${this.n}`);
      }
    }
    const out = await env().fromElements('a', 'b').process(new Numbering()).name('Numbering').executeAndCollect();
    assert.deepEqual(out, ['1:a', '2:b']);
    assert.equal(calls.length, 2);
    assert.match(calls[0]!, /^open .*Numbering/);
    assert.equal(calls[1], 'close after 2');
  });

  it('timers on a non-keyed stream fail the job: they need keys', async () => {
    const job = env()
      .fromElements(1)
      .process((_v: number, ctx: ProcessFunctionContext) => ctx.timerService().registerEventTimeTimer(10))
      .name('Timers')
      .executeAndCollect();
    await assert.rejects(job, (e: unknown) => FlinkError.isFlinkError(e) && /Timers/.test(e.message) && /keyed/.test(e.message));
  });
});

describe('union', () => {
  it('merges streams of the same type', async () => {
    const e = env();
    const a = e.fromElements(1, 2, 3);
    const b = e.fromElements(10, 20);
    const c = e.fromSequence(100, 102);
    assert.deepEqual(sortedNumbers(await a.union(b, c).executeAndCollect()), [1, 2, 3, 10, 20, 100, 101, 102]);
  });

  it('keeps the order of each input', async () => {
    const e = env();
    const a = e.fromElements(...range(1, 500));
    const b = e.fromElements(...range(1001, 1500));
    const out = await a.union(b).map((x) => x).executeAndCollect();
    assert.deepEqual(out.filter((x) => x <= 500), range(1, 500));
    assert.deepEqual(out.filter((x) => x > 1000), range(1001, 1500));
  });

  it('a stream unioned with itself carries every record twice', async () => {
    const e = env();
    const s = e.fromElements('a', 'b');
    assert.deepEqual((await s.union(s).executeAndCollect()).sort(), ['a', 'a', 'b', 'b']);
  });

  it('unions streams of different parallelism', async () => {
    const e = env(3);
    const a = e.fromSequence(1, 100);
    const b = e.fromSequence(101, 150).setParallelism(1);
    const out = await a.union(b).map((x) => x + 0).setParallelism(2).executeAndCollect();
    assert.deepEqual(sortedNumbers(out), range(1, 150));
  });
});

describe('executeAndCollect', () => {
  it('without a limit returns every record of a bounded job', async () => {
    const out = await env(4).fromSequence(1, 5000).executeAndCollect();
    assert.deepEqual(sortedNumbers(out), range(1, 5000));
  });

  it('with a limit on a bounded job returns exactly that many records', async () => {
    const out = await env().fromSequence(1, 1000).executeAndCollect({ limit: 10 });
    assert.deepEqual(out, range(1, 10));
    assert.deepEqual(await env().fromElements(7, 8, 9).executeAndCollect(2), [7, 8]);
  });

  it('with a limit on an unbounded source cancels the job and returns', { timeout: 30_000 }, async () => {
    let cancelled = 0;
    let closed = 0;
    const source: SourceFunction<number> = {
      running: true,
      async run(ctx: SourceContext<number>) {
        for (let i = 0; this.running; i++) await ctx.collectAsync(i);
      },
      cancel() {
        this.running = false;
        cancelled++;
      },
      close() {
        closed++;
      },
    } as SourceFunction<number> & { running: boolean };
    const out = await env().addSource(source, 'Endless').executeAndCollect({ limit: 25 });
    assert.deepEqual(out, range(0, 24));
    assert.equal(cancelled, 1);
    assert.equal(closed, 1);
  });

  it('with limit 0 returns nothing and still stops an unbounded job', { timeout: 30_000 }, async () => {
    let cancelled = false;
    const out = await env()
      .addSource({
        async run(ctx: SourceContext<number>) {
          while (!cancelled) await ctx.collectAsync(1);
        },
        cancel() {
          cancelled = true;
        },
      })
      .executeAndCollect({ limit: 0 });
    assert.deepEqual(out, []);
    assert.equal(cancelled, true);
  });

  it('rejects a negative or fractional limit', async () => {
    await assert.rejects(env().fromElements(1).executeAndCollect({ limit: -1 }), RangeError);
    await assert.rejects(env().fromElements(1).executeAndCollect({ limit: 1.5 }), RangeError);
  });
});
