/*
 * End-to-end tests of the windowed part of a window join or coGroup: trigger(), evictor() and
 * allowedLateness() reach the window operator (each against what Flink does with it), they return
 * new objects as in Flink, a JoinFunction is told from a FlatJoinFunction, keys of different
 * shapes meet through the tagged union, and a wrong pipeline is rejected.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CoGroupedStreamsWithWindow,
  ErrorCodes,
  JoinedStreamsWithWindow,
  KeyedProcessFunction,
  TimeEvictor,
  Trigger,
  TriggerResult,
  TumblingEventTimeWindows,
  Watermark,
  WatermarkStrategy,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type SourceContext,
  type TimeWindow,
  type TriggerContext,
} from 'flink-ts';
import { assertFlinkError, thrown } from '../../helpers.ts';
import { env, events, ids, mulberry32, referenceJoin, referenceTimeWindows, stamp, timestamped, type Event } from './joins-helpers.ts';

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
