/*
 * Tests of WatermarkManager, the StatusWatermarkValve keyed by input names: the combined
 * watermark is the minimum over active inputs, declared inputs hold it back until they report,
 * idle inputs drop out and rejoin once caught up, late inputs join without pulling it back.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Watermark, WatermarkManager } from 'flink-ts';

function manager(ids: string[] = []): { m: WatermarkManager; log: (number | string)[] } {
  const log: (number | string)[] = [];
  const m = new WatermarkManager(ids, { onWatermark: (w) => log.push(w.timestamp), onIdleChange: (idle) => log.push(idle ? 'IDLE' : 'ACTIVE') });
  return { m, log };
}

describe('WatermarkManager', () => {
  it('the combined watermark is the minimum over the inputs, and waits for every declared input', () => {
    const { m, log } = manager(['input-1', 'input-2']);
    assert.equal(m.updateWatermark('input-1', 100), Number.MIN_SAFE_INTEGER);
    assert.equal(m.updateWatermark('input-2', new Watermark(50)), 50);
    assert.equal(m.updateWatermark('input-2', 120), 100);
    assert.equal(m.currentWatermark, 100);
    assert.deepEqual(log, [50, 100]);
    assert.equal(m.getInputWatermark('input-2'), 120);
    assert.equal(m.getInputWatermark('nope'), undefined);
  });

  it('never goes back', () => {
    const { m } = manager(['a']);
    m.updateWatermark('a', 10);
    assert.equal(m.updateWatermark('a', 5), 10);
  });

  it('idle inputs drop out; when all are idle the manager is idle; a watermark makes an input active again', () => {
    const { m, log } = manager(['a', 'b']);
    m.updateWatermark('a', 30);
    m.updateWatermark('b', 10);
    m.markIdle('b');
    assert.equal(m.currentWatermark, 30);
    m.markIdle('a');
    assert.equal(m.isIdle(), true);
    m.updateWatermark('b', 40);
    assert.equal(m.isIdle(), false);
    // b (40) is at or above the output again, so it counts; a is still idle.
    assert.deepEqual(log, [10, 30, 'IDLE', 'ACTIVE', 40]);
    m.updateWatermark('b', 45);
    assert.equal(m.currentWatermark, 45);
  });

  it('an input that comes back behind does not hold the watermark back until it catches up', () => {
    const { m } = manager(['a', 'b']);
    m.updateWatermark('a', 10);
    m.updateWatermark('b', 10);
    m.markIdle('b');
    m.updateWatermark('a', 50);
    m.markActive('b');
    m.updateWatermark('a', 60);
    assert.equal(m.currentWatermark, 60, 'b (10) is behind: unaligned');
    m.updateWatermark('b', 70);
    m.updateWatermark('a', 90);
    assert.equal(m.currentWatermark, 70, 'b caught up and holds the minimum again');
  });

  it('an input first seen after the watermark moved joins once it has caught up', () => {
    const { m } = manager();
    m.updateWatermark('a', 100);
    assert.equal(m.currentWatermark, 100);
    m.updateWatermark('late', 20);
    assert.equal(m.currentWatermark, 100);
    m.updateWatermark('a', 200);
    assert.equal(m.currentWatermark, 200, 'the late input is behind and does not hold it');
    m.updateWatermark('late', 150);
    m.updateWatermark('late', 250);
    m.updateWatermark('a', 300);
    assert.equal(m.currentWatermark, 250);
    assert.deepEqual(m.getInputIds(), ['a', 'late']);
  });

  it('the end of input (MAX_WATERMARK) of every input is the end of event time', () => {
    const { m, log } = manager(['a', 'b']);
    m.updateWatermark('a', Watermark.MAX_WATERMARK);
    m.updateWatermark('b', Watermark.MAX_WATERMARK);
    assert.equal(m.currentWatermark, Watermark.MAX_WATERMARK.timestamp);
    assert.deepEqual(log, [Watermark.MAX_WATERMARK.timestamp]);
  });

  it('rejects what is not a watermark', () => {
    const { m } = manager();
    assert.throws(() => m.updateWatermark('a', Number.NaN), TypeError);
    assert.throws(() => m.updateWatermark(1 as unknown as string, 1), TypeError);
  });
});
