/*
 * End-to-end tests of KeyedStream.process with a KeyedProcessFunction: the current key,
 * event-time timers (fired as watermarks pass them, and by the final MAX watermark at end of
 * input) and processing-time timers (fired while the job runs, never after its input has ended),
 * as in Flink.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  KeyedProcessFunction,
  OutputTag,
  StreamExecutionEnvironment,
  TimeDomain,
  Watermark,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type SourceContext,
  type SourceFunction,
} from 'flink-ts';
import { collectingSink } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

/**
 * For sources that emit a few records and then wait: batches of one record reach the keyed
 * operator at once, so these tests do not depend on flushing at the buffer timeout (tested on its own).
 */
const unbatchedEnv = (parallelism = 1): StreamExecutionEnvironment =>
  StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism, 'pipeline.batch-size': 1 });

interface Event {
  readonly key: string;
  readonly ts: number;
}

/** A bounded source emitting events with their timestamps, and the given watermarks in between. */
function eventSource(items: readonly (Event | Watermark)[]): SourceFunction<Event> {
  return {
    run(ctx: SourceContext<Event>) {
      for (const item of items) {
        if (item instanceof Watermark) ctx.emitWatermark(item);
        else ctx.collectWithTimestamp(item, item.ts);
      }
    },
    cancel() {},
  };
}

describe('KeyedProcessFunction', () => {
  it('sees the current key of each record, at parallelism 3', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const out = await env(3)
      .fromCollection(keys.flatMap((k) => [k, k]))
      .keyBy((k) => k.toUpperCase())
      .process((value: string, ctx: KeyedProcessFunctionContext<string>, c: Collector<string>) => c.collect(`${value}:${ctx.getCurrentKey()}`))
      .executeAndCollect();
    assert.deepEqual(out.sort(), keys.flatMap((k) => [`${k}:${k.toUpperCase()}`, `${k}:${k.toUpperCase()}`]));
  });

  it('fires event-time timers at the final MAX watermark, in timestamp order, with their key', async () => {
    const fired: string[] = [];
    class Timers extends KeyedProcessFunction<string, Event, string> {
      processElement(e: Event, ctx: KeyedProcessFunctionContext<string>): void {
        ctx.timerService().registerEventTimeTimer(e.ts + 1000);
        // Registering the same timer twice for a key fires it once.
        ctx.timerService().registerEventTimeTimer(e.ts + 1000);
      }
      override onTimer(timestamp: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>): void {
        fired.push(`${ctx.getCurrentKey()}@${timestamp}:${ctx.timeDomain()}:${ctx.timestamp()}`);
        out.collect(`${ctx.getCurrentKey()}@${timestamp}`);
      }
    }
    const sink = collectingSink<string>();
    const e = env();
    e.addSource(eventSource([{ key: 'x', ts: 30 }, { key: 'y', ts: 10 }, { key: 'x', ts: 20 }]))
      .keyBy((ev) => ev.key)
      .process(new Timers())
      .addSink(sink.function);
    await e.execute();
    assert.deepEqual(fired, [`y@1010:${TimeDomain.EVENT_TIME}:1010`, `x@1020:${TimeDomain.EVENT_TIME}:1020`, `x@1030:${TimeDomain.EVENT_TIME}:1030`]);
    // Timer output carries the timer's timestamp.
    assert.deepEqual(
      sink.records.map((r) => [r.value, r.timestamp]),
      [
        ['y@1010', 1010],
        ['x@1020', 1020],
        ['x@1030', 1030],
      ],
    );
  });

  it('fires an event-time timer when a watermark passes it, before later records', async () => {
    const out = await env()
      .addSource(eventSource([{ key: 'k', ts: 10 }, new Watermark(15), { key: 'k', ts: 20 }, new Watermark(40), { key: 'k', ts: 50 }]))
      .keyBy((ev) => ev.key)
      .process({
        processElement(ev: Event, ctx: KeyedProcessFunctionContext<string>, c: Collector<string>) {
          c.collect(`record ${ev.ts} (watermark ${ctx.timerService().currentWatermark()})`);
          ctx.timerService().registerEventTimeTimer(ev.ts + 2);
        },
        onTimer(ts: number, _ctx: KeyedOnTimerContext<string>, c: Collector<string>) {
          c.collect(`timer ${ts}`);
        },
      })
      .executeAndCollect();
    assert.deepEqual(out, [
      `record 10 (watermark ${Number.MIN_SAFE_INTEGER})`,
      'timer 12',
      'record 20 (watermark 15)',
      'timer 22',
      'record 50 (watermark 40)',
      'timer 52',
    ]);
  });

  it('a deleted event-time timer does not fire', async () => {
    const out = await env()
      .addSource(eventSource([{ key: 'k', ts: 1 }, { key: 'k', ts: 2 }]))
      .keyBy((ev) => ev.key)
      .process({
        processElement(ev: Event, ctx: KeyedProcessFunctionContext<string>) {
          if (ev.ts === 1) ctx.timerService().registerEventTimeTimer(100);
          else ctx.timerService().deleteEventTimeTimer(100);
          ctx.timerService().registerEventTimeTimer(200 + ev.ts);
        },
        onTimer(ts: number, _ctx: KeyedOnTimerContext<string>, c: Collector<number>) {
          c.collect(ts);
        },
      })
      .executeAndCollect();
    assert.deepEqual(out, [201, 202]);
  });

  it('fires a processing-time timer while a bounded job still runs', { timeout: 30_000 }, async () => {
    let timerFired!: () => void;
    const firedPromise = new Promise<void>((resolve) => (timerFired = resolve));
    const seen: string[] = [];
    const out = await unbatchedEnv()
      .addSource({
        async run(ctx: SourceContext<string>) {
          ctx.collect('a');
          ctx.collect('b');
          // The job ends when its source ends, so the source waits for the timers.
          await firedPromise;
        },
        cancel() {},
      })
      .keyBy((s) => s)
      .process({
        processElement(_value: string, ctx: KeyedProcessFunctionContext<string>) {
          ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 10);
        },
        onTimer(ts: number, ctx: KeyedOnTimerContext<string>, c: Collector<string>) {
          seen.push(`${ctx.timeDomain()} ${ctx.timestamp() === ts} ${ts <= ctx.timerService().currentProcessingTime()}`);
          c.collect(`timer ${ctx.getCurrentKey()}`);
          if (ctx.getCurrentKey() === 'b') timerFired();
        },
      })
      .executeAndCollect();
    assert.deepEqual(out.sort(), ['timer a', 'timer b']);
    assert.deepEqual(seen, [`${TimeDomain.PROCESSING_TIME} true true`, `${TimeDomain.PROCESSING_TIME} true true`]);
  });

  it('fires processing-time timers on an unbounded job until it is cancelled', { timeout: 30_000 }, async () => {
    let cancelled = false;
    let stop = (): void => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    // One timestamp for all: a key's two registrations are the same timer, which fires once.
    const fireAt = Date.now() + 30;
    const out = await unbatchedEnv(2)
      .addSource({
        async run(ctx: SourceContext<number>) {
          for (let i = 0; i < 6; i++) ctx.collect(i);
          await stopped;
        },
        cancel() {
          cancelled = true;
          stop();
        },
      })
      .keyBy((i) => i % 3)
      .process({
        processElement(_i: number, ctx: KeyedProcessFunctionContext<number>) {
          ctx.timerService().registerProcessingTimeTimer(fireAt);
        },
        onTimer(ts: number, ctx: KeyedOnTimerContext<number>, c: Collector<string>) {
          c.collect(`key ${ctx.getCurrentKey()} @${ts - fireAt}`);
        },
      })
      .executeAndCollect({ limit: 3 });
    assert.deepEqual(out.sort(), ['key 0 @0', 'key 1 @0', 'key 2 @0']);
    assert.equal(cancelled, true);
  });

  it('does not fire processing-time timers still pending when the input ends, nor wait for them', { timeout: 30_000 }, async () => {
    let fired = 0;
    const started = performance.now();
    const out = await env()
      .fromElements('a', 'b')
      .keyBy((s) => s)
      .process({
        processElement(value: string, ctx: KeyedProcessFunctionContext<string>, c: Collector<string>) {
          ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 60_000);
          c.collect(value);
        },
        onTimer() {
          fired++;
        },
      })
      .executeAndCollect();
    assert.deepEqual(out, ['a', 'b']);
    assert.equal(fired, 0);
    assert.ok(performance.now() - started < 10_000, 'the job waited for a pending processing-time timer');
  });

  it('emits to side outputs from processElement and onTimer', async () => {
    const late = new OutputTag<string>('late');
    const e = env();
    const main = e
      .addSource(eventSource([{ key: 'k', ts: 5 }]))
      .keyBy((ev) => ev.key)
      .process({
        processElement(ev: Event, ctx: KeyedProcessFunctionContext<string>, c: Collector<string>) {
          c.collect(`main ${ev.ts}`);
          ctx.output(late, `side ${ev.ts}`);
          ctx.timerService().registerEventTimeTimer(7);
        },
        onTimer(ts: number, ctx: KeyedOnTimerContext<string>) {
          ctx.output(late, `side timer ${ts}`);
        },
      });
    const side = collectingSink<string>();
    main.getSideOutput(late).addSink(side.function);
    const mainOut = await main.executeAndCollect();
    assert.deepEqual(mainOut, ['main 5']);
    assert.deepEqual(
      side.records.map((r) => [r.value, r.timestamp]),
      [
        ['side 5', 5],
        ['side timer 7', 7],
      ],
    );
  });
});
