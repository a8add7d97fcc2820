/*
 * End-to-end tests of the window join and coGroup (DataStream.join / DataStream.coGroup):
 * randomized inputs at parallelism 1 and 3 against a brute-force join and coGroup per key and
 * window (tumbling with and without offset, sliding, sessions over both inputs), JoinFunction,
 * FlatJoinFunction and CoGroupFunction in their plain and rich forms (lifecycle and runtime
 * context reach the user's function), and trigger(), evictor() and allowedLateness() on the
 * windowed join; plus the errors of a wrong pipeline.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CoGroupedStreamsWithWindow,
  ErrorCodes,
  JoinedStreamsWithWindow,
  KeyedProcessFunction,
  RichCoGroupFunction,
  RichFlatJoinFunction,
  StreamExecutionEnvironment,
  Watermark,
  WatermarkStrategy,
  type Collector,
  type DataStream,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type ProcessFunctionContext,
  type SourceContext,
} from 'flink-ts';
import { TumblingEventTimeWindows } from '../../../src/api/windowing/assigners/tumbling-event-time-windows.ts';
import { SlidingEventTimeWindows } from '../../../src/api/windowing/assigners/sliding-event-time-windows.ts';
import { EventTimeSessionWindows } from '../../../src/api/windowing/assigners/event-time-session-windows.ts';
import type { WindowAssigner } from '../../../src/api/windowing/assigners/window-assigner.ts';
import { TimeEvictor } from '../../../src/api/windowing/evictors/time-evictor.ts';
import { Trigger, type TriggerContext } from '../../../src/api/windowing/triggers/trigger.ts';
import { TriggerResult } from '../../../src/api/windowing/triggers/trigger-result.ts';
import type { TimeWindow } from '../../../src/api/windowing/windows/time-window.ts';
import { assertFlinkError, thrown } from '../../helpers.ts';

interface Event {
  readonly key: string;
  readonly ts: number;
  readonly id: string;
}

const env = (parallelism: number): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Events in timestamp order per input, so that with monotonous watermarks nothing is late. */
function events(random: () => number, prefix: string, n: number, keys = 5): Event[] {
  const out: Event[] = [];
  let ts = 0;
  for (let i = 0; i < n; i++) {
    ts += Math.floor(random() * 3);
    out.push({ key: `k${Math.floor(random() * keys)}`, ts, id: `${prefix}${i}` });
  }
  return out;
}

function timestamped(e: StreamExecutionEnvironment, data: Event[]): DataStream<Event> {
  return e.fromCollection(data).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((ev) => ev.ts));
}

/** Appends each record's timestamp (the window's maxTimestamp()) to it. */
const stamp = (v: string, ctx: ProcessFunctionContext, out: Collector<string>): void => out.collect(`${v}@${ctx.timestamp()}`);

const ids = (events: Iterable<Event>): string => [...events].map((e) => e.id).sort().join(',');

// ---- the reference ------------------------------------------------------------------------------

interface RefWindow {
  readonly key: string;
  readonly maxTimestamp: number;
  readonly left: Event[];
  readonly right: Event[];
}

/** Flink's time windows of a timestamp: start = ts - (ts - offset + slide) % slide, back by slide while it still covers ts. */
function timeWindows(ts: number, size: number, slide: number, offset: number): [number, number][] {
  const out: [number, number][] = [];
  const lastStart = ts - ((((ts - offset) % slide) + slide) % slide);
  for (let start = lastStart; start > ts - size; start -= slide) out.push([start, start + size]);
  return out;
}

function referenceTimeWindows(left: Event[], right: Event[], size: number, slide: number, offset: number): RefWindow[] {
  const windows = new Map<string, { key: string; maxTimestamp: number; left: Event[]; right: Event[] }>();
  const add = (e: Event, side: 'left' | 'right') => {
    for (const [, end] of timeWindows(e.ts, size, slide, offset)) {
      const id = `${e.key}|${end}`;
      let w = windows.get(id);
      if (w === undefined) windows.set(id, (w = { key: e.key, maxTimestamp: end - 1, left: [], right: [] }));
      w[side].push(e);
    }
  };
  for (const e of left) add(e, 'left');
  for (const e of right) add(e, 'right');
  return [...windows.values()];
}

/** Sessions per key over both inputs: a gap larger than `gap` after the latest element ends one. */
function referenceSessions(left: Event[], right: Event[], gap: number): RefWindow[] {
  const tagged = [...left.map((e) => ({ e, side: 'left' as const })), ...right.map((e) => ({ e, side: 'right' as const }))];
  const out: RefWindow[] = [];
  for (const key of new Set(tagged.map((t) => t.e.key))) {
    const mine = tagged.filter((t) => t.e.key === key).sort((a, b) => a.e.ts - b.e.ts);
    let current: { left: Event[]; right: Event[]; maxTs: number } | null = null;
    const close = () => current !== null && out.push({ key, maxTimestamp: current.maxTs + gap - 1, left: current.left, right: current.right });
    for (const t of mine) {
      if (current === null || t.e.ts > current.maxTs + gap) {
        close();
        current = { left: [], right: [], maxTs: t.e.ts };
      }
      current[t.side].push(t.e);
      current.maxTs = Math.max(current.maxTs, t.e.ts);
    }
    close();
  }
  return out;
}

function referenceJoin(windows: RefWindow[]): string[] {
  const out: string[] = [];
  for (const w of windows) for (const l of w.left) for (const r of w.right) out.push(`${l.id}:${r.id}@${w.maxTimestamp}`);
  return out.sort();
}

function referenceCoGroup(windows: RefWindow[]): string[] {
  return windows.map((w) => `${w.key}|${ids(w.left)}|${ids(w.right)}@${w.maxTimestamp}`).sort();
}

/** What the flat join below emits for a pair: none, one or two records, depending on the timestamps. */
function flatJoinResults(l: Event, r: Event): string[] {
  const n = (l.ts + r.ts) % 3;
  return n === 0 ? [] : Array.from({ length: n }, (_, i) => `${l.id}:${r.id}#${i}`);
}

// ---- the tests -----------------------------------------------------------------------------------

const assigners: { name: string; make: () => WindowAssigner<unknown, TimeWindow>; reference: (l: Event[], r: Event[]) => RefWindow[] }[] = [
  { name: 'tumbling 10', make: () => TumblingEventTimeWindows.of(10), reference: (l, r) => referenceTimeWindows(l, r, 10, 10, 0) },
  { name: 'tumbling 7, offset 3', make: () => TumblingEventTimeWindows.of(7, 3), reference: (l, r) => referenceTimeWindows(l, r, 7, 7, 3) },
  { name: 'sliding 12 / 4', make: () => SlidingEventTimeWindows.of(12, 4), reference: (l, r) => referenceTimeWindows(l, r, 12, 4, 0) },
];

describe('window join and coGroup against a brute-force reference per window', () => {
  for (const parallelism of [1, 3]) {
    for (const assigner of assigners) {
      it(`join, flat join and coGroup in ${assigner.name} windows (parallelism ${parallelism})`, { timeout: 30_000 }, async () => {
        const random = mulberry32(parallelism * 1000 + assigner.name.length);
        const leftData = events(random, 'L', 100);
        const rightData = events(random, 'R', 100);
        const windows = assigner.reference(leftData, rightData);

        const e = env(parallelism);
        const left = timestamped(e, leftData);
        const right = timestamped(e, rightData);
        const joined = await left
          .join(right)
          .where((ev) => ev.key)
          .equalTo((ev) => ev.key)
          .window(assigner.make())
          .apply((l: Event, r: Event) => `${l.id}:${r.id}`)
          .process(stamp)
          .executeAndCollect();
        const expectedPairs = referenceJoin(windows);
        assert.ok(expectedPairs.length > 100, `enough pairs to mean something (${expectedPairs.length})`);
        assert.deepEqual([...joined].sort(), expectedPairs, 'join');

        const lifecycle = { opened: 0, closed: 0, subtasks: new Set<number>() };
        class FlatJoin extends RichFlatJoinFunction<Event, Event, string> {
          private opened = false;
          override open(): void {
            this.opened = true;
            lifecycle.opened++;
          }
          override close(): void {
            lifecycle.closed++;
          }
          join(l: Event, r: Event, out: Collector<string>): void {
            assert.ok(this.opened, 'open() reached the function before the first pair');
            lifecycle.subtasks.add(this.getRuntimeContext().getIndexOfThisSubtask());
            for (const v of flatJoinResults(l, r)) out.collect(v);
          }
        }
        const flat = await timestamped(e, leftData)
          .join(timestamped(e, rightData))
          .where((ev) => ev.key)
          .equalTo({ getKey: (ev: Event) => ev.key })
          .window(assigner.make())
          .apply(new FlatJoin())
          .executeAndCollect();
        const expectedFlat = windows.flatMap((w) => w.left.flatMap((l) => w.right.flatMap((r) => flatJoinResults(l, r))));
        assert.deepEqual([...flat].sort(), expectedFlat.sort(), 'flat join');
        assert.equal(lifecycle.opened, parallelism, 'each subtask opened its copy of the function');
        assert.equal(lifecycle.closed, parallelism);
        assert.ok(lifecycle.subtasks.size >= 1 && [...lifecycle.subtasks].every((s) => s < parallelism));

        const coGrouped = await timestamped(e, leftData)
          .coGroup(timestamped(e, rightData))
          .where((ev) => ev.key)
          .equalTo((ev) => ev.key)
          .window(assigner.make())
          .apply({
            coGroup(l: Iterable<Event>, r: Iterable<Event>, out: Collector<string>) {
              const all = [...l, ...r];
              out.collect(`${all[0]!.key}|${ids(l)}|${ids(r)}`);
            },
          })
          .process(stamp)
          .executeAndCollect();
        assert.deepEqual([...coGrouped].sort(), referenceCoGroup(windows), 'coGroup');
      });
    }
  }

  for (const parallelism of [1, 3]) {
    it(`join and coGroup in session windows that merge across both inputs (parallelism ${parallelism})`, { timeout: 30_000 }, async () => {
      const gap = 5;
      const random = mulberry32(77 + parallelism);
      // Bursts per key: inside a burst the next element is less than a gap away, between bursts
      // at least three gaps, so every session is unambiguous.
      const leftData: Event[] = [];
      const rightData: Event[] = [];
      for (let k = 0; k < 4; k++) {
        let ts = k;
        for (let burst = 0; burst < 6; burst++) {
          ts += 3 * gap + Math.floor(random() * 10);
          const n = 1 + Math.floor(random() * 5);
          for (let i = 0; i < n; i++) {
            ts += Math.floor(random() * gap);
            const side = random() < 0.5 ? leftData : rightData;
            side.push({ key: `k${k}`, ts, id: `${side === leftData ? 'L' : 'R'}${k}-${burst}-${i}` });
          }
        }
      }
      leftData.sort((a, b) => a.ts - b.ts);
      rightData.sort((a, b) => a.ts - b.ts);
      const windows = referenceSessions(leftData, rightData, gap);

      const e = env(parallelism);
      const joined = await timestamped(e, leftData)
        .join(timestamped(e, rightData))
        .where((ev) => ev.key)
        .equalTo((ev) => ev.key)
        .window(EventTimeSessionWindows.withGap(gap))
        .apply({ join: (l: Event, r: Event) => `${l.id}:${r.id}` })
        .process(stamp)
        .executeAndCollect();
      const expectedPairs = referenceJoin(windows);
      assert.ok(expectedPairs.length > 10, `enough pairs to mean something (${expectedPairs.length})`);
      assert.deepEqual([...joined].sort(), expectedPairs);

      const events = { opened: 0 };
      class Grouping extends RichCoGroupFunction<Event, Event, string> {
        override open(): void {
          events.opened++;
        }
        coGroup(l: Iterable<Event>, r: Iterable<Event>, out: Collector<string>): void {
          out.collect(`${[...l, ...r][0]!.key}|${ids(l)}|${ids(r)}`);
        }
      }
      const coGrouped = await timestamped(e, leftData)
        .coGroup(timestamped(e, rightData))
        .where((ev) => ev.key)
        .equalTo((ev) => ev.key)
        .window(EventTimeSessionWindows.withGap(gap))
        .apply(new Grouping())
        .process(stamp)
        .executeAndCollect();
      assert.deepEqual([...coGrouped].sort(), referenceCoGroup(windows));
      assert.equal(events.opened, parallelism);
    });
  }
});

/** Fires and purges a window at each element, so each evaluation sees only that element. */
class EveryElement extends Trigger<unknown, TimeWindow> {
  onElement(_e: unknown, _ts: number, _w: TimeWindow, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.FIRE_AND_PURGE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  clear(): void {}
}

describe('the windowed part of a join: trigger, evictor, allowed lateness', () => {
  const random = mulberry32(5);
  const leftData = events(random, 'L', 60, 3);
  const rightData = events(random, 'R', 60, 3);

  it('trigger() replaces the assigner default trigger', { timeout: 30_000 }, async () => {
    const e = env(2);
    const coGrouped = await timestamped(e, leftData)
      .coGroup(timestamped(e, rightData))
      .where((ev) => ev.key)
      .equalTo((ev) => ev.key)
      .window(TumblingEventTimeWindows.of(10))
      .trigger(new EveryElement())
      .apply((l: Iterable<Event>, r: Iterable<Event>, out: Collector<string>) => out.collect(`${ids(l)}|${ids(r)}`))
      .executeAndCollect();
    const expected = [...leftData.map((ev) => `${ev.id}|`), ...rightData.map((ev) => `|${ev.id}`)];
    assert.deepEqual([...coGrouped].sort(), expected.sort(), 'one evaluation per element, with only that element');

    const joined = await timestamped(e, leftData)
      .join(timestamped(e, rightData))
      .where((ev) => ev.key)
      .equalTo((ev) => ev.key)
      .window(TumblingEventTimeWindows.of(10))
      .trigger(new EveryElement())
      .apply((l: Event, r: Event) => `${l.id}:${r.id}`)
      .executeAndCollect();
    assert.deepEqual(joined, [], 'no window ever holds both sides');
  });

  it('evictor() removes elements of both sides before the join', { timeout: 30_000 }, async () => {
    const e = env(2);
    // TimeEvictor.of(1) keeps the elements with the largest timestamp of the pane.
    const joined = await timestamped(e, leftData)
      .join(timestamped(e, rightData))
      .where((ev) => ev.key)
      .equalTo((ev) => ev.key)
      .window(TumblingEventTimeWindows.of(10))
      .evictor(TimeEvictor.of(1))
      .apply((l: Event, r: Event) => `${l.id}:${r.id}`)
      .process(stamp)
      .executeAndCollect();
    const windows = referenceTimeWindows(leftData, rightData, 10, 10, 0).map((w) => {
      const max = Math.max(...w.left.map((ev) => ev.ts), ...w.right.map((ev) => ev.ts));
      return { ...w, left: w.left.filter((ev) => ev.ts === max), right: w.right.filter((ev) => ev.ts === max) };
    });
    const expected = referenceJoin(windows);
    assert.ok(expected.length > 0 && expected.length < referenceJoin(referenceTimeWindows(leftData, rightData, 10, 10, 0)).length);
    assert.deepEqual([...joined].sort(), expected);
  });

  for (const lateness of [0, 20]) {
    it(`allowedLateness(${lateness}) ${lateness > 0 ? 'fires a window again for a late element' : 'drops a late element'}`, { timeout: 30_000 }, async () => {
      let seeFiring!: () => void;
      const fired = new Promise<void>((resolve) => (seeFiring = resolve));
      const e = env(1);
      // The left source holds its late element back until the window [0, 10) has fired, so that
      // the element is late whatever the order of the tasks; the right source ends at once, and its
      // final watermark leaves the left one in charge.
      const left = e.addSource({
        async run(ctx: SourceContext<Event>) {
          ctx.collectWithTimestamp({ key: 'k', ts: 1, id: 'l1' }, 1);
          ctx.emitWatermark(new Watermark(20));
          await fired;
          ctx.collectWithTimestamp({ key: 'k', ts: 5, id: 'l5' }, 5);
        },
        cancel() {},
      });
      const right = e.fromCollection<Event>([
        { key: 'k', ts: 2, id: 'r2' },
        { key: 'k', ts: 3, id: 'r3' },
      ]).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((ev) => ev.ts));
      class FiringWatch extends KeyedProcessFunction<number, string, string> {
        processElement(v: string, _ctx: KeyedProcessFunctionContext<number>, out: Collector<string>): void {
          seeFiring();
          out.collect(v);
        }
        override onTimer(_t: number, _ctx: KeyedOnTimerContext<number>): void {}
      }
      const windowed = left
        .join(right)
        .where((ev) => ev.key)
        .equalTo((ev) => ev.key)
        .window(TumblingEventTimeWindows.of(10));
      const out = await (lateness > 0 ? windowed.allowedLateness(lateness) : windowed)
        .apply((l: Event, r: Event) => `${l.id}:${r.id}`)
        .keyBy(() => 0)
        .process(new FiringWatch())
        .executeAndCollect();
      const first = ['l1:r2', 'l1:r3'];
      const again = ['l1:r2', 'l1:r3', 'l5:r2', 'l5:r3'];
      assert.deepEqual([...out].sort(), (lateness > 0 ? [...first, ...again] : first).sort());
    });
  }
});

describe('building a window join or coGroup', () => {
  it('returns new objects from trigger(), evictor() and allowedLateness(), as Flink does', () => {
    const e = env(1);
    const a = e.fromElements<Event>({ key: 'a', ts: 1, id: 'a' });
    const joined = a
      .join(a)
      .where((ev) => ev.key)
      .equalTo((ev) => ev.key)
      .window(TumblingEventTimeWindows.of(10));
    assert.ok(joined instanceof JoinedStreamsWithWindow);
    assert.notEqual(joined.trigger(new EveryElement()), joined);
    assert.notEqual(joined.allowedLateness(5), joined);
    const coGrouped = a
      .coGroup(a)
      .where((ev) => ev.key)
      .equalTo((ev) => ev.key)
      .window(TumblingEventTimeWindows.of(10));
    assert.ok(coGrouped instanceof CoGroupedStreamsWithWindow);
    assert.notEqual(coGrouped.evictor(TimeEvictor.of(1)), coGrouped);
  });

  it('rejects what cannot be joined', () => {
    const e = env(1);
    const a = e.fromElements<Event>({ key: 'a', ts: 1, id: 'a' });
    const other = env(1).fromElements<Event>({ key: 'a', ts: 1, id: 'b' });
    assertFlinkError(
      thrown(() => a.join(other)),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /different execution environments/,
    );
    assertFlinkError(
      thrown(() => a.coGroup(other)),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /different execution environments/,
    );
    assertFlinkError(
      thrown(() => a.join(a).where(undefined as never)),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /where\(\) needs a key selector/,
    );
    assertFlinkError(
      thrown(() =>
        a
          .coGroup(a)
          .where((ev) => ev.key)
          .equalTo((ev) => ev.key)
          .window(null as never),
      ),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
    );
    const windowed = a
      .join(a)
      .where((ev) => ev.key)
      .equalTo((ev) => ev.key)
      .window(TumblingEventTimeWindows.of(10));
    assert.throws(() => windowed.apply({} as never), /join function must be a function or an object with a join\(\) method/);
  });

  it('tells a FlatJoinFunction from a JoinFunction by its collector parameter', { timeout: 30_000 }, async () => {
    const e = env(1);
    const strategy = WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((x) => x.ts);
    const a = () => e.fromElements<Event>({ key: 'k', ts: 1, id: 'a1' }, { key: 'k', ts: 2, id: 'a2' }).assignTimestampsAndWatermarks(strategy);
    const b = () => e.fromElements<Event>({ key: 'k', ts: 3, id: 'b3' }).assignTimestampsAndWatermarks(strategy);
    const window = () =>
      a()
        .join(b())
        .where((ev) => ev.key)
        .equalTo((ev) => ev.key)
        .window(TumblingEventTimeWindows.of(10));
    const flat = await window()
      .apply((l: Event, r: Event, out: Collector<string>) => {
        if (l.id === 'a2') out.collect(`${l.id}:${r.id}`);
      })
      .executeAndCollect();
    assert.deepEqual(flat, ['a2:b3']);
    const flatObject = await window()
      .apply({ join: (l: Event, r: Event, out: Collector<string>) => out.collect(`${l.id}+${r.id}`) })
      .executeAndCollect();
    assert.deepEqual(flatObject.sort(), ['a1+b3', 'a2+b3']);
    const plain = await window()
      .apply((l: Event, r: Event) => `${l.id}:${r.id}`)
      .executeAndCollect();
    assert.deepEqual(plain.sort(), ['a1:b3', 'a2:b3']);
  });

  it('tags each element with its side, so a where() key and an equalTo() key of different shapes meet', { timeout: 30_000 }, async () => {
    const e = env(2);
    const orders = e.fromCollection([
      { orderId: 1, ts: 1 },
      { orderId: 2, ts: 2 },
    ]);
    const payments = e.fromCollection([
      { ref: 'order-1', ts: 3 },
      { ref: 'order-3', ts: 4 },
    ]);
    const strategy = <T extends { ts: number }>() => WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner((x) => x.ts);
    const out = await orders
      .assignTimestampsAndWatermarks(strategy())
      .join(payments.assignTimestampsAndWatermarks(strategy()))
      .where((o) => `order-${o.orderId}`)
      .equalTo((p) => p.ref)
      .window(TumblingEventTimeWindows.of(10))
      .apply((o, p) => `${o.orderId} paid by ${p.ref}`)
      .executeAndCollect();
    assert.deepEqual(out, ['1 paid by order-1']);
  });
});
