/*
 * Tests of the reader side of watermark alignment (Flink's SourceOperator logic): reporting the
 * watermark (the maximum while idle, nothing before the first one), waiting while ahead of the
 * announced limit with the idleness clock paused, and pausing single splits when a reader has
 * several.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Watermark } from '../../../src/api/common/watermark.ts';
import { WatermarkAlignmentParams } from '../../../src/api/eventtime/watermark-alignment-params.ts';
import { SourceWatermarkAlignment } from '../../../src/runtime/source/watermark-alignment.ts';
import { PausableRelativeClock } from '../../../src/runtime/watermark/pausable-relative-clock.ts';

function setup() {
  const reports: number[] = [];
  const pauses: string[] = [];
  const clock = new PausableRelativeClock({ relativeTimeMillis: () => 0 });
  const alignment = new SourceWatermarkAlignment({
    params: WatermarkAlignmentParams.of('g', 100, 20),
    reportWatermark: (w) => reports.push(w),
    pauseOrResumeSplits: (p, r) => pauses.push(`pause [${p.join(',')}] resume [${r.join(',')}]`),
    inputActivityClock: clock,
  });
  return { alignment, reports, pauses, clock };
}

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise<void>((r) => setImmediate(r));
  return done;
};

describe('SourceWatermarkAlignment', () => {
  it('reports nothing before the first watermark, then the latest one, and the maximum while idle', () => {
    const { alignment, reports } = setup();
    assert.equal(alignment.updateIntervalMs, 20);
    alignment.emitLatestWatermark();
    alignment.updateCurrentEffectiveWatermark(50);
    alignment.emitLatestWatermark();
    alignment.updateIdle(true);
    alignment.emitLatestWatermark();
    alignment.updateIdle(false);
    alignment.endOfInput();
    assert.deepEqual(reports, [50, Watermark.MAX_WATERMARK.timestamp, Watermark.MAX_WATERMARK.timestamp]);
  });

  it('waits while its watermark is above the announced limit, with the idleness clock paused', async () => {
    const { alignment, clock } = setup();
    alignment.updateCurrentEffectiveWatermark(500);
    assert.equal(alignment.isWaitingForAlignment(), false, 'no limit before the first announcement');
    alignment.handleAlignmentEvent(400);
    assert.equal(alignment.isWaitingForAlignment(), true);
    assert.equal(clock.isPaused(), true);
    const aligned = alignment.whenAligned();
    alignment.handleAlignmentEvent(499);
    assert.equal(await settled(aligned), false);
    alignment.handleAlignmentEvent(500);
    assert.equal(alignment.isWaitingForAlignment(), false);
    assert.equal(await settled(aligned), true);
    assert.equal(clock.isPaused(), false);
    // A watermark that rises past the limit starts waiting at once.
    alignment.updateCurrentEffectiveWatermark(501);
    assert.equal(alignment.isWaitingForAlignment(), true);
  });

  it('pauses splits that run ahead when the reader has several, and resumes them as the limit rises', () => {
    const { alignment, pauses } = setup();
    alignment.splitsAdded(2);
    alignment.handleAlignmentEvent(100);
    alignment.updateCurrentSplitWatermark('a', 150);
    alignment.updateCurrentSplitWatermark('b', 80);
    assert.deepEqual(pauses, ['pause [a] resume []']);
    assert.equal(alignment.isSplitPaused('a'), true);
    alignment.updateCurrentSplitWatermark('b', 120);
    alignment.handleAlignmentEvent(130);
    assert.deepEqual(pauses, ['pause [a] resume []', 'pause [b] resume []', 'pause [] resume [b]']);
    alignment.handleAlignmentEvent(200);
    assert.deepEqual(pauses.at(-1), 'pause [] resume [a]');
    alignment.splitFinished('a');
    assert.equal(alignment.isSplitPaused('a'), false);
  });

  it('a single split is never paused on its own: the reader waits instead', () => {
    const { alignment, pauses } = setup();
    alignment.splitsAdded(1);
    alignment.handleAlignmentEvent(100);
    alignment.updateCurrentSplitWatermark('a', 150);
    alignment.handleAlignmentEvent(90);
    assert.deepEqual(pauses, []);
  });
});
