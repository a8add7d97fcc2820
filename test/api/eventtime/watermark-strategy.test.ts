/*
 * Tests of WatermarkStrategy and its generators, as Flink's: bounded out-of-orderness emits the
 * maximum timestamp seen minus the bound minus one, monotonous timestamps the maximum minus one,
 * noWatermarks nothing; timestamp assigners as functions or objects, also through the object form
 * of forBoundedOutOfOrderness.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedOutOfOrdernessWatermarks, Duration, Watermark, WatermarkStrategy, type WatermarkGenerator, type WatermarkOutput } from 'flink-ts';

class CollectingWatermarkOutput implements WatermarkOutput {
  readonly watermarks: number[] = [];
  idle = 0;
  active = 0;
  emitWatermark(watermark: Watermark): void {
    this.watermarks.push(watermark.timestamp);
  }
  markIdle(): void {
    this.idle++;
  }
  markActive(): void {
    this.active++;
  }
}

function feed<T>(generator: WatermarkGenerator<T>, events: [T, number][]): CollectingWatermarkOutput {
  const out = new CollectingWatermarkOutput();
  for (const [event, ts] of events) generator.onEvent(event, ts, out);
  return out;
}

describe('BoundedOutOfOrdernessWatermarks', () => {
  it('emits the maximum timestamp seen minus the bound minus one, periodically only', () => {
    const g: WatermarkGenerator<string> = new BoundedOutOfOrdernessWatermarks<string>(5);
    const out = feed(g, [['a', 10], ['b', 30], ['c', 20]]);
    assert.deepEqual(out.watermarks, [], 'events do not emit watermarks');
    g.onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, [24]);
    g.onEvent('d', 31, out);
    g.onPeriodicEmit(out);
    g.onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, [24, 25, 25]);
  });

  it('emits the lowest watermark before any event', () => {
    const out = new CollectingWatermarkOutput();
    new BoundedOutOfOrdernessWatermarks<string>(Duration.ofSeconds(10)).onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, [Number.MIN_SAFE_INTEGER]);
  });

  it('takes the bound as a Duration', () => {
    const g = new BoundedOutOfOrdernessWatermarks<string>(Duration.ofSeconds(1));
    const out = feed(g, [['a', 5_000]]);
    g.onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, [3_999]);
  });

  it('rejects a negative or non-numeric bound', () => {
    assert.throws(() => new BoundedOutOfOrdernessWatermarks(-1), RangeError);
    assert.throws(() => new BoundedOutOfOrdernessWatermarks(Duration.ofMillis(-5)), RangeError);
    assert.throws(() => new BoundedOutOfOrdernessWatermarks('1s' as unknown as number), TypeError);
  });
});

describe('WatermarkStrategy', () => {
  it('forBoundedOutOfOrderness creates fresh generators with the bound', () => {
    const strategy = WatermarkStrategy.forBoundedOutOfOrderness<string>(Duration.ofMillis(100));
    const a = strategy.createWatermarkGenerator();
    const b = strategy.createWatermarkGenerator();
    assert.notEqual(a, b);
    const out = feed(a, [['x', 1_000]]);
    a.onPeriodicEmit(out);
    b.onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, [899, Number.MIN_SAFE_INTEGER]);
    assert.equal(strategy.createTimestampAssigner(), null, 'no assigner: records keep their timestamps');
    assert.equal(strategy.isNoWatermarks(), false);
    assert.throws(() => WatermarkStrategy.forBoundedOutOfOrderness('x' as unknown as number), TypeError);
  });

  it('forMonotonousTimestamps emits the maximum timestamp minus one', () => {
    const g = WatermarkStrategy.forMonotonousTimestamps<number>().createWatermarkGenerator();
    const out = feed(g, [[1, 7], [2, 9]]);
    g.onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, [8]);
  });

  it('noWatermarks emits nothing and says so', () => {
    const strategy = WatermarkStrategy.noWatermarks<number>();
    const g = strategy.createWatermarkGenerator();
    const out = feed(g, [[1, 100]]);
    g.onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, []);
    assert.equal(strategy.isNoWatermarks(), true);
    assert.equal(strategy.createTimestampAssigner(), null);
  });

  it('withTimestampAssigner accepts a function or an object and leaves the original strategy unchanged', () => {
    const base = WatermarkStrategy.forMonotonousTimestamps<{ t: number }>();
    const fromFunction = base.withTimestampAssigner((e, recordTs) => e.t + recordTs);
    const fromObject = base.withTimestampAssigner({ extractTimestamp: (e: { t: number }) => e.t * 2 });
    assert.equal(fromFunction.createTimestampAssigner()!({ t: 5 }, 1), 6);
    assert.equal(fromObject.createTimestampAssigner()!({ t: 5 }, 1), 10);
    assert.equal(base.createTimestampAssigner(), null);
    assert.equal(fromObject.isNoWatermarks(), false);
  });

  it('binds an object assigner to its object', () => {
    const assigner = {
      offset: 100,
      extractTimestamp(e: number): number {
        return e + this.offset;
      },
    };
    const strategy = WatermarkStrategy.noWatermarks<number>().withTimestampAssigner(assigner);
    assert.equal(strategy.createTimestampAssigner()!(1, 0), 101);
    assert.equal(strategy.isNoWatermarks(), true, 'an assigner does not add watermarks');
  });

  it('accepts the object form { timestampAssigner, maxOutOfOrderness }', () => {
    const strategy = WatermarkStrategy.forBoundedOutOfOrderness<{ at: number }>({
      timestampAssigner: (e) => e.at,
      maxOutOfOrderness: Duration.ofMillis(10),
    });
    const assign = strategy.createTimestampAssigner()!;
    assert.equal(assign({ at: 50 }, Number.NEGATIVE_INFINITY), 50);
    const g = strategy.createWatermarkGenerator();
    const out = feed(g, [[{ at: 50 }, 50]]);
    g.onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, [39]);
    const withNumber = WatermarkStrategy.forBoundedOutOfOrderness<{ at: number }>({ timestampAssigner: { extractTimestamp: (e) => e.at }, maxOutOfOrderness: 0 });
    assert.equal(withNumber.createTimestampAssigner()!({ at: 3 }, 0), 3);
  });

  it('forGenerator uses the given factory and passes the context', () => {
    const contexts: unknown[] = [];
    const strategy = WatermarkStrategy.forGenerator<number>((ctx) => {
      contexts.push(ctx);
      return {
        onEvent: (_e, ts, out) => out.emitWatermark(new Watermark(ts)),
        onPeriodicEmit: (out) => out.markIdle(),
      };
    });
    const context = { getMetricGroup: () => 'metrics' };
    const g = strategy.createWatermarkGenerator(context);
    const out = feed(g, [[1, 42]]);
    g.onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, [42]);
    assert.equal(out.idle, 1);
    assert.ok(contexts.includes(context));
    assert.equal(strategy.isNoWatermarks(), false);
  });
});

describe('WatermarkStrategy.withIdleness', () => {
  it('wraps the generator in idleness detection on the input activity clock it is given', () => {
    let now = 0;
    const clock = { relativeTimeMillis: () => now };
    const g = WatermarkStrategy.forMonotonousTimestamps<number>().withIdleness(Duration.ofMillis(100)).createWatermarkGenerator({ getInputActivityClock: () => clock });
    const out = feed(g, [[1, 10]]);
    g.onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, [9]);
    now = 50;
    g.onPeriodicEmit(out); // no events since the last emit: the countdown starts
    now = 151;
    g.onPeriodicEmit(out);
    assert.equal(out.idle, 1);
    assert.deepEqual(out.watermarks, [9, 9], 'no watermark once idle');
  });

  it('takes milliseconds or a Duration, rejects zero, negative and non-durations', () => {
    const base = WatermarkStrategy.forMonotonousTimestamps<number>();
    assert.ok(base.withIdleness(10) instanceof WatermarkStrategy);
    assert.ok(base.withIdleness(Duration.ofSeconds(1)) instanceof WatermarkStrategy);
    assert.throws(() => base.withIdleness(0), /idleTimeout must be greater than zero/);
    assert.throws(() => base.withIdleness(Duration.ofMillis(-1)), RangeError);
    assert.throws(() => base.withIdleness('1s' as unknown as number), TypeError);
  });

  it('keeps the assigner and alignment, and makes noWatermarks emit (it can mark idle)', () => {
    const strategy = WatermarkStrategy.noWatermarks<number>()
      .withTimestampAssigner((e) => e * 10)
      .withWatermarkAlignment('g', 5)
      .withIdleness(20);
    assert.equal(strategy.createTimestampAssigner()!(2, 0), 20);
    assert.equal(strategy.getAlignmentParameters().getWatermarkGroup(), 'g');
    assert.equal(strategy.isNoWatermarks(), false);
  });
});

describe('WatermarkStrategy.withWatermarkAlignment', () => {
  it('is disabled unless asked for, with a default update interval of 1 s', () => {
    const base = WatermarkStrategy.forMonotonousTimestamps<number>();
    assert.equal(base.getAlignmentParameters().isEnabled(), false);
    const aligned = base.withWatermarkAlignment('group-1', Duration.ofSeconds(20));
    const params = aligned.getAlignmentParameters();
    assert.equal(params.isEnabled(), true);
    assert.equal(params.getWatermarkGroup(), 'group-1');
    assert.equal(params.getMaxAllowedWatermarkDrift(), 20_000);
    assert.equal(params.getUpdateInterval(), 1000);
    assert.equal(base.getAlignmentParameters().isEnabled(), false, 'the original strategy is unchanged');
  });

  it('takes the drift and the interval as Durations or milliseconds and keeps the other settings', () => {
    const strategy = WatermarkStrategy.forBoundedOutOfOrderness<{ t: number }>(5)
      .withTimestampAssigner((e) => e.t)
      .withWatermarkAlignment('g', 100, Duration.ofMillis(250));
    assert.equal(strategy.getAlignmentParameters().getMaxAllowedWatermarkDrift(), 100);
    assert.equal(strategy.getAlignmentParameters().getUpdateInterval(), 250);
    assert.equal(strategy.createTimestampAssigner()!({ t: 7 }, 0), 7);
    // The alignment survives later changes.
    assert.equal(strategy.withIdleness(10).withTimestampAssigner((e) => e.t).getAlignmentParameters().getWatermarkGroup(), 'g');
  });

  it('rejects an empty group, a negative drift and a non-positive interval', () => {
    const base = WatermarkStrategy.forMonotonousTimestamps<number>();
    assert.throws(() => base.withWatermarkAlignment('', 10), TypeError);
    assert.throws(() => base.withWatermarkAlignment('g', -1), RangeError);
    assert.throws(() => base.withWatermarkAlignment('g', 10, 0), RangeError);
    assert.throws(() => base.withWatermarkAlignment('g', '10' as unknown as number), TypeError);
  });
});

describe('Punctuated and periodic generators', () => {
  it('a punctuated generator emits on events, through the output passed to onEvent', () => {
    const g = WatermarkStrategy.forGenerator<{ ts: number; marker: boolean }>(() => ({
      onEvent: (e, ts, out) => {
        if (e.marker) out.emitWatermark(new Watermark(ts));
      },
      onPeriodicEmit: () => {},
    })).createWatermarkGenerator();
    const out = feed(g, [
      [{ ts: 1, marker: false }, 1],
      [{ ts: 5, marker: true }, 5],
      [{ ts: 7, marker: false }, 7],
    ]);
    g.onPeriodicEmit(out);
    assert.deepEqual(out.watermarks, [5]);
  });

  it('BoundedOutOfOrdernessWatermarks.onEvent takes the output and does not emit to it', () => {
    const g = new BoundedOutOfOrdernessWatermarks<number>(0);
    const out = new CollectingWatermarkOutput();
    g.onEvent(1, 100, out);
    assert.deepEqual(out.watermarks, []);
  });

  it('rejects a timestamp assigner that is neither a function nor an object with extractTimestamp', () => {
    assert.throws(() => WatermarkStrategy.noWatermarks<number>().withTimestampAssigner({} as never), TypeError);
    assert.throws(() => WatermarkStrategy.forGenerator<number>(null as never), TypeError);
  });
});
