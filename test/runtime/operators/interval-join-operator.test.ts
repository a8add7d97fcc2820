/*
 * Tests of IntervalJoinOperator: Flink's bounds (inclusive and exclusive, positive, negative and
 * mixed), both arrival orders, output and context timestamps, buffers in keyed MapState cleaned by
 * event-time timers, late elements dropped or sent to the late-data outputs, missing timestamps,
 * failing functions, buffers and timers across snapshot and restore; and a differential test against an independent statement of the semantics on
 * randomized inputs and watermarks, which also checks the buffered state after every step.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import type { Collector } from '../../../src/api/common/functions.ts';
import { OutputTag } from '../../../src/api/common/output-tag.ts';
import { Watermark } from '../../../src/api/common/watermark.ts';
import { ProcessJoinFunction, type ProcessJoinFunctionContext } from '../../../src/api/functions/join-functions.ts';
import type { MapState } from '../../../src/api/state/state.ts';
import { MapStateDescriptor } from '../../../src/api/state/state-descriptor.ts';
import { IntervalJoinOperator, LEFT_BUFFER, RIGHT_BUFFER, type BufferEntry, type IntervalJoinBounds } from '../../../src/runtime/operators/interval-join-operator.ts';
import { TwoInputOperatorTestHarness } from './harness.ts';

interface Event {
  readonly key: string;
  readonly id: string;
}

const MAX = Watermark.MAX_WATERMARK.timestamp;
const pairs = (left: Event, right: Event, _ctx: ProcessJoinFunctionContext, out: Collector<string>): void => out.collect(`${left.id}:${right.id}`);

function bounds(lowerBound: number, upperBound: number, lowerBoundInclusive = true, upperBoundInclusive = true): IntervalJoinBounds {
  return { lowerBound, upperBound, lowerBoundInclusive, upperBoundInclusive };
}

type Op = IntervalJoinOperator<string, Event, Event, string>;

function harness(b: IntervalJoinBounds, options: { fn?: ConstructorParameters<typeof IntervalJoinOperator<string, Event, Event, string>>[1]; leftLate?: OutputTag<Event>; rightLate?: OutputTag<Event> } = {}) {
  const op: Op = new IntervalJoinOperator<string, Event, Event, string>(b, options.fn ?? pairs, (e) => e.key, (e) => e.key, options.leftLate ?? null, options.rightLate ?? null);
  const h = new TwoInputOperatorTestHarness<Event, Event, string>(op, { keyed: true, operatorName: 'Interval Join' });
  return { op, h };
}

const left = (id: string, key = 'k'): Event => ({ key, id });
const right = left;

/** Buffered timestamps and ids of one side, per key, read from the keyed state backend. */
function buffered(h: TwoInputOperatorTestHarness<Event, Event, string>, side: typeof LEFT_BUFFER | typeof RIGHT_BUFFER): Map<string, string[]> {
  const backend = h.keyedStateBackend!;
  const state = backend.getPartitionedState<MapState<number, BufferEntry<Event>[]>>(new MapStateDescriptor<number, BufferEntry<Event>[]>(side));
  const out = new Map<string, string[]>();
  const keys = [...backend.getKeys(side)] as string[];
  for (const key of keys.sort()) {
    backend.setCurrentKey(key);
    const entries = [...state.entries()].sort((a, b) => a[0] - b[0]);
    const items = entries.flatMap(([ts, bucket]) => bucket.map((e) => `${e.element.id}@${ts}`));
    if (items.length > 0) out.set(key, items);
  }
  return out;
}

describe('IntervalJoinOperator', () => {
  it('joins left elements with right elements in [left + lower, left + upper], bounds inclusive', async () => {
    const { h } = harness(bounds(-1, 2));
    await h.open();
    for (let ts = 0; ts <= 6; ts++) h.processElement2(right(`r${ts}`), ts);
    h.processElement1(left('l3'), 3);
    assert.deepEqual(h.getOutput(), [
      { value: 'l3:r2', timestamp: 3 },
      { value: 'l3:r3', timestamp: 3 },
      { value: 'l3:r4', timestamp: 4 },
      { value: 'l3:r5', timestamp: 5 },
    ]);
  });

  it('joins the same pairs when the right side arrives second', async () => {
    const { h } = harness(bounds(-1, 2));
    await h.open();
    h.processElement1(left('l3'), 3);
    for (let ts = 0; ts <= 6; ts++) h.processElement2(right(`r${ts}`), ts);
    assert.deepEqual(
      h.getOutput().map((r) => `${r.value}@${r.timestamp}`),
      ['l3:r2@3', 'l3:r3@3', 'l3:r4@4', 'l3:r5@5'],
    );
  });

  it('leaves out the bounds themselves when they are exclusive', async () => {
    for (const [lowerIncl, upperIncl, expected] of [
      [false, true, ['r3', 'r4', 'r5']],
      [true, false, ['r2', 'r3', 'r4']],
      [false, false, ['r3', 'r4']],
    ] as const) {
      const { h } = harness(bounds(-1, 2, lowerIncl, upperIncl));
      await h.open();
      for (let ts = 0; ts <= 6; ts++) h.processElement2(right(`r${ts}`), ts);
      h.processElement1(left('l3'), 3);
      assert.deepEqual(
        h.getValues().map((v) => v.split(':')[1]),
        expected,
        `lower ${lowerIncl ? 'inclusive' : 'exclusive'}, upper ${upperIncl ? 'inclusive' : 'exclusive'}`,
      );
    }
  });

  it('joins only elements of the same key', async () => {
    const { h } = harness(bounds(0, 0));
    await h.open();
    h.processElement1(left('la', 'a'), 5);
    h.processElement2(right('rb', 'b'), 5);
    h.processElement2(right('ra', 'a'), 5);
    assert.deepEqual(h.getValues(), ['la:ra']);
  });

  it('supports intervals entirely before or after the left element', async () => {
    const before = harness(bounds(-5, -2));
    await before.h.open();
    for (let ts = 0; ts <= 10; ts++) before.h.processElement2(right(`r${ts}`), ts);
    before.h.processElement1(left('l'), 8);
    assert.deepEqual(before.h.getValues(), ['l:r3', 'l:r4', 'l:r5', 'l:r6']);
    assert.deepEqual(
      before.h.getOutput().map((r) => r.timestamp),
      [8, 8, 8, 8],
      'the later of the two timestamps',
    );

    const after = harness(bounds(2, 4));
    await after.h.open();
    after.h.processElement1(left('l'), 1);
    for (let ts = 0; ts <= 10; ts++) after.h.processElement2(right(`r${ts}`), ts);
    assert.deepEqual(
      after.h.getOutput().map((r) => `${r.value}@${r.timestamp}`),
      ['l:r3@3', 'l:r4@4', 'l:r5@5'],
    );
  });

  it('gives the function both timestamps and the pair timestamp; side outputs carry the pair timestamp', async () => {
    const tag = new OutputTag<string>('pairs');
    const seen: string[] = [];
    class Fn extends ProcessJoinFunction<Event, Event, string> {
      processElement(l: Event, r: Event, ctx: ProcessJoinFunctionContext, out: Collector<string>): void {
        seen.push(`${ctx.leftTimestamp()}/${ctx.rightTimestamp()}/${ctx.timestamp()} ${ctx.getLeftTimestamp()}/${ctx.getRightTimestamp()}/${ctx.getTimestamp()}`);
        ctx.output(tag, `${l.id}+${r.id}`);
        out.collect(l.id);
      }
    }
    const { h } = harness(bounds(-10, 10), { fn: new Fn() });
    await h.open();
    h.processElement1(left('l'), 7);
    h.processElement2(right('r'), 4);
    h.processElement2(right('s'), 9);
    assert.deepEqual(seen, ['7/4/7 7/4/7', '7/9/9 7/9/9']);
    assert.deepEqual(h.getSideOutput(tag), [
      { value: 'l+r', timestamp: 7 },
      { value: 'l+s', timestamp: 9 },
    ]);
    assert.deepEqual(h.getOutput(), [
      { value: 'l', timestamp: 7 },
      { value: 'l', timestamp: 9 },
    ]);
  });

  it('keeps both sides in keyed MapState and removes each bucket when the watermark passes its cleanup time', async () => {
    const { h, op } = harness(bounds(-2, 3));
    await h.open();
    h.processElement1(left('l10'), 10);
    h.processElement2(right('r10'), 10);
    h.processElement1(left('l20', 'x'), 20);
    assert.deepEqual(buffered(h, LEFT_BUFFER), new Map([['k', ['l10@10']], ['x', ['l20@20']]]));
    assert.deepEqual(buffered(h, RIGHT_BUFFER), new Map([['k', ['r10@10']]]));
    assert.equal(op.numEventTimeTimers(), 3, 'left 10 cleans at 13, right 10 at 12, left 20 at 23');

    h.processWatermark(12);
    assert.deepEqual(buffered(h, RIGHT_BUFFER), new Map(), 'no left element after 12 can join a right element at 10');
    assert.deepEqual(buffered(h, LEFT_BUFFER), new Map([['k', ['l10@10']], ['x', ['l20@20']]]));
    h.processElement2(right('r13'), 13);
    assert.deepEqual(h.getValues(), ['l10:r10', 'l10:r13'], 'the left element at 10 is still there for a right one at 13');

    h.processWatermark(13);
    assert.deepEqual(buffered(h, LEFT_BUFFER), new Map([['x', ['l20@20']]]));
    h.processWatermark(MAX);
    assert.deepEqual(buffered(h, LEFT_BUFFER), new Map());
    assert.deepEqual(buffered(h, RIGHT_BUFFER), new Map());
    assert.equal(op.numEventTimeTimers(), 0);
    assert.equal(h.keyedStateBackend!.getStatistics().numEntries, 0, 'nothing is left in the backend');
    assert.deepEqual(h.getWatermarks(), [12, 13, MAX]);
  });

  it('restores its buffers with their cleanup timers: a restarted operator joins and cleans up as the first would have', async () => {
    const first = harness(bounds(-2, 3));
    await first.h.open();
    first.h.processElement1(left('l10'), 10);
    first.h.processElement2(right('r10'), 10);
    first.h.processElement1(left('l20', 'x'), 20);
    const snapshot = await first.h.snapshotKeyedState();

    const second = harness(bounds(-2, 3));
    await second.h.initializeKeyedState([snapshot]);
    await second.h.open();
    assert.equal(second.op.numEventTimeTimers(), 3, 'the three cleanup timers came back');
    second.h.processWatermark(12);
    assert.deepEqual(buffered(second.h, RIGHT_BUFFER), new Map(), 'the restored right element was cleaned at 12');
    second.h.processElement2(right('r13'), 13);
    assert.deepEqual(second.h.getValues(), ['l10:r13']);
    second.h.processWatermark(MAX);
    assert.equal(second.op.numEventTimeTimers(), 0);
    assert.equal(second.h.keyedStateBackend!.getStatistics().numEntries, 0, 'restored buffers were cleaned by restored timers');
  });

  it('drops late elements, or emits them with their timestamp to the late-data outputs', async () => {
    const dropping = harness(bounds(-5, 5));
    await dropping.h.open();
    dropping.h.processElement2(right('r'), 10);
    dropping.h.processWatermark(10);
    dropping.h.processElement1(left('late'), 9);
    dropping.h.processElement1(left('on time'), 10);
    assert.deepEqual(dropping.h.getValues(), ['on time:r']);
    assert.deepEqual(buffered(dropping.h, LEFT_BUFFER), new Map([['k', ['on time@10']]]), 'a late element is not buffered');

    const leftLate = new OutputTag<Event>('left-late');
    const rightLate = new OutputTag<Event>('right-late');
    const { h } = harness(bounds(-5, 5), { leftLate, rightLate });
    await h.open();
    h.processElement2(right('r'), 10);
    h.processWatermark(10);
    h.processElement1(left('late'), 9);
    h.processElement2(right('late r'), 3);
    h.processElement1(left('on time'), 10);
    assert.deepEqual(h.getSideOutput(leftLate), [{ value: left('late'), timestamp: 9 }]);
    assert.deepEqual(h.getSideOutput(rightLate), [{ value: right('late r'), timestamp: 3 }]);
    assert.deepEqual(h.getValues(), ['on time:r']);
  });

  it('uses the watermark combined over both inputs to decide lateness', async () => {
    const { h } = harness(bounds(0, 0));
    await h.open();
    h.processWatermark1(50);
    h.processElement2(right('r'), 20);
    h.processElement1(left('l'), 20);
    assert.deepEqual(h.getValues(), ['l:r'], 'input 2 is still at its initial watermark');
  });

  it('rejects elements without timestamps, naming operator, subtask, input and record', async () => {
    const { h } = harness(bounds(0, 1));
    await h.open();
    assert.throws(
      () => h.processElement2(right('no ts')),
      (e: unknown) =>
        FlinkError.isFlinkError(e) &&
        e.code === ErrorCodes.FLINK_TS_INVALID_PIPELINE &&
        e.message.includes("'Interval Join' (subtask 1/1)") &&
        e.message.includes('right input') &&
        e.message.includes('no ts') &&
        e.message.includes('Elements used in interval stream joins need to have timestamps'),
    );
  });

  it('wraps failures of the function with operator, subtask and both elements', async () => {
    const boom = new Error('boom');
    const { h } = harness(bounds(0, 0), {
      fn: () => {
        throw boom;
      },
    });
    await h.open();
    h.processElement1(left('a'), 1);
    assert.throws(
      () => h.processElement2(right('b'), 1),
      (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_USER_FUNCTION && e.cause === boom && /'Interval Join'.*"a".*"b"/.test(e.message),
    );
  });

  it('requires lowerBound <= upperBound', () => {
    assert.throws(() => harness(bounds(3, 2)), /lowerBound <= upperBound must be fulfilled/);
    assert.doesNotThrow(() => harness(bounds(2, 2, false, false)), 'an empty interval is allowed, as in Flink');
  });
});

// ---- differential test -------------------------------------------------------------------------

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

type Step = { kind: 'element'; side: 1 | 2; key: string; ts: number; id: string } | { kind: 'watermark'; input: 1 | 2; ts: number };

interface Arrival {
  readonly side: 1 | 2;
  readonly key: string;
  readonly ts: number;
  readonly id: string;
  /** The operator's (combined) watermark when the element arrived. */
  readonly watermark: number;
}

/**
 * The semantics, stated without buffers: two elements of a key join when neither was late (behind
 * the watermark on arrival) and their distance is within the bounds, unless the earlier one had
 * been cleaned up when the later one arrived — which happens once the watermark has advanced past
 * the earlier element's arrival to at least its cleanup time.
 */
class Reference {
  readonly lower: number;
  readonly upper: number;
  private w1 = Number.MIN_SAFE_INTEGER;
  private w2 = Number.MIN_SAFE_INTEGER;
  watermark = Number.MIN_SAFE_INTEGER;
  readonly arrivals: Arrival[] = [];
  readonly late: Arrival[] = [];

  constructor(b: IntervalJoinBounds) {
    this.lower = b.lowerBoundInclusive ? b.lowerBound : b.lowerBound + 1;
    this.upper = b.upperBoundInclusive ? b.upperBound : b.upperBound - 1;
  }

  step(s: Step): void {
    if (s.kind === 'watermark') {
      if (s.input === 1) this.w1 = s.ts;
      else this.w2 = s.ts;
      this.watermark = Math.max(this.watermark, Math.min(this.w1, this.w2));
      return;
    }
    const a: Arrival = { side: s.side, key: s.key, ts: s.ts, id: s.id, watermark: this.watermark };
    (s.ts < this.watermark ? this.late : this.arrivals).push(a);
  }

  cleanupTime(a: Arrival): number {
    if (a.side === 1) return this.upper > 0 ? a.ts + this.upper : a.ts;
    return this.lower < 0 ? a.ts - this.lower : a.ts;
  }

  isCleanedUp(a: Arrival, watermark: number): boolean {
    return watermark >= this.cleanupTime(a) && watermark > a.watermark;
  }

  pairs(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.arrivals.length; i++) {
      for (let j = i + 1; j < this.arrivals.length; j++) {
        const earlier = this.arrivals[i]!;
        const later = this.arrivals[j]!;
        if (earlier.side === later.side || earlier.key !== later.key) continue;
        const [l, r] = earlier.side === 1 ? [earlier, later] : [later, earlier];
        if (r.ts < l.ts + this.lower || r.ts > l.ts + this.upper) continue;
        if (this.isCleanedUp(earlier, later.watermark)) continue;
        out.push(`${l.id}:${r.id}@${Math.max(l.ts, r.ts)}`);
      }
    }
    return out.sort();
  }

  buffered(side: 1 | 2): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const live = this.arrivals.filter((a) => a.side === side && !this.isCleanedUp(a, this.watermark));
    for (const a of [...live].sort((x, y) => x.ts - y.ts)) {
      let list = out.get(a.key);
      if (list === undefined) out.set(a.key, (list = []));
      list.push(`${a.id}@${a.ts}`);
    }
    return new Map([...out.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
  }
}

function randomSteps(random: () => number, n: number): Step[] {
  const steps: Step[] = [];
  const watermarks = [Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
  let now = 0;
  for (let i = 0; i < n; i++) {
    now += Math.floor(random() * 3);
    const r = random();
    if (r < 0.2) {
      const input = random() < 0.5 ? 1 : 2;
      const ts = Math.max(watermarks[input - 1]!, now - Math.floor(random() * 6));
      watermarks[input - 1] = ts;
      steps.push({ kind: 'watermark', input, ts });
    } else {
      const side = r < 0.6 ? 1 : 2;
      const key = 'abc'[Math.floor(random() * 3)]!;
      const ts = now + Math.floor(random() * 10) - 6;
      steps.push({ kind: 'element', side, key, ts, id: `${side === 1 ? 'L' : 'R'}${i}` });
    }
  }
  steps.push({ kind: 'watermark', input: 1, ts: MAX }, { kind: 'watermark', input: 2, ts: MAX });
  return steps;
}

describe('IntervalJoinOperator against a reference of the semantics', () => {
  it('emits the same pairs, late elements and buffered state on randomized inputs', async () => {
    const leftLate = new OutputTag<Event>('left-late');
    const rightLate = new OutputTag<Event>('right-late');
    let totalPairs = 0;
    let totalLate = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const random = mulberry32(seed);
      const lower = Math.floor(random() * 11) - 6;
      const b = bounds(lower, lower + Math.floor(random() * 9), random() < 0.7, random() < 0.7);
      const steps = randomSteps(random, 60);
      const { h, op } = harness(b, { leftLate, rightLate });
      await h.open();
      const ref = new Reference(b);
      const what = `seed ${seed}, bounds ${JSON.stringify(b)}`;
      for (const s of steps) {
        ref.step(s);
        if (s.kind === 'watermark') {
          if (s.input === 1) h.processWatermark1(s.ts);
          else h.processWatermark2(s.ts);
        } else if (s.side === 1) {
          h.processElement1({ key: s.key, id: s.id }, s.ts);
        } else {
          h.processElement2({ key: s.key, id: s.id }, s.ts);
        }
        assert.deepEqual(buffered(h, LEFT_BUFFER), ref.buffered(1), `${what}: left buffer after ${JSON.stringify(s)}`);
        assert.deepEqual(buffered(h, RIGHT_BUFFER), ref.buffered(2), `${what}: right buffer after ${JSON.stringify(s)}`);
      }
      const actual = h.getOutput().map((o) => `${o.value}@${o.timestamp}`);
      assert.deepEqual([...actual].sort(), ref.pairs(), what);
      const lateIds = (tag: OutputTag<Event>) => h.getSideOutput(tag).map((o) => `${o.value.id}@${o.timestamp}`);
      assert.deepEqual(lateIds(leftLate), ref.late.filter((a) => a.side === 1).map((a) => `${a.id}@${a.ts}`), what);
      assert.deepEqual(lateIds(rightLate), ref.late.filter((a) => a.side === 2).map((a) => `${a.id}@${a.ts}`), what);
      assert.equal(op.numEventTimeTimers(), 0, `${what}: every cleanup timer fired`);
      assert.equal(h.keyedStateBackend!.getStatistics().numEntries, 0, `${what}: the buffers are empty at the end`);
      totalPairs += actual.length;
      totalLate += ref.late.length;
    }
    assert.ok(totalPairs > 500, `the inputs join often enough to mean something (${totalPairs} pairs)`);
    assert.ok(totalLate > 50, `and have late elements (${totalLate})`);
  });
});
