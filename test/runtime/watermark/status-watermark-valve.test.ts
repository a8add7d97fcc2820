/*
 * Tests of StatusWatermarkValve, after Flink's StatusWatermarkValveTest: after each input the
 * valve's output is checked to be exactly the expected watermark or status and nothing else.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusWatermarkValve, type ValveOutput } from '../../../src/runtime/watermark/status-watermark-valve.ts';

type Emitted = number | 'IDLE' | 'ACTIVE';

/** Records what the valve emits; pop() returns the oldest unseen output, as Flink's popLastSeenOutput. */
class Output implements ValveOutput {
  private readonly seen: Emitted[] = [];
  emitWatermark(timestamp: number): void {
    this.seen.push(timestamp);
  }
  emitWatermarkStatus(idle: boolean): void {
    this.seen.push(idle ? 'IDLE' : 'ACTIVE');
  }
  pop(): Emitted | undefined {
    return this.seen.shift();
  }
  /** Everything emitted since the last check, which is then cleared. */
  take(): Emitted[] {
    return this.seen.splice(0);
  }
}

function valve(channels: number): { v: StatusWatermarkValve; out: Output; wm: (t: number, ch: number) => void; idle: (ch: number) => void; active: (ch: number) => void } {
  const v = new StatusWatermarkValve(channels);
  const out = new Output();
  return {
    v,
    out,
    wm: (t, ch) => v.inputWatermark(t, ch, out),
    idle: (ch) => v.inputWatermarkStatus(true, ch, out),
    active: (ch) => v.inputWatermarkStatus(false, ch, out),
  };
}

describe('StatusWatermarkValve', () => {
  it('single input: increasing watermarks are forwarded', () => {
    const { out, wm, v } = valve(1);
    wm(0, 0);
    assert.deepEqual(out.take(), [0]);
    wm(25, 0);
    assert.deepEqual(out.take(), [25]);
    assert.equal(v.currentWatermark, 25);
  });

  it('single input: decreasing or repeated watermarks yield no output', () => {
    const { out, wm } = valve(1);
    wm(25, 0);
    assert.deepEqual(out.take(), [25]);
    wm(18, 0);
    wm(25, 0);
    assert.deepEqual(out.take(), []);
    wm(42, 0);
    assert.deepEqual(out.take(), [42]);
  });

  it('single input: status toggles are forwarded, non-toggling statuses are not (channels start active)', () => {
    const { out, idle, active, v } = valve(1);
    active(0);
    assert.deepEqual(out.take(), []);
    idle(0);
    assert.deepEqual(out.take(), ['IDLE']);
    assert.equal(v.isIdle(), true);
    idle(0);
    assert.deepEqual(out.take(), []);
    active(0);
    assert.deepEqual(out.take(), ['ACTIVE']);
    assert.equal(v.isIdle(), false);
  });

  it('single input: an idle channel ignores watermarks and keeps its own', () => {
    const { out, wm, idle, active } = valve(1);
    wm(25, 0);
    assert.deepEqual(out.take(), [25]);
    idle(0);
    assert.deepEqual(out.take(), ['IDLE']);
    wm(50, 0);
    assert.deepEqual(out.take(), []);
    active(0);
    assert.deepEqual(out.take(), ['ACTIVE']);
    // 50 was ignored while idle, so the channel's watermark is still 25 and 50 now advances it.
    wm(50, 0);
    assert.deepEqual(out.take(), [50]);
  });

  it('multiple inputs: a watermark is emitted only once every channel has one', () => {
    const { out, wm } = valve(3);
    wm(0, 0);
    wm(0, 1);
    assert.deepEqual(out.take(), []);
    wm(0, 2);
    assert.deepEqual(out.take(), [0]);
  });

  it('multiple inputs: the minimum over channels is emitted as soon as it advances', () => {
    const { out, wm } = valve(3);
    wm(0, 0);
    wm(0, 1);
    wm(0, 2);
    assert.deepEqual(out.take(), [0]);
    wm(12, 0);
    wm(8, 2);
    wm(10, 2);
    assert.deepEqual(out.take(), []);
    wm(15, 1);
    assert.deepEqual(out.take(), [10]);
    wm(17, 2);
    assert.deepEqual(out.take(), [12]);
    wm(20, 0);
    assert.deepEqual(out.take(), [15]);
  });

  it('multiple inputs: decreasing watermarks yield no output', () => {
    const { out, wm } = valve(3);
    wm(25, 0);
    wm(10, 1);
    wm(17, 2);
    assert.deepEqual(out.take(), [10]);
    wm(12, 0);
    wm(8, 1);
    wm(15, 2);
    assert.deepEqual(out.take(), []);
  });

  it('multiple inputs: the valve is idle only when all channels are, and active again with the first active one', () => {
    const { out, idle, active } = valve(2);
    active(0);
    active(1);
    assert.deepEqual(out.take(), []);
    idle(1);
    assert.deepEqual(out.take(), []);
    idle(0);
    assert.deepEqual(out.take(), ['IDLE']);
    idle(0);
    idle(1);
    assert.deepEqual(out.take(), []);
    active(1);
    assert.deepEqual(out.take(), ['ACTIVE']);
    active(0);
    assert.deepEqual(out.take(), []);
  });

  it('multiple inputs: idle channels are left out of the minimum', () => {
    const { out, wm, idle } = valve(3);
    wm(15, 0);
    wm(10, 1);
    assert.deepEqual(out.take(), []);
    idle(2);
    assert.deepEqual(out.take(), [10]);
    wm(18, 1);
    assert.deepEqual(out.take(), [15]);
    wm(20, 0);
    assert.deepEqual(out.take(), [18]);
  });

  it('multiple inputs: the watermark advances as channels individually become idle', () => {
    const { out, wm, idle } = valve(3);
    wm(25, 0);
    wm(10, 1);
    wm(17, 2);
    assert.deepEqual(out.take(), [10]);
    idle(1);
    assert.deepEqual(out.take(), [17]);
    idle(2);
    assert.deepEqual(out.take(), [25]);
  });

  it('multiple inputs: when all channels become idle the maximum watermark is flushed, then IDLE', () => {
    const { out, wm, idle } = valve(3);
    wm(10, 0);
    wm(5, 1);
    wm(3, 2);
    assert.deepEqual(out.take(), [3]);
    idle(0);
    idle(1);
    assert.deepEqual(out.take(), []);
    idle(2);
    assert.deepEqual(out.take(), [10, 'IDLE']);
  });

  it('ignores watermarks while the whole valve is idle', () => {
    const { out, wm, idle } = valve(2);
    wm(4, 0);
    wm(4, 1);
    out.take();
    idle(0);
    idle(1);
    assert.deepEqual(out.take(), ['IDLE']);
    wm(100, 0);
    wm(100, 1);
    assert.deepEqual(out.take(), []);
  });

  it('a channel that becomes active again rejoins the minimum only once it has caught up', () => {
    const { out, wm, idle, active } = valve(3);
    wm(10, 0);
    wm(7, 1);
    wm(3, 2);
    assert.deepEqual(out.take(), [3]);
    idle(2);
    assert.deepEqual(out.take(), [7]);
    // Channel 2 is active again but behind (3 < 7): it is unaligned.
    active(2);
    assert.deepEqual(out.take(), []);
    // Its watermarks are accepted but cannot hold the output back or move it.
    wm(5, 2);
    assert.deepEqual(out.take(), []);
    // Caught up (9 >= 7): aligned again, and now the minimum over 0, 1, 2 is 9 once channel 1 moves.
    wm(9, 2);
    assert.deepEqual(out.take(), []);
    wm(12, 1);
    assert.deepEqual(out.take(), [9]);
  });

  it('an unaligned channel does not hold the watermark back', () => {
    const { out, wm, idle, active } = valve(2);
    wm(10, 0);
    wm(5, 1);
    assert.deepEqual(out.take(), [5]);
    idle(1);
    assert.deepEqual(out.take(), [10]);
    active(1); // watermark 5 < 10: unaligned
    wm(20, 0);
    assert.deepEqual(out.take(), [20]);
    wm(15, 1); // still behind 20
    wm(30, 0);
    assert.deepEqual(out.take(), [30]);
  });

  it('a channel that resumes with a watermark at or above the output is aligned right away', () => {
    const { out, wm, idle, active } = valve(2);
    wm(10, 0);
    wm(10, 1);
    assert.deepEqual(out.take(), [10]);
    idle(1);
    assert.deepEqual(out.take(), []);
    active(1);
    // Channel 1 (at 10) is aligned again, so it holds the minimum at 10.
    wm(20, 0);
    assert.deepEqual(out.take(), []);
    wm(15, 1);
    assert.deepEqual(out.take(), [15]);
  });

  it('emits nothing when all active channels are unaligned', () => {
    const { out, wm, idle, active } = valve(3);
    wm(10, 0);
    wm(7, 1);
    idle(2);
    assert.deepEqual(out.take(), [7]);
    active(2);
    assert.deepEqual(out.take(), []);
    idle(0);
    idle(1);
    assert.deepEqual(out.take(), []);
  });

  it('does not flush the maximum when the last channel to become idle was unaligned (as Flink)', () => {
    const { out, wm, idle, active } = valve(3);
    wm(10, 0);
    wm(7, 1);
    idle(2);
    assert.deepEqual(out.take(), [7]);
    active(2);
    idle(0);
    idle(1);
    assert.deepEqual(out.take(), []);
    // Channel 2 never caught up (its watermark is below the output's 7): Flink only flushes the
    // maximum when the channel that goes idle last holds the current minimum.
    idle(2);
    assert.deepEqual(out.take(), ['IDLE']);
    assert.equal(out.pop(), undefined);
  });

  it('never emits a watermark below one it emitted before, whatever the input order', () => {
    let seed = 3;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let run = 0; run < 50; run++) {
      const { v, out, wm, idle, active } = valve(4);
      let last = Number.MIN_SAFE_INTEGER;
      for (let step = 0; step < 200; step++) {
        const ch = random(4);
        const r = random(10);
        if (r < 7) wm(random(1000), ch);
        else if (r < 9) idle(ch);
        else active(ch);
        for (const e of out.take()) {
          if (typeof e === 'number') {
            assert.ok(e > last, `watermark ${e} after ${last}`);
            last = e;
          }
        }
        assert.equal(v.currentWatermark, last);
      }
    }
  });
});
