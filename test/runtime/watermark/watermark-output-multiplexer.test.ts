/*
 * Tests of WatermarkOutputMultiplexer, after Flink's WatermarkOutputMultiplexerTest: the combined
 * watermark is the minimum over outputs that are not idle and never goes back; deferred updates
 * count only at onPeriodicEmit; all idle makes the combined output idle; a watermark ends an
 * output's idleness.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Watermark } from '../../../src/api/common/watermark.ts';
import type { WatermarkOutput } from '../../../src/api/eventtime/watermark-generator.ts';
import { WatermarkOutputMultiplexer } from '../../../src/runtime/watermark/watermark-output-multiplexer.ts';

class Underlying implements WatermarkOutput {
  readonly log: (number | 'idle' | 'active')[] = [];
  emitWatermark(w: Watermark): void {
    this.log.push(w.timestamp);
  }
  markIdle(): void {
    this.log.push('idle');
  }
  markActive(): void {
    this.log.push('active');
  }
  take(): (number | 'idle' | 'active')[] {
    return this.log.splice(0);
  }
}

const wm = (t: number): Watermark => new Watermark(t);

function setup(...ids: string[]): { m: WatermarkOutputMultiplexer; out: Underlying } {
  const out = new Underlying();
  const m = new WatermarkOutputMultiplexer(out);
  for (const id of ids) m.registerNewOutput(id);
  return { m, out };
}

describe('WatermarkOutputMultiplexer', () => {
  it('emits nothing without outputs', () => {
    const { m, out } = setup();
    m.onPeriodicEmit();
    assert.deepEqual(out.take(), []);
  });

  it('immediate outputs: the minimum is emitted as soon as it rises', () => {
    const { m, out } = setup('a', 'b');
    const a = m.getImmediateOutput('a');
    const b = m.getImmediateOutput('b');
    a.emitWatermark(wm(10));
    assert.deepEqual(out.take(), [], 'b has no watermark yet');
    b.emitWatermark(wm(5));
    assert.deepEqual(out.take(), [5]);
    b.emitWatermark(wm(20));
    assert.deepEqual(out.take(), [10]);
    a.emitWatermark(wm(8));
    assert.deepEqual(out.take(), [], 'a watermark that goes back changes nothing');
  });

  it('deferred outputs: updates are combined only on the periodic emit, into one watermark', () => {
    const { m, out } = setup('a', 'b');
    m.getDeferredOutput('a').emitWatermark(wm(3));
    m.getDeferredOutput('b').emitWatermark(wm(4));
    m.getDeferredOutput('a').emitWatermark(wm(6));
    assert.deepEqual(out.take(), []);
    m.onPeriodicEmit();
    assert.deepEqual(out.take(), [4]);
  });

  it('idle outputs drop out; when all are idle the combined output is idle', () => {
    const { m, out } = setup('a', 'b');
    const a = m.getImmediateOutput('a');
    const b = m.getImmediateOutput('b');
    a.emitWatermark(wm(10));
    b.emitWatermark(wm(2));
    assert.deepEqual(out.take(), [2]);
    b.markIdle();
    assert.deepEqual(out.take(), [10]);
    assert.equal(m.isIdle(), false);
    a.markIdle();
    assert.deepEqual(out.take(), ['idle']);
    assert.equal(m.isIdle(), true);
  });

  it('a watermark ends an output idleness; a lower one holds further progress until it catches up', () => {
    const { m, out } = setup('a', 'b');
    const a = m.getImmediateOutput('a');
    const b = m.getImmediateOutput('b');
    a.emitWatermark(wm(10));
    b.markIdle();
    assert.deepEqual(out.take(), [10]);
    b.emitWatermark(wm(5)); // active again, behind
    a.emitWatermark(wm(20));
    assert.deepEqual(out.take(), [], 'the minimum (5) is below what was emitted');
    b.emitWatermark(wm(15));
    assert.deepEqual(out.take(), [15]);
  });

  it('unregistering an output lets the others move on at the next combination', () => {
    const { m, out } = setup('a', 'b');
    m.getImmediateOutput('a').emitWatermark(wm(10));
    m.getImmediateOutput('b').emitWatermark(wm(1));
    assert.deepEqual(out.take(), [1]);
    assert.equal(m.unregisterOutput('b'), true);
    m.onPeriodicEmit();
    assert.deepEqual(out.take(), [10]);
    assert.equal(m.unregisterOutput('b'), false);
  });

  it('tells listeners when an output watermark rises or its idleness changes', () => {
    const out = new Underlying();
    const m = new WatermarkOutputMultiplexer(out);
    const seen: string[] = [];
    m.registerNewOutput('s', { onWatermarkUpdate: (w) => seen.push(`wm ${w}`), onIdleUpdate: (i) => seen.push(`idle ${i}`) });
    const s = m.getDeferredOutput('s');
    s.emitWatermark(wm(4));
    s.emitWatermark(wm(4));
    s.markIdle();
    s.emitWatermark(wm(3));
    assert.deepEqual(seen, ['wm 4', 'idle true', 'idle false']);
  });

  it('rejects duplicate and unknown ids', () => {
    const { m } = setup('a');
    assert.throws(() => m.registerNewOutput('a'), /Already contains/);
    assert.throws(() => m.getImmediateOutput('x'), /No output registered/);
  });
});
