/*
 * Tests of TimeWindow (Flink's TimeWindowTest and more): aligned window starts with offsets and
 * negative timestamps, intersection and cover, session merging, equality and keys, and the
 * serializer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TimeWindow, TimeWindowSerializer } from '../../../../src/api/windowing/windows/time-window.ts';
import { Compatibility } from '../../../../src/runtime/serialization/type-serializer.ts';

const w = (start: number, end: number) => new TimeWindow(start, end);

function merges(windows: TimeWindow[]): { merged: string[]; into: string }[] {
  const calls: { merged: string[]; into: string }[] = [];
  TimeWindow.mergeWindows(windows, (toBeMerged, mergeResult) => calls.push({ merged: toBeMerged.map((x) => x.key()).sort(), into: mergeResult.key() }));
  return calls;
}

describe('TimeWindow', () => {
  it('getWindowStartWithOffset without offset, around zero', () => {
    // [-21, -14), [-14, -7), [-7, 0), [0, 7), [7, 14), [14, 21)...
    const start = (t: number) => TimeWindow.getWindowStartWithOffset(t, 0, 7);
    assert.equal(start(-8), -14);
    assert.equal(start(-7), -7);
    assert.equal(start(-6), -7);
    assert.equal(start(-1), -7);
    assert.equal(start(1), 0);
    assert.equal(start(6), 0);
    assert.equal(start(7), 7);
    assert.equal(start(8), 7);
  });

  it('getWindowStartWithOffset with a positive offset', () => {
    // [-11, -4), [-4, 3), [3, 10), [10, 17)...
    const start = (t: number) => TimeWindow.getWindowStartWithOffset(t, 3, 7);
    assert.equal(start(-10), -11);
    assert.equal(start(-9), -11);
    assert.equal(start(-3), -4);
    assert.equal(start(-2), -4);
    assert.equal(start(-1), -4);
    assert.equal(start(1), -4);
    assert.equal(start(2), -4);
    assert.equal(start(3), 3);
    assert.equal(start(9), 3);
    assert.equal(start(10), 10);
  });

  it('getWindowStartWithOffset with a negative offset', () => {
    // [-16, -9), [-9, -2), [-2, 5), [5, 12), [12, 19)...
    const start = (t: number) => TimeWindow.getWindowStartWithOffset(t, -2, 7);
    assert.equal(start(-12), -16);
    assert.equal(start(-7), -9);
    assert.equal(start(-4), -9);
    assert.equal(start(-3), -9);
    assert.equal(start(2), -2);
    assert.equal(start(-1), -2);
    assert.equal(start(1), -2);
    assert.equal(start(-2), -2);
    assert.equal(start(3), -2);
    assert.equal(start(4), -2);
    assert.equal(start(7), 5);
    assert.equal(start(12), 12);
  });

  it('getWindowStartWithOffset for days in UTC+08:00', () => {
    assert.equal(TimeWindow.getWindowStartWithOffset(1470902048450, -8 * 3_600_000, 86_400_000), 1470844800000);
  });

  it('intersects itself, adjacent and overlapping windows, but not separated ones', () => {
    const intersects = (a: TimeWindow, b: TimeWindow) => {
      assert.equal(a.intersects(b), b.intersects(a));
      return a.intersects(b);
    };
    const window = w(10, 20);
    assert.equal(window.intersects(window), true);
    assert.equal(intersects(window, w(20, 30)), true);
    assert.equal(intersects(window, w(21, 30)), false);
    assert.equal(intersects(window, w(19, 22)), true);
  });

  it('cover is the smallest window covering both', () => {
    assert.ok(w(10, 20).cover(w(15, 30)).equals(w(10, 30)));
    assert.ok(w(10, 20).cover(w(0, 5)).equals(w(0, 20)));
    assert.ok(w(10, 20).cover(w(12, 14)).equals(w(10, 20)));
  });

  it('maxTimestamp is end - 1; equality, key and toString follow start and end', () => {
    const window = w(-5, 5);
    assert.equal(window.maxTimestamp(), 4);
    assert.equal(window.getStart(), -5);
    assert.equal(window.getEnd(), 5);
    assert.ok(window.equals(w(-5, 5)));
    assert.ok(!window.equals(w(-5, 6)));
    assert.ok(!window.equals({ start: -5, end: 5 }));
    assert.equal(window.key(), w(-5, 5).key());
    assert.notEqual(window.key(), w(-5, 6).key());
    assert.notEqual(w(1, 23).key(), w(12, 3).key());
    assert.equal(String(window), 'TimeWindow{start=-5, end=5}');
  });

  it('mergeWindows reports nothing for single or disjoint windows', () => {
    assert.deepEqual(merges([w(0, 0)]), []);
    assert.deepEqual(merges([w(0, 1)]), []);
    assert.deepEqual(merges([w(0, 1), w(2, 3), w(10, 20)]), []);
    assert.deepEqual(merges([]), []);
  });

  it('mergeWindows merges consecutive (touching) windows', () => {
    const calls = merges([w(0, 1), w(1, 2), w(2, 3), w(4, 5), w(5, 6)]);
    assert.deepEqual(calls, [
      { merged: ['0:1', '1:2', '2:3'], into: '0:3' },
      { merged: ['4:5', '5:6'], into: '4:6' },
    ]);
  });

  it('mergeWindows merges covered windows in any input order', () => {
    const calls = merges([w(1, 1), w(0, 2), w(4, 7), w(5, 6)]);
    assert.deepEqual(calls, [
      { merged: ['0:2', '1:1'], into: '0:2' },
      { merged: ['4:7', '5:6'], into: '4:7' },
    ]);
  });

  it('mergeWindows chains through the growing cover and counts equal windows once', () => {
    assert.deepEqual(merges([w(0, 10), w(2, 3), w(9, 12), w(12, 14)]), [{ merged: ['0:10', '12:14', '2:3', '9:12'], into: '0:14' }]);
    assert.deepEqual(merges([w(0, 4), w(0, 4)]), []);
    assert.deepEqual(merges([w(0, 4), w(0, 4), w(3, 5)]), [{ merged: ['0:4', '3:5'], into: '0:5' }]);
  });

  it('mergeWindows of two windows merges as of more: same groups, same order of the merged windows', () => {
    // Unsorted calls: the order of the merged windows decides which state window a merge keeps.
    const calls = (windows: TimeWindow[]) => {
      const out: string[] = [];
      TimeWindow.mergeWindows(windows, (toBeMerged, mergeResult) => out.push(`${toBeMerged.map((x) => x.key()).join(' ')} -> ${mergeResult.key()}`));
      return out;
    };
    const far = w(1_000, 1_001);
    for (let a = 0; a < 6; a++) {
      for (let b = a; b < 7; b++) {
        for (let c = 0; c < 6; c++) {
          for (let d = c; d < 7; d++) {
            const pair = [w(a, b), w(c, d)];
            assert.deepEqual(calls(pair), calls([...pair, far]), `${pair.map((x) => x.key()).join(', ')}`);
          }
        }
      }
    }
  });

  it('key() works on a window copied with its prototype (as in per-subtask copies of functions)', () => {
    const copy = Object.assign(Object.create(TimeWindow.prototype) as TimeWindow, { start: 3, end: 8 });
    assert.equal(copy.key(), '3:8');
    assert.equal(copy.key(), w(3, 8).key());
  });

  it('stays deep-equal to an equal window whether or not key() was asked', () => {
    const asked = w(1, 2);
    asked.key();
    assert.deepStrictEqual(asked, w(1, 2));
    assert.equal(JSON.stringify(asked), '{"start":1,"end":2}');
  });

  it('serializes to start and end and back', () => {
    const s = TimeWindowSerializer.INSTANCE;
    for (const window of [w(0, 1), w(-4000, 1000), w(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)]) {
      const back = s.deserialize(s.serialize(window));
      assert.ok(back instanceof TimeWindow);
      assert.ok(back.equals(window));
    }
    assert.equal(s.serialize(w(1, 2)).length, 16);
    assert.throws(() => s.deserialize(new Uint8Array(3)), RangeError);
    assert.equal(s.resolveSchemaCompatibility(s.snapshotConfiguration()).compatibility, Compatibility.COMPATIBLE_AS_IS);
    assert.equal(s.resolveSchemaCompatibility({ id: 'msgpack', version: 1 }).compatibility, Compatibility.INCOMPATIBLE);
  });
});
