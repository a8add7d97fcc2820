/*
 * Tests of GlobalWindow: one instance, the largest timestamp, and its serializer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GlobalWindow, GlobalWindowSerializer } from '../../../../src/api/windowing/windows/global-window.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';

describe('GlobalWindow', () => {
  it('is a singleton whose max timestamp is the largest timestamp', () => {
    assert.equal(GlobalWindow.get(), GlobalWindow.get());
    assert.equal(GlobalWindow.get().maxTimestamp(), Number.MAX_SAFE_INTEGER);
    assert.ok(GlobalWindow.get().equals(GlobalWindow.get()));
    assert.ok(!GlobalWindow.get().equals(new TimeWindow(0, 1)));
    assert.equal(String(GlobalWindow.get()), 'GlobalWindow');
    assert.notEqual(GlobalWindow.get().key(), new TimeWindow(0, 1).key());
  });

  it('serializes to one byte and reads back the singleton', () => {
    const s = GlobalWindowSerializer.INSTANCE;
    const bytes = s.serialize(GlobalWindow.get());
    assert.equal(bytes.length, 1);
    assert.equal(s.deserialize(bytes), GlobalWindow.get());
    assert.equal(s.copy(GlobalWindow.get()), GlobalWindow.get());
  });
});
