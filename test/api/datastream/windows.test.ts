/*
 * End-to-end tests of the windowing API: KeyedStream.window() and DataStream.windowAll() with
 * reduce, aggregate, process, apply and the field aggregations, late data through
 * getSideOutput, the non-parallel windowAll operator, processing-time windows on the task's
 * clock, pipeline errors, and the EventTimeWindowAssigner convenience.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CountTrigger,
  ErrorCodes,
  EventTimeSessionWindows,
  EventTimeTrigger,
  EventTimeWindowAssigner,
  GlobalWindows,
  OutputTag,
  ProcessAllWindowFunction,
  ProcessWindowFunction,
  RichReduceFunction,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TimeWindow,
  Trigger,
  TriggerResult,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  ValueStateDescriptor,
  Watermark,
  type Collector,
  type ProcessAllWindowFunctionContext,
  type ProcessWindowFunctionContext,
  type SourceContext,
  type ValueState,
} from 'flink-ts';
import { assertFlinkError, collectingSink, thrown } from '../../helpers.ts';

interface Reading {
  readonly sensor: string;
  readonly value: number;
  readonly ts: number;
}

const readings: Reading[] = [
  { sensor: 'a', value: 1, ts: 100 },
  { sensor: 'b', value: 10, ts: 200 },
  { sensor: 'a', value: 2, ts: 900 },
  { sensor: 'a', value: 4, ts: 1100 },
  { sensor: 'b', value: 20, ts: 1500 },
  { sensor: 'a', value: 8, ts: 2500 },
];

/** A source of readings with their timestamps and a watermark after each. */
function readingsSource(items: readonly (Reading | number)[] = readings) {
  return {
    run(ctx: SourceContext<Reading>) {
      for (const item of items) {
        if (typeof item === 'number') ctx.emitWatermark(new Watermark(item));
        else ctx.collectWithTimestamp(item, item.ts);
      }
    },
    cancel() {},
  };
}

function env(parallelism = 2) {
  return StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });
}

describe('KeyedStream.window()', () => {
  it('reduces each key and window incrementally; results carry the window end as timestamp', async () => {
    const sink = collectingSink<Reading>();
    const e = env();
    e.addSource(readingsSource())
      .keyBy((r) => r.sensor)
      .window(TumblingEventTimeWindows.of(1000))
      .reduce((x, y) => ({ sensor: x.sensor, value: x.value + y.value, ts: Math.max(x.ts, y.ts) }))
      .addSink(sink.function);
    await e.execute();
    const got = sink.records.map((r) => `${r.value.sensor}=${r.value.value}@${r.timestamp}`).sort();
    assert.deepEqual(got, ['a=3@999', 'a=4@1999', 'a=8@2999', 'b=10@999', 'b=20@1999']);
  });

  it('aggregates with an AggregateFunction and a ProcessWindowFunction that sees the window', async () => {
    class Average extends ProcessWindowFunction<number, string, string, TimeWindow> {
      process(key: string, ctx: ProcessWindowFunctionContext<TimeWindow>, averages: Iterable<number>, out: Collector<string>): void {
        out.collect(`${key}[${ctx.window().start},${ctx.window().end})=${[...averages][0]}`);
      }
    }
    const out = await env(3)
      .addSource(readingsSource())
      .keyBy((r) => r.sensor)
      .window(SlidingEventTimeWindows.of(2000, 1000))
      .aggregate(
        {
          createAccumulator: () => ({ sum: 0, n: 0 }),
          add: (r: Reading, acc: { sum: number; n: number }) => ({ sum: acc.sum + r.value, n: acc.n + 1 }),
          getResult: (acc: { sum: number; n: number }) => acc.sum / acc.n,
          merge: (x: { sum: number; n: number }, y: { sum: number; n: number }) => ({ sum: x.sum + y.sum, n: x.n + y.n }),
        },
        new Average(),
      )
      .executeAndCollect();
    assert.deepEqual(out.sort(), ['a[-1000,1000)=1.5', 'a[0,2000)=2.3333333333333335', 'a[1000,3000)=6', 'a[2000,4000)=8', 'b[-1000,1000)=10', 'b[0,2000)=15', 'b[1000,3000)=20']);
  });

  it('applies a WindowFunction and the field aggregations', async () => {
    const e = env();
    const keyed = e.addSource(readingsSource()).keyBy((r) => r.sensor);
    const counts = keyed.window(TumblingEventTimeWindows.of(3000)).apply((key: string, window: TimeWindow, input: Iterable<Reading>, out: Collector<string>) => {
      out.collect(`${key}:${[...input].length}@${window.maxTimestamp()}`);
    });
    const maxima = keyed.window(TumblingEventTimeWindows.of(3000)).maxBy('value').map((r) => `max ${r.sensor}=${r.value}`);
    const sink = collectingSink<string>();
    counts.union(maxima).addSink(sink.function);
    await e.execute();
    assert.deepEqual(sink.values().sort(), ['a:4@2999', 'b:2@2999', 'max a=8', 'max b=20']);
  });

  it('sends late elements to the side output the window stream gives back', async () => {
    const late = new OutputTag<Reading>('late-readings');
    const e = env();
    const windowed = e
      .addSource(readingsSource([{ sensor: 'a', value: 1, ts: 100 }, 1500, { sensor: 'a', value: 2, ts: 200 }, { sensor: 'a', value: 4, ts: 1200 }]))
      .keyBy((r) => r.sensor)
      .window(TumblingEventTimeWindows.of(1000))
      .sideOutputLateData(late)
      .reduce((x, y) => ({ ...x, value: x.value + y.value }));
    const sink = collectingSink<string>();
    windowed
      .map((r) => `on time ${r.value}`)
      .union(windowed.getSideOutput(late).map((r) => `late ${r.value}@${r.ts}`))
      .addSink(sink.function);
    await e.execute();
    assert.deepEqual(sink.values().sort(), ['late 2@200', 'on time 1', 'on time 4']);
  });

  it('keeps per-window and per-key state for a ProcessWindowFunction with allowed lateness', async () => {
    class Firings extends ProcessWindowFunction<Reading, string, string, TimeWindow> {
      process(key: string, ctx: ProcessWindowFunctionContext<TimeWindow>, elements: Iterable<Reading>, out: Collector<string>): void {
        const fired = ctx.windowState().getState(new ValueStateDescriptor<number>('fired', 0));
        const all: ValueState<number> = ctx.globalState().getState(new ValueStateDescriptor<number>('all', 0));
        fired.update(fired.value()! + 1);
        all.update(all.value()! + 1);
        out.collect(`${key}@${ctx.window().start}: ${[...elements].length} elements, firing ${fired.value()} of the window, ${all.value()} of the key`);
      }
    }
    const out = await env(1)
      .addSource(readingsSource([{ sensor: 'a', value: 1, ts: 100 }, 1000, { sensor: 'a', value: 2, ts: 200 }, { sensor: 'a', value: 3, ts: 1100 }, 3000]))
      .keyBy((r) => r.sensor)
      .window(TumblingEventTimeWindows.of(1000))
      .allowedLateness(500)
      .process(new Firings())
      .executeAndCollect();
    assert.deepEqual(out, [
      'a@0: 1 elements, firing 1 of the window, 1 of the key',
      'a@0: 2 elements, firing 2 of the window, 2 of the key',
      'a@1000: 1 elements, firing 1 of the window, 3 of the key',
    ]);
  });

  it('merges session windows per key', async () => {
    const out = await env()
      .addSource(readingsSource())
      .keyBy((r) => r.sensor)
      .window(EventTimeSessionWindows.withGap(500))
      .process({
        process(key: string, ctx: ProcessWindowFunctionContext<TimeWindow>, elements: Iterable<Reading>, out: Collector<string>) {
          out.collect(`${key}:${ctx.window().start}-${ctx.window().end}:${[...elements].map((r) => r.value).join('+')}`);
        },
      })
      .executeAndCollect();
    // a@900 [900, 1400) does not reach a@100's [100, 600); a@1100 extends it to [900, 1600).
    assert.deepEqual(out.sort(), ['a:100-600:1', 'a:2500-3000:8', 'a:900-1600:2+4', 'b:1500-2000:20', 'b:200-700:10']);
  });

  it('uses a custom trigger and keeps the trigger contract for merging assigners', async () => {
    class EveryElement extends Trigger<unknown, TimeWindow> {
      onElement(): TriggerResult {
        return TriggerResult.FIRE;
      }
      onEventTime(): TriggerResult {
        return TriggerResult.CONTINUE;
      }
      onProcessingTime(): TriggerResult {
        return TriggerResult.CONTINUE;
      }
      clear(): void {}
    }
    const keyed = env().addSource(readingsSource()).keyBy((r) => r.sensor);
    assertFlinkError(
      thrown(() => keyed.window(EventTimeSessionWindows.withGap(10)).trigger(new EveryElement())),
      ErrorCodes.FLINK_TS_UNSUPPORTED,
      /merging window assigner cannot be used with a trigger that does not support merging/,
    );
    const out = await keyed
      .window(TumblingEventTimeWindows.of(1000))
      .trigger(new EveryElement())
      .reduce((x, y) => ({ ...x, value: x.value + y.value }))
      .map((r) => `${r.sensor}=${r.value}`)
      .executeAndCollect();
    assert.deepEqual(out.sort(), ['a=1', 'a=3', 'a=4', 'a=8', 'b=10', 'b=20']);
  });

  it('rejects rich reduce functions and negative lateness when the pipeline is built', () => {
    const windowed = env()
      .addSource(readingsSource())
      .keyBy((r) => r.sensor)
      .window(TumblingEventTimeWindows.of(1000));
    class Rich extends RichReduceFunction<Reading> {
      reduce(x: Reading): Reading {
        return x;
      }
    }
    assertFlinkError(thrown(() => windowed.reduce(new Rich())), ErrorCodes.FLINK_TS_UNSUPPORTED, /can not be a RichFunction/);
    assertFlinkError(thrown(() => windowed.allowedLateness(-1)), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /cannot be negative/);
  });

  it('names the operator after the assigner, as Flink', () => {
    const e = env();
    const counted = e
      .addSource(readingsSource())
      .keyBy((r) => r.sensor)
      .window(TumblingEventTimeWindows.of(1000))
      .trigger(EventTimeTrigger.create())
      .aggregate({ createAccumulator: () => 0, add: (_r: Reading, n: number) => n + 1, getResult: (n: number) => n, merge: (x: number, y: number) => x + y });
    counted.print();
    assert.equal(counted.getName(), 'TumblingEventTimeWindows');
    assert.match(e.getExecutionPlan(), /TumblingEventTimeWindows/);
  });
});

describe('DataStream.windowAll()', () => {
  it('windows the whole stream in one non-parallel operator', async () => {
    const e = env(3);
    const all = e
      .addSource(readingsSource())
      .windowAll(TumblingEventTimeWindows.of(2000))
      .process(
        new (class extends ProcessAllWindowFunction<Reading, string, TimeWindow> {
          process(ctx: ProcessAllWindowFunctionContext<TimeWindow>, elements: Iterable<Reading>, out: Collector<string>): void {
            out.collect(`${ctx.window().start}: ${[...elements].map((r) => r.sensor + r.value).sort().join(' ')} (subtask ${this.getRuntimeContext().getIndexOfThisSubtask()}/${this.getRuntimeContext().getNumberOfParallelSubtasks()})`);
          }
        })(),
      );
    assert.equal(all.getParallelism(), 1);
    assertFlinkError(thrown(() => all.setParallelism(2)), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /non parallel/);
    const out = await all.executeAndCollect();
    assert.deepEqual(out.sort(), ['0: a1 a2 a4 b10 b20 (subtask 0/1)', '2000: a8 (subtask 0/1)']);
  });

  it('reduces, aggregates and counts with GlobalWindows and a CountTrigger', async () => {
    const e = env(2);
    const source = e.addSource(readingsSource());
    const sums = source
      .windowAll(GlobalWindows.create())
      .trigger(CountTrigger.of(2))
      .reduce((x, y) => ({ ...x, value: x.value + y.value }))
      .map((r) => `sum ${r.value}`);
    const counts = source
      .windowAll(TumblingEventTimeWindows.of(10_000))
      .aggregate({ createAccumulator: () => 0, add: (_r: Reading, n: number) => n + 1, getResult: (n: number) => n, merge: (x: number, y: number) => x + y }, (window: TimeWindow, values: Iterable<number>, out: Collector<string>) => {
        out.collect(`count ${[...values][0]} in ${window.start}`);
      });
    const sink = collectingSink<string>();
    sums.union(counts).addSink(sink.function);
    await e.execute();
    // Every second element fires the global window with everything so far: 1+10, +2+4, +20+8.
    assert.deepEqual(sink.values().sort(), ['count 6 in 0', 'sum 11', 'sum 17', 'sum 45']);
  });
});

describe('Processing-time windows in a job', () => {
  it('fire on the task clock while the job runs', { timeout: 30_000 }, async () => {
    let resolveFired!: () => void;
    const fired = new Promise<void>((resolve) => (resolveFired = resolve));
    const results: number[] = [];
    const e = env(1);
    e.addSource({
      async run(ctx: SourceContext<number>) {
        for (let i = 0; i < 5; i++) ctx.collect(1);
        // The job ends once the window has fired; processing-time windows do not fire at end of input.
        await fired;
      },
      cancel() {},
    })
      .windowAll(TumblingProcessingTimeWindows.of(20))
      .reduce((x, y) => x + y)
      .addSink({
        invoke(value: number) {
          results.push(value);
          if (results.reduce((x, y) => x + y, 0) === 5) resolveFired();
        },
      });
    await e.execute();
    assert.equal(results.reduce((x, y) => x + y, 0), 5);
  });
});

describe('EventTimeWindowAssigner', () => {
  it('calls back with each completed window of each key and emits the windows', async () => {
    const completed: string[] = [];
    const e = env(2);
    const keyed = e.addSource(readingsSource()).keyBy((r) => r.sensor);
    const windows = new EventTimeWindowAssigner<Reading>(1000).onWindowComplete((start, elements) => completed.push(`${start}:${elements.map((r) => r.sensor + r.value).join(',')}`)).assign(keyed);
    const out = await windows.map((w) => `${String(w.key)}[${w.windowStart},${w.windowEnd})=${w.elements.length}`).executeAndCollect();
    assert.deepEqual(completed.sort(), ['0:a1,a2', '0:b10', '1000:a4', '1000:b20', '2000:a8']);
    assert.deepEqual(out.sort(), ['a[0,1000)=2', 'a[1000,2000)=1', 'a[2000,3000)=1', 'b[0,1000)=1', 'b[1000,2000)=1']);
  });

  it('windows a non-keyed stream as a whole (static apply)', async () => {
    const completed: [number, number][] = [];
    const e = env(2);
    const stream = e.addSource(readingsSource());
    await EventTimeWindowAssigner.apply(stream, 2000, (start, elements) => completed.push([start, elements.length])).executeAndCollect();
    assert.deepEqual(completed.sort((x, y) => x[0] - y[0]), [
      [0, 5],
      [2000, 1],
    ]);
  });
});
