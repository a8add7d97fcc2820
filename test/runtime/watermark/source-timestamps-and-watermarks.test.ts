/*
 * Tests of event time at split-based sources (Flink's ProgressiveTimestampsAndWatermarks): the
 * main output's own generator, split-local generators combined into the minimum over active
 * splits, periodic emission on the processing-time service, idleness per split and per reader,
 * and the plain path without watermarks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_TIMESTAMP, Watermark } from '../../../src/api/common/watermark.ts';
import { WatermarkStrategy } from '../../../src/api/eventtime/watermark-strategy.ts';
import { WatermarkStatus } from '../../../src/runtime/io/stream-events.ts';
import { SourceTimestampsAndWatermarks, type SourceWatermarkListener } from '../../../src/runtime/watermark/source-timestamps-and-watermarks.ts';
import { CollectingOutput, ManualProcessingTimeService } from '../operators/harness.ts';

interface Event {
  readonly id: string;
  readonly t: number;
}

class RecordingListener implements SourceWatermarkListener {
  readonly log: string[] = [];
  updateCurrentEffectiveWatermark(w: number): void {
    this.log.push(`effective ${w}`);
  }
  updateIdle(idle: boolean): void {
    this.log.push(`idle ${idle}`);
  }
  updateCurrentSplitWatermark(id: string, w: number): void {
    this.log.push(`split ${id} ${w}`);
  }
  updateCurrentSplitIdle(id: string, idle: boolean): void {
    this.log.push(`split ${id} idle ${idle}`);
  }
  splitFinished(id: string): void {
    this.log.push(`finished ${id}`);
  }
}

function setup(strategy: WatermarkStrategy<Event>, intervalMs = 100) {
  let clockNow = 0;
  const clock = { relativeTimeMillis: () => clockNow };
  const time = new ManualProcessingTimeService(0);
  const out = new CollectingOutput<Event>();
  const listener = new RecordingListener();
  const logic = new SourceTimestampsAndWatermarks<Event>(strategy, time, intervalMs, null, clock);
  const reader = logic.createMainOutput(out, listener);
  logic.startPeriodicWatermarkEmits();
  // In 10 ms steps, so that periodic emits re-registered from a timer keep their rhythm.
  const advance = (ms: number): void => {
    for (let left = ms; left > 0; left -= 10) {
      const step = Math.min(10, left);
      clockNow += step;
      time.setCurrentTime(time.getCurrentProcessingTime() + step);
    }
  };
  /** What reached the operator's output since the last call: records, watermarks and statuses in order. */
  const events: string[] = [];
  const origCollect = out.collect.bind(out);
  out.collect = (v, ts) => {
    events.push(`${v.id}@${ts}`);
    origCollect(v, ts);
  };
  out.emitWatermark = (w: Watermark) => void events.push(`W${w.timestamp}`);
  out.emitWatermarkStatus = (s: WatermarkStatus) => void events.push(s.isIdle() ? 'IDLE' : 'ACTIVE');
  return { logic, reader, time, listener, advance, take: () => events.splice(0) };
}

const byT = WatermarkStrategy.forBoundedOutOfOrderness<Event>(10).withTimestampAssigner((e) => e.t);

describe('SourceTimestampsAndWatermarks', () => {
  it('main output: assigns timestamps and emits the generator watermark every interval, only when it rises', () => {
    const { reader, advance, take, time } = setup(byT);
    reader.collect({ id: 'a', t: 100 });
    reader.collect({ id: 'b', t: 50 }, 7);
    assert.deepEqual(take(), ['a@100', 'b@50']);
    advance(99);
    assert.deepEqual(take(), []);
    advance(1);
    assert.deepEqual(take(), ['W89']);
    advance(100);
    assert.deepEqual(take(), [], 'the same watermark is not emitted twice');
    assert.equal(time.numPendingTimers, 1);
  });

  it('split outputs: the reader watermark is the minimum over its splits; a released split stops holding it', () => {
    const { reader, advance, take, listener } = setup(byT);
    const s1 = reader.createOutputForSplit('s1');
    const s2 = reader.createOutputForSplit('s2');
    assert.equal(reader.createOutputForSplit('s1'), s1, 'one output per split');
    s1.collect({ id: 'x', t: 500 });
    s2.collect({ id: 'y', t: 200 });
    advance(100);
    assert.deepEqual(take(), ['x@500', 'y@200', 'W189']);
    s2.collect({ id: 'z', t: 300 });
    advance(100);
    assert.deepEqual(take(), ['z@300', 'W289']);
    reader.releaseOutputForSplit('s2');
    advance(100);
    assert.deepEqual(take(), ['W489']);
    assert.ok(listener.log.includes('split s1 489'));
    assert.ok(listener.log.includes('finished s2'));
    assert.ok(listener.log.includes('effective 489'));
  });

  it('a new split holds the reader watermark until its generator has seen an event', () => {
    const { reader, advance, take } = setup(byT);
    const s1 = reader.createOutputForSplit('s1');
    s1.collect({ id: 'a', t: 100 });
    advance(100);
    assert.deepEqual(take(), ['a@100', 'W89']);
    const s2 = reader.createOutputForSplit('s2');
    s1.collect({ id: 'b', t: 300 });
    advance(100);
    assert.deepEqual(take(), ['b@300']);
    s2.collect({ id: 'c', t: 250 });
    advance(100);
    assert.deepEqual(take(), ['c@250', 'W239']);
  });

  it('punctuated generators emit at once on split outputs', () => {
    const strategy = WatermarkStrategy.forGenerator<Event>(() => ({
      onEvent: (e, ts, out) => {
        if (e.id === 'mark') out.emitWatermark(new Watermark(ts));
      },
      onPeriodicEmit: () => {},
    })).withTimestampAssigner((e) => e.t);
    const { reader, take } = setup(strategy);
    const s1 = reader.createOutputForSplit('s1');
    s1.collect({ id: 'mark', t: 40 });
    assert.deepEqual(take(), ['mark@40', 'W40']);
    // The main output's generator is separate: a mark there is emitted too (the reader output never goes back).
    reader.collect({ id: 'mark', t: 30 });
    reader.collect({ id: 'mark', t: 60 });
    assert.deepEqual(take(), ['mark@30', 'mark@60', 'W60']);
  });

  it('with idleness: a quiet split drops out of the minimum; when all are quiet the reader is idle; a record makes it active', () => {
    const { reader, advance, take, logic } = setup(byT.withIdleness(250));
    const busy = reader.createOutputForSplit('busy');
    const quiet = reader.createOutputForSplit('quiet');
    quiet.collect({ id: 'q', t: 100 });
    busy.collect({ id: 'b1', t: 1000 });
    advance(100);
    assert.deepEqual(take(), ['q@100', 'b1@1000', 'W89']);
    for (let i = 2; i <= 5; i++) {
      busy.collect({ id: `b${i}`, t: 1000 * i });
      advance(100);
    }
    // quiet: countdown starts at the emit after its event (t=200), idle at the first emit after 450.
    assert.deepEqual(take(), ['b2@2000', 'b3@3000', 'b4@4000', 'b5@5000', 'W4989']);
    advance(400);
    // The main output never saw an event: it goes idle too; so does busy now.
    assert.deepEqual(take(), ['IDLE']);
    assert.equal(logic.isIdle(), true);
    quiet.collect({ id: 'q2', t: 6000 });
    assert.deepEqual(take(), ['ACTIVE', 'q2@6000']);
    advance(100);
    assert.deepEqual(take(), ['W5989']);
  });

  it('without watermarks: records keep their timestamps, no periodic work, explicit watermarks still go out', () => {
    const { reader, take, time, logic } = setup(WatermarkStrategy.noWatermarks<Event>());
    assert.equal(time.numPendingTimers, 0);
    reader.collect({ id: 'a', t: 1 });
    reader.collect({ id: 'b', t: 2 }, 42);
    reader.emitWatermark(40);
    reader.emitWatermark(new Watermark(30));
    assert.deepEqual(take(), [`a@${NO_TIMESTAMP}`, 'b@42', 'W40']);
    assert.equal(logic.numRecordsOut, 2);
    logic.emitFinalWatermark();
    assert.deepEqual(take(), [`W${Watermark.MAX_WATERMARK.timestamp}`]);
    assert.throws(() => reader.emitWatermark(Number.NaN), TypeError);
  });

  it('the final watermark ends the idleness first and stops the periodic emits', () => {
    const { reader, take, logic, time } = setup(byT);
    reader.markIdle();
    assert.deepEqual(take(), ['IDLE']);
    logic.emitFinalWatermark();
    assert.deepEqual(take(), ['ACTIVE', `W${Watermark.MAX_WATERMARK.timestamp}`]);
    assert.equal(time.numPendingTimers, 0);
  });
});
