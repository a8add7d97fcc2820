/*
 * Tests of the in-band channel events: singletons for end of partition and the two watermark
 * statuses, and telling record batches from events.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EndOfPartitionEvent, isRecordBatch, WatermarkStatus } from '../../../src/runtime/io/stream-events.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { Watermark } from '../../../src/api/common/watermark.ts';

describe('stream events', () => {
  it('watermark status is IDLE or ACTIVE', () => {
    assert.equal(WatermarkStatus.IDLE.isIdle(), true);
    assert.equal(WatermarkStatus.IDLE.isActive(), false);
    assert.equal(WatermarkStatus.ACTIVE.isActive(), true);
    assert.equal(WatermarkStatus.ACTIVE.idle, false);
    assert.equal(String(WatermarkStatus.IDLE), 'WatermarkStatus(IDLE)');
    assert.equal(String(WatermarkStatus.ACTIVE), 'WatermarkStatus(ACTIVE)');
  });

  it('end of partition is one instance', () => {
    assert.equal(String(EndOfPartitionEvent.INSTANCE), 'EndOfPartition');
  });

  it('tells record batches from events', () => {
    assert.equal(isRecordBatch(new RecordBatch()), true);
    assert.equal(isRecordBatch(new Watermark(1)), false);
    assert.equal(isRecordBatch(WatermarkStatus.IDLE), false);
    assert.equal(isRecordBatch(EndOfPartitionEvent.INSTANCE), false);
  });

  it('watermarks compare by timestamp', () => {
    assert.ok(new Watermark(5).equals(new Watermark(5)));
    assert.equal(new Watermark(5).equals(new Watermark(6)), false);
    assert.equal(new Watermark(5).equals({ timestamp: 5 }), false);
    assert.equal(String(new Watermark(5)), 'Watermark @ 5');
    assert.equal(Watermark.MAX_WATERMARK.getTimestamp(), Number.MAX_SAFE_INTEGER);
  });
});
