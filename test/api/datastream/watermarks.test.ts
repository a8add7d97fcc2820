/*
 * End-to-end tests of watermark propagation through the engine, as in Flink: every channel has
 * its watermark and an operator's watermark is the minimum over its active channels (and over its
 * inputs); idle channels drop out and rejoin once they have caught up; the end of input is
 * MAX_WATERMARK; parallelism > 1 on both sides; split-local watermarks at sources; idleness from
 * withIdleness at a source whose split stops producing and after assignTimestampsAndWatermarks.
 * Watermarks are watched through event-time timers (one per record, at its timestamp), logged
 * with the watermark that fired them.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  Duration,
  StreamExecutionEnvironment,
  Watermark,
  WatermarkStrategy,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type ProcessFunctionContext,
  type SourceContext,
} from 'flink-ts';
import { collectingSink, eventually, runJob } from '../../helpers.ts';
import { fired, GatedSource, MAX, timerRecorder, type Item } from '../eventtime/event-time-helpers.ts';

/** Batches of one record and frequent periodic emits, so that each step shows at once. */
function env(parallelism: number): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism, 'pipeline.batch-size': 1, 'pipeline.auto-watermark-interval': 10 });
}

/** Punctuated: every record's timestamp is a watermark of its split. */
const punctuated = (): WatermarkStrategy<Item> =>
  WatermarkStrategy.forGenerator<Item>(() => ({
    onEvent: (_e, ts, out) => out.emitWatermark(new Watermark(ts)),
    onPeriodicEmit: () => {},
  }));

async function step(log: string[], expected: string[], what: string): Promise<void> {
  await eventually(() => log.length >= expected.length, 10_000, what);
  assert.deepEqual([...log].sort(), [...expected].sort(), what);
}

describe('Watermark propagation', () => {
  for (const downstream of [1, 2]) {
    it(`an operator's watermark is the minimum over its channels (2 source subtasks, ${downstream} downstream)`, { timeout: 30_000 }, async (t: TestContext) => {
      const source = new GatedSource(['A', 'B']);
      const log: string[] = [];
      const e = env(2);
      e.fromSource(source, punctuated(), 'gated')
        .keyBy((i) => i.key)
        .process(timerRecorder<Item>(log))
        .setParallelism(downstream)
      .addSink(() => {});
      const client = await runJob(t, e);
      source.push('A', 10).push('B', 5);
      await step(log, [fired(5, 5)], 'B (5) holds the watermark below A (10)');
      source.push('B', 40);
      await step(log, [fired(5, 5), fired(10, 10)], 'now A (10) is the minimum');
      source.push('A', 30);
      await step(log, [fired(5, 5), fired(10, 10), fired(30, 30)], 'A moves to 30, B is at 40');
      source.end('A');
      await step(log, [fired(5, 5), fired(10, 10), fired(30, 30), fired(40, 40)], 'A ended (MAX): B alone decides');
      source.end('B');
      await client.getJobExecutionResult();
    });
  }

  it('idle channels drop out, come back without pulling the watermark back, and rejoin once caught up', { timeout: 30_000 }, async (t) => {
    const source = new GatedSource(['A', 'B']);
    const log: string[] = [];
    const records: number[] = [];
    const e = env(2);
    e.fromSource(source, punctuated(), 'gated').keyBy((i) => i.key).process(timerRecorder<Item>(log, records)).setParallelism(1).addSink(() => {});
    const client = await runJob(t, e);
    const arrived = (ts: number): Promise<void> => eventually(() => records.includes(ts), 10_000, `record ${ts}`);
    const expected: string[] = [];
    const expect = async (what: string, ...timers: string[]): Promise<void> => {
      expected.push(...timers);
      await step(log, expected, what);
    };
    source.push('A', 10).push('B', 5);
    await expect('both channels active', fired(5, 5));
    source.idle('B');
    await expect('B idle: A alone decides', fired(10, 10));
    source.push('A', 30);
    await expect('B still idle', fired(30, 30));
    // B comes back behind the output watermark: it is active but does not hold the watermark.
    source.push('B', 20);
    await arrived(20);
    source.push('A', 50);
    await expect('B is behind and does not count', fired(20, 50), fired(50, 50));
    // B catches up and holds the watermark again.
    source.push('B', 60);
    await arrived(60);
    source.push('A', 100);
    await expect('B (60) holds A (100)', fired(60, 60));
    source.end('B');
    await expect('B ended: A alone', fired(100, 100));
    source.end('A');
    await client.getJobExecutionResult();
    assert.deepEqual(log, [fired(5, 5), fired(10, 10), fired(30, 30), fired(20, 50), fired(50, 50), fired(60, 60), fired(100, 100)]);
  });

  it('a source reader watermark is the minimum over its splits; a finished split no longer counts', { timeout: 30_000 }, async (t) => {
    // Both splits on one subtask: the split-local outputs are combined in the reader.
    const source = new GatedSource(['A', 'B'], () => 0);
    const log: string[] = [];
    const e = env(1);
    e.fromSource(source, punctuated(), 'gated').keyBy((i) => i.key).process(timerRecorder<Item>(log)).addSink(() => {});
    const client = await runJob(t, e);
    source.push('A', 10).push('B', 5);
    await step(log, [fired(5, 5)], 'split B holds the reader');
    source.push('A', 20).push('B', 15);
    await step(log, [fired(5, 5), fired(10, 15), fired(15, 15)], 'B moved to 15');
    source.end('B');
    source.push('A', 25);
    await step(log, [fired(5, 5), fired(10, 15), fired(15, 15), fired(20, 25), fired(25, 25)], 'B finished: A alone');
    source.end('A');
    await client.getJobExecutionResult();
  });

  it('a two-input operator takes the minimum of its inputs; an ended input (MAX) no longer holds it', { timeout: 30_000 }, async (t) => {
    const x = new GatedSource(['X']);
    const y = new GatedSource(['Y']);
    const log: string[] = [];
    const e = env(1);
    const recorder = {
      processElement1: (_v: Item, ctx: KeyedProcessFunctionContext<string>) => ctx.timerService().registerEventTimeTimer(ctx.timestamp()!),
      processElement2: (_v: Item, ctx: KeyedProcessFunctionContext<string>) => ctx.timerService().registerEventTimeTimer(ctx.timestamp()!),
      onTimer: (ts: number, ctx: KeyedOnTimerContext<string>) => void log.push(fired(ts, ctx.timerService().currentWatermark())),
    };
    e.fromSource(x, punctuated(), 'x')
      .connect(e.fromSource(y, punctuated(), 'y'))
      .keyBy(
        () => 'k',
        () => 'k',
      )
      .process(recorder)
      .addSink(() => {});
    const client = await runJob(t, e);
    x.push('X', 10);
    y.push('Y', 5);
    await step(log, [fired(5, 5)], 'input 2 holds input 1');
    y.push('Y', 40);
    await step(log, [fired(5, 5), fired(10, 10)], 'input 1 is the minimum');
    x.end();
    await step(log, [fired(5, 5), fired(10, 10), fired(40, 40)], 'input 1 ended: input 2 alone');
    y.push('Y', 70).end();
    await client.getJobExecutionResult();
    assert.deepEqual(log, [fired(5, 5), fired(10, 10), fired(40, 40), fired(70, 70)]);
  });

  it('union: channels of different sources in one input, each with its own progress', { timeout: 30_000 }, async (t) => {
    const fast = new GatedSource(['F1', 'F2']);
    const slow = new GatedSource(['S']);
    const log: string[] = [];
    const e = env(2);
    e.fromSource(fast, punctuated(), 'fast')
      .union(e.fromSource(slow, punctuated(), 'slow').setParallelism(1))
      .keyBy((i) => i.key)
      .process(timerRecorder<Item>(log)).addSink(() => {});
    const client = await runJob(t, e);
    fast.push('F1', 100).push('F2', 200);
    slow.push('S', 50);
    await step(log, [fired(50, 50)], 'the slow source holds the fast one');
    slow.push('S', 150);
    await step(log, [fired(50, 50), fired(100, 100)], 'F1 is the minimum now');
    fast.end();
    await step(log, [fired(50, 50), fired(100, 100), fired(150, 150)], 'the fast source ended: the slow one decides');
    slow.end();
    await client.getJobExecutionResult();
    assert.deepEqual([...log].sort(), [fired(50, 50), fired(100, 100), fired(150, 150), fired(200, MAX)].sort(), 'the end of input is MAX_WATERMARK');
  });
});

describe('Idleness', () => {
  for (const parallelism of [1, 2]) {
    it(`withIdleness at a source: a split that stops producing stops holding the watermark (${parallelism} reader(s))`, { timeout: 30_000 }, async (t) => {
      const source = new GatedSource(['quiet', 'busy'], (i, p) => i % p);
      const log: string[] = [];
      const records: number[] = [];
      const e = env(parallelism);
      e.fromSource(source, WatermarkStrategy.forMonotonousTimestamps<Item>().withIdleness(40), 'gated')
        .keyBy((i) => i.key)
        .process(timerRecorder<Item>(log, records))
        .setParallelism(1)
      .addSink(() => {});
      const client = await runJob(t, e);
      source.push('quiet', 10);
      // The busy split keeps producing; the quiet one is silent but not finished.
      let ts = 100;
      await eventually(
        () => {
          source.push('busy', (ts += 100));
          return log.some((l) => l.startsWith('200@'));
        },
        10_000,
        'timer 200 to fire while the quiet split is open',
      );
      const timer200 = log.find((l) => l.startsWith('200@'))!;
      const watermark = Number(timer200.split('@')[1]);
      assert.ok(watermark >= 200 && timer200 !== fired(200, MAX), `fired while the quiet split is open: ${timer200}`);
      assert.ok(log.some((l) => l.startsWith('10@') && l !== fired(10, MAX)), 'the quiet split record fired too');
      // The quiet split comes back (records of an idle input are not late before they arrive).
      source.push('quiet', 1_000_000);
      await eventually(() => records.includes(1_000_000), 10_000, 'the quiet split record');
      source.end();
      await client.getJobExecutionResult();
      assert.equal(log.at(-1), fired(1_000_000, MAX), log.join(' '));
    });
  }

  it('withIdleness after assignTimestampsAndWatermarks: a subtask that gets no records does not hold the watermark', { timeout: 30_000 }, async (t) => {
    const source = new GatedSource(['A', 'B']);
    const log: string[] = [];
    const e = env(2);
    e.fromSource(source, WatermarkStrategy.noWatermarks<Item>(), 'gated')
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<Item>()
          .withTimestampAssigner((i) => i.ts)
          .withIdleness(40),
      )
      .keyBy((i) => i.key)
      .process(timerRecorder<Item>(log))
      .setParallelism(1)
      .addSink(() => {});
    const client = await runJob(t, e);
    let ts = 0;
    await eventually(
      () => {
        source.push('A', (ts += 100));
        return log.some((l) => l.startsWith('100@'));
      },
      10_000,
      'timer 100 to fire while subtask B has no records',
    );
    source.end();
    await client.getJobExecutionResult();
    assert.notEqual(log.find((l) => l.startsWith('100@')), fired(100, MAX), 'fired while B was open');
    assert.equal(log.length, ts / 100, 'every timer fired');
  });
});

describe('End of input', () => {
  it('is MAX_WATERMARK: a bounded source without watermarks fires every timer at the end', async () => {
    const log: string[] = [];
    const e = env(2);
    e.fromCollection([3, 1, 2].map((ts) => ({ key: `k${ts}`, ts })))
      .assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks<{ key: string; ts: number }>().withTimestampAssigner((i) => i.ts))
      .keyBy((i) => i.key)
      .process(timerRecorder<{ key: string; ts: number }>(log))
      .addSink(() => {});
    await e.execute();
    assert.deepEqual([...log].sort(), [fired(1, MAX), fired(2, MAX), fired(3, MAX)]);
  });
});

describe('assignTimestampsAndWatermarks', () => {
  it('is chained to the operator before it, with its parallelism', () => {
    const e = env(4);
    e.fromCollection([1, 2, 3])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => v))
      .map((v) => v)
      .addSink(() => {});
    const graph = e.getJobGraph();
    const source = graph.vertices.find((v) => v.chainedNodes.some((n) => n.name === 'Timestamps/Watermarks'))!;
    assert.deepEqual(
      source.chainedNodes.map((n) => n.name),
      ['Source: Collection Source', 'Timestamps/Watermarks'],
    );
    assert.equal(source.parallelism, 1);
  });

  it('assigns timestamps and replaces upstream watermarks with its own (punctuated here)', async () => {
    const e = env(1);
    const sink = collectingSink<string>();
    e.addSource({
      run(ctx: SourceContext<{ t: number }>) {
        for (const t of [1, 2, 3]) {
          ctx.emitWatermark(new Watermark(1000 + t));
          ctx.collectWithTimestamp({ t }, 500 + t);
        }
      },
      cancel() {},
    })
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forGenerator<{ t: number }>(() => ({ onEvent: (_e, ts, out) => out.emitWatermark(new Watermark(ts)), onPeriodicEmit: () => {} })).withTimestampAssigner(
          (e, recordTs) => e.t * 10 + (recordTs - 500),
        ),
      )
      .process((v: { t: number }, ctx: ProcessFunctionContext, out: Collector<string>) => out.collect(`${v.t} ts=${ctx.timestamp()} wm=${ctx.timerService().currentWatermark()}`))
      .addSink(sink.function);
    await e.execute();
    assert.deepEqual(sink.values(), [`1 ts=11 wm=${Number.MIN_SAFE_INTEGER}`, '2 ts=22 wm=11', '3 ts=33 wm=22']);
    assert.deepEqual(
      sink.records.map((r) => r.timestamp),
      [11, 22, 33],
    );
  });

  it('emits periodic watermarks while the job runs (pipeline.auto-watermark-interval)', { timeout: 30_000 }, async (t) => {
    const source = new GatedSource(['A']);
    const log: string[] = [];
    const e = env(1);
    e.fromSource(source, WatermarkStrategy.noWatermarks<Item>(), 'gated')
      .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Item>(Duration.ofMillis(5)).withTimestampAssigner((i) => i.ts))
      .keyBy((i) => i.key)
      .process(timerRecorder<Item>(log))
      .addSink(() => {});
    const client = await runJob(t, e);
    source.push('A', 100, 200);
    await step(log, [fired(100, 194)], 'the periodic watermark 200 - 5 - 1');
    source.end();
    await client.getJobExecutionResult();
    assert.deepEqual(log, [fired(100, 194), fired(200, MAX)]);
  });

  it('needs a WatermarkStrategy', () => {
    const stream = env(1).fromElements(1);
    assert.throws(() => stream.assignTimestampsAndWatermarks({} as never), /needs a WatermarkStrategy/);
  });
});
