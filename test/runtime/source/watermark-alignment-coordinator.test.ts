/*
 * Tests of the coordinator side of watermark alignment, after Flink's
 * SourceCoordinatorAlignmentTest: each source aggregates its readers (minimum), the group
 * aggregates its sources through the shared CoordinatorStore, and every reader that reported
 * hears the group's minimum plus the drift (capped at the maximum watermark).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Watermark } from '../../../src/api/common/watermark.ts';
import { WatermarkAlignmentParams } from '../../../src/api/eventtime/watermark-alignment-params.ts';
import { CoordinatorStore, WatermarkAggregator, WatermarkAlignmentCoordinator } from '../../../src/runtime/source/watermark-alignment-coordinator.ts';

function coordinator(store: CoordinatorStore, group = 'g', drift = 1000) {
  const announced = new Map<number, number>();
  const c = new WatermarkAlignmentCoordinator(WatermarkAlignmentParams.of(group, drift), store, {}, (subtask, max) => announced.set(subtask, max));
  return { c, announced };
}

describe('WatermarkAggregator', () => {
  it('is the minimum of the latest watermark per key and says when it changed', () => {
    const a = new WatermarkAggregator<string>();
    assert.equal(a.getAggregatedWatermark(), Watermark.UNINITIALIZED.timestamp);
    assert.equal(a.aggregate('x', 10), 10);
    assert.equal(a.aggregate('y', 20), undefined);
    assert.equal(a.aggregate('x', 30), 20);
    assert.equal(a.aggregate('y', 5), 5, 'a key may go back');
    assert.deepEqual([...a.keys()], ['x', 'y']);
  });
});

describe('WatermarkAlignmentCoordinator', () => {
  it('announces the minimum over all sources of the group plus the drift to the readers that reported', () => {
    const store = new CoordinatorStore();
    const s1 = coordinator(store);
    const s2 = coordinator(store);
    const other = coordinator(store, 'other-group');
    s1.c.handleReportedWatermark(0, 42);
    s1.c.handleReportedWatermark(1, 44);
    s2.c.handleReportedWatermark(0, 5000);
    other.c.handleReportedWatermark(0, 1);
    s1.c.announceCombinedWatermark();
    s2.c.announceCombinedWatermark();
    assert.deepEqual([...s1.announced], [[0, 1042], [1, 1042]]);
    assert.deepEqual([...s2.announced], [[0, 1042]]);
    s1.c.handleReportedWatermark(0, 5000);
    s1.c.announceCombinedWatermark();
    assert.equal(s1.announced.get(1), 1044);
    assert.equal(s1.c.groupWatermark(), 44);
    other.c.announceCombinedWatermark();
    assert.equal(other.announced.get(0), 1001, 'groups are separate');
  });

  it('caps the limit at the maximum watermark when the whole group is idle or finished', () => {
    const store = new CoordinatorStore();
    const s = coordinator(store);
    s.c.handleReportedWatermark(0, Watermark.MAX_WATERMARK.timestamp);
    s.c.announceCombinedWatermark();
    assert.equal(s.announced.get(0), Watermark.MAX_WATERMARK.timestamp);
  });
});
