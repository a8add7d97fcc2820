/*
 * End-to-end tests of KeyedStream.intervalJoin: randomized inputs joined at parallelism 1 and 3
 * against a brute-force join (bounds inclusive and exclusive, pair timestamps), late elements to
 * the late-data side outputs with watermarks made deterministic, and the errors of a wrong
 * pipeline (unkeyed input, bounds, processing time, records without timestamps).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Duration,
  ErrorCodes,
  IntervalJoin,
  KeyedProcessFunction,
  OutputTag,
  ProcessJoinFunction,
  Watermark,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type ProcessFunctionContext,
  type ProcessJoinFunctionContext,
  type SourceContext,
} from 'flink-ts';
import { assertFlinkError, collectingSink, rejection, thrown } from '../../helpers.ts';
import { env, events, mulberry32, timestamped, type Event } from './joins-helpers.ts';

/** Emits "left:right@pairTimestamp", and checks the record's own timestamp downstream. */
class Pairs extends ProcessJoinFunction<Event, Event, string> {
  processElement(l: Event, r: Event, ctx: ProcessJoinFunctionContext, out: Collector<string>): void {
    assert.equal(ctx.leftTimestamp(), l.ts);
    assert.equal(ctx.rightTimestamp(), r.ts);
    out.collect(`${l.id}:${r.id}@${ctx.timestamp()}`);
  }
}

const withRecordTimestamp = (v: string, ctx: ProcessFunctionContext, out: Collector<string>): void => out.collect(`${v}/${ctx.timestamp()}`);

describe('KeyedStream.intervalJoin', () => {
  for (const parallelism of [1, 3]) {
    it(`joins like a brute-force join of the two inputs (parallelism ${parallelism})`, { timeout: 30_000 }, async () => {
      const cases = [
        [-4, 2, true, true],
        [-3, 3, false, true],
        [0, 5, true, false],
        [-6, -1, false, false],
        [2, 6, true, true],
      ] as const;
      for (let seed = 1; seed <= cases.length; seed++) {
        const random = mulberry32(seed * 31 + parallelism);
        const leftData = events(random, 'L', 120, 7);
        const rightData = events(random, 'R', 120, 7);
        const [lower, upper, lowerInclusive, upperInclusive] = cases[seed - 1]!;

        const e = env(parallelism);
        let joined = timestamped(e, leftData)
          .keyBy((ev) => ev.key)
          .intervalJoin(timestamped(e, rightData).keyBy((ev) => ev.key))
          .between(Duration.ofMillis(lower), upper);
        if (!lowerInclusive) joined = joined.lowerBoundExclusive();
        if (!upperInclusive) joined = joined.upperBoundExclusive();
        const actual = await joined.process(new Pairs()).process(withRecordTimestamp).executeAndCollect();

        const expected: string[] = [];
        for (const l of leftData) {
          for (const r of rightData) {
            const d = r.ts - l.ts;
            if (l.key !== r.key || d < lower || d > upper || (!lowerInclusive && d === lower) || (!upperInclusive && d === upper)) continue;
            const ts = Math.max(l.ts, r.ts);
            expected.push(`${l.id}:${r.id}@${ts}/${ts}`);
          }
        }
        const what = `seed ${seed}: between(${lower}, ${upper}) ${lowerInclusive ? '[' : '('}${upperInclusive ? ']' : ')'}`;
        assert.ok(expected.length > 20, `${what}: enough pairs to mean something (${expected.length})`);
        assert.deepEqual([...actual].sort(), expected.sort(), what);
      }
    });
  }

  it('sends elements behind the watermark to the late-data side outputs', { timeout: 30_000 }, async () => {
    interface Tagged extends Event {
      readonly side: 'L' | 'R';
    }
    let seeWatermark!: () => void;
    const watermarkSeen = new Promise<void>((resolve) => (seeWatermark = resolve));
    const e = env(2);
    // One source for both sides; it holds back its late elements until the join's output shows
    // that watermark 20 has passed the join, which makes them late whatever the task order.
    const source = e.addSource({
      async run(ctx: SourceContext<Tagged>) {
        const emit = (side: 'L' | 'R', id: string, ts: number) => ctx.collectWithTimestamp({ side, key: 'k', ts, id }, ts);
        emit('L', 'l10', 10);
        emit('R', 'r10', 10);
        ctx.emitWatermark(new Watermark(20));
        await watermarkSeen;
        emit('L', 'late-l', 5);
        emit('R', 'late-r', 19);
        emit('L', 'l25', 25);
        emit('R', 'r26', 26);
      },
      cancel() {},
    });
    const leftLate = new OutputTag<Tagged>('left-late');
    const rightLate = new OutputTag<Tagged>('right-late');
    const joined = source
      .filter((t) => t.side === 'L')
      .keyBy((t) => t.key)
      .intervalJoin(source.filter((t) => t.side === 'R').keyBy((t) => t.key))
      .between(-5, 5)
      .sideOutputLeftLateData(leftLate)
      .sideOutputRightLateData(rightLate)
      .process((l: Tagged, r: Tagged, ctx: ProcessJoinFunctionContext, out: Collector<string>) => out.collect(`${l.id}:${r.id}@${ctx.timestamp()}`));
    class WatermarkWatch extends KeyedProcessFunction<number, string, string> {
      processElement(v: string, ctx: KeyedProcessFunctionContext<number>, out: Collector<string>): void {
        ctx.timerService().registerEventTimeTimer(ctx.timestamp()!);
        out.collect(v);
      }
      override onTimer(timestamp: number, _ctx: KeyedOnTimerContext<number>): void {
        if (timestamp === 10) seeWatermark();
      }
    }
    const main = collectingSink<string>();
    const lateLeft = collectingSink<Tagged>();
    const lateRight = collectingSink<Tagged>();
    joined
      .keyBy(() => 0)
      .process(new WatermarkWatch())
      .addSink(main.function);
    joined.getSideOutput(leftLate).addSink(lateLeft.function);
    joined.getSideOutput(rightLate).addSink(lateRight.function);
    await e.execute();
    assert.deepEqual(main.values().sort(), ['l10:r10@10', 'l25:r26@26']);
    assert.deepEqual(
      lateLeft.records.map((r) => `${r.value.id}@${r.timestamp}`),
      ['late-l@5'],
    );
    assert.deepEqual(
      lateRight.records.map((r) => `${r.value.id}@${r.timestamp}`),
      ['late-r@19'],
    );
  });

  it('rejects a pipeline that cannot be an interval join', () => {
    const e = env(1);
    const keyed = e.fromElements<Event>({ key: 'a', ts: 1, id: 'x' }).keyBy((ev) => ev.key);
    const plain = e.fromElements<Event>({ key: 'a', ts: 1, id: 'y' });
    assertFlinkError(
      thrown(() => keyed.intervalJoin(plain as never)),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /KeyedStream/,
    );
    assertFlinkError(
      thrown(() => keyed.intervalJoin(keyed).between(Duration.ofSeconds(2), Duration.ofSeconds(1))),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /lowerBound <= upperBound must be fulfilled/,
    );
    assertFlinkError(
      thrown(() => keyed.intervalJoin(keyed).inProcessingTime().between(0, 1)),
      ErrorCodes.FLINK_TS_UNSUPPORTED,
      /only supported in event time/,
    );
    assert.ok(keyed.intervalJoin(keyed) instanceof IntervalJoin);
    const other = env(1).fromElements<Event>({ key: 'a', ts: 1, id: 'z' }).keyBy((ev) => ev.key);
    assertFlinkError(
      thrown(() => keyed.intervalJoin(other)),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /different execution environments/,
    );
  });

  it('fails the job on records without timestamps, naming the operator', { timeout: 30_000 }, async () => {
    const e = env(1);
    const stream = e.fromElements<Event>({ key: 'a', ts: 1, id: 'x' });
    stream
      .keyBy((ev) => ev.key)
      .intervalJoin(e.fromElements<Event>({ key: 'a', ts: 1, id: 'y' }).keyBy((ev) => ev.key))
      .between(0, 1)
      .process(new Pairs())
      .addSink(() => {});
    const error = await rejection(e.execute());
    const cause = (error as { code?: string }).code === ErrorCodes.FLINK_TS_INVALID_PIPELINE ? error : (error as Error).cause;
    assertFlinkError(cause, ErrorCodes.FLINK_TS_INVALID_PIPELINE, /'Interval Join'/, /without a timestamp/, /assignTimestampsAndWatermarks/);
  });
});
