/*
 * Tests of RecordBatch: values and timestamps in parallel arrays, with the timestamp array created
 * only when a record with a timestamp arrives.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { NO_TIMESTAMP } from '../../../src/api/common/watermark.ts';

describe('RecordBatch', () => {
  it('stores values without a timestamp array while no record has a timestamp', () => {
    const b = new RecordBatch<string>();
    b.add('a', NO_TIMESTAMP);
    b.add('b', NO_TIMESTAMP);
    assert.equal(b.length, 2);
    assert.deepEqual(b.values, ['a', 'b']);
    assert.equal(b.timestamps, null);
    assert.equal(b.timestampAt(0), NO_TIMESTAMP);
    assert.equal(b.timestampAt(1), NO_TIMESTAMP);
  });

  it('creates the timestamps lazily, back-filling earlier records with NO_TIMESTAMP', () => {
    const b = new RecordBatch<string>();
    b.add('a', NO_TIMESTAMP);
    b.add('b', NO_TIMESTAMP);
    b.add('c', 30);
    b.add('d', NO_TIMESTAMP);
    b.add('e', 0);
    assert.deepEqual(b.timestamps, [NO_TIMESTAMP, NO_TIMESTAMP, 30, NO_TIMESTAMP, 0]);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => b.timestampAt(i)), [NO_TIMESTAMP, NO_TIMESTAMP, 30, NO_TIMESTAMP, 0]);
    assert.equal(b.timestamps!.length, b.values.length);
  });

  it('keeps negative timestamps as timestamps', () => {
    const b = new RecordBatch<number>();
    b.add(1, -5);
    assert.deepEqual(b.timestamps, [-5]);
  });

  it('can be built from existing arrays', () => {
    const b = new RecordBatch<number>([1, 2], [10, 20]);
    assert.equal(b.length, 2);
    assert.equal(b.timestampAt(1), 20);
    b.add(3, NO_TIMESTAMP);
    assert.deepEqual(b.timestamps, [10, 20, NO_TIMESTAMP]);
  });
});
