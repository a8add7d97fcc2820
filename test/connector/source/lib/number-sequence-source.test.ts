/*
 * Tests of NumberSequenceSource: Flink's splitNumberRange (contiguous ranges that cover from..to
 * exactly once, with sizes that differ by at most one), argument checks, the enumerator and reader
 * over those splits, and serializers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Boundedness, ErrorCodes, FlinkError, InputStatus } from 'flink-ts';
import { NumberSequenceSource, NumberSequenceSplit } from '../../../../src/connector/source/lib/number-sequence-source.ts';
import { RECORDS_PER_POLL } from '../../../../src/connector/source/lib/iterator-source.ts';
import { CollectingReaderOutput, CountingReaderContext, RecordingEnumeratorContext } from './helpers.ts';

function checkSplits(from: number, to: number, n: number): void {
  const splits = new NumberSequenceSource(from, to).splitNumberRange(n);
  const total = to - from + 1;
  assert.equal(splits.length, Math.min(n, total), `number of splits for ${from}..${to} in ${n}`);
  let expected = from;
  const sizes: number[] = [];
  for (const s of splits) {
    assert.equal(s.current, expected, `split ${s.id} starts where the previous one ended`);
    assert.ok(s.to >= s.current, 'no empty split');
    sizes.push(s.to - s.current + 1);
    expected = s.to + 1;
  }
  assert.equal(expected, to + 1, 'the splits end at to');
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes.join(',')} differ by more than one`);
  assert.equal(new Set(splits.map((s) => s.splitId())).size, splits.length, 'split ids are unique');
}

describe('NumberSequenceSource', () => {
  it('splits a range into contiguous, balanced splits that cover it exactly once', () => {
    for (const [from, to] of [[0, 0], [1, 10], [1, 1000], [-50, 49], [7, 8], [0, 127]]) {
      for (const n of [1, 2, 3, 4, 7, 16, 128]) checkSplits(from!, to!, n);
    }
  });

  it('splits ranges near the ends of the safe integers', () => {
    checkSplits(Number.MAX_SAFE_INTEGER - 100, Number.MAX_SAFE_INTEGER, 3);
    checkSplits(Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER + 10, 4);
  });

  it('gives the larger splits first, like Flink', () => {
    const splits = new NumberSequenceSource(1, 10).splitNumberRange(4);
    assert.deepEqual(splits.map((s) => [s.current, s.to]), [[1, 3], [4, 6], [7, 8], [9, 10]]);
  });

  it('rejects unsafe integers and a start after the end', () => {
    const invalid = (e: unknown): boolean => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_INVALID_PIPELINE;
    assert.throws(() => new NumberSequenceSource(5, 4), invalid);
    assert.throws(() => new NumberSequenceSource(0, 1.5), invalid);
    assert.throws(() => new NumberSequenceSource(0, Number.MAX_SAFE_INTEGER + 1), invalid);
    assert.throws(() => new NumberSequenceSource(Number.NaN, 1), invalid);
  });

  it('is bounded', () => {
    assert.equal(new NumberSequenceSource(1, 2).getBoundedness(), Boundedness.BOUNDED);
  });

  it('the enumerator hands out one split per request, then signals that there are no more', () => {
    const source = new NumberSequenceSource(1, 10);
    const context = new RecordingEnumeratorContext<NumberSequenceSplit>(2);
    const enumerator = source.createEnumerator(context);
    enumerator.handleSplitRequest(1, null);
    enumerator.handleSplitRequest(0, null);
    assert.deepEqual(context.assigned.map((a) => [a.subtask, a.split.current, a.split.to]), [[1, 1, 5], [0, 6, 10]]);
    enumerator.handleSplitRequest(0, null);
    assert.deepEqual(context.noMoreSplits, [0]);
    assert.deepEqual(enumerator.snapshotState(1), []);
  });

  it('the enumerator snapshots unassigned splits and takes splits back first', () => {
    const source = new NumberSequenceSource(1, 9);
    const context = new RecordingEnumeratorContext<NumberSequenceSplit>(3);
    const enumerator = source.createEnumerator(context);
    enumerator.handleSplitRequest(0, null);
    const snapshot = enumerator.snapshotState(1) as NumberSequenceSplit[];
    assert.deepEqual(snapshot.map((s) => s.current), [4, 7]);
    enumerator.addSplitsBack([context.assigned[0]!.split], 0);
    enumerator.handleSplitRequest(2, null);
    assert.equal(context.assigned[1]!.split.current, 1);
    const restored = source.restoreEnumerator(new RecordingEnumeratorContext<NumberSequenceSplit>(3), snapshot);
    assert.deepEqual((restored.snapshotState(2) as NumberSequenceSplit[]).map((s) => s.current), [4, 7]);
  });

  it('the reader emits its split in bounded polls and asks for the next split when done', () => {
    const source = new NumberSequenceSource(1, RECORDS_PER_POLL + 10);
    const context = new CountingReaderContext();
    const reader = source.createReader(context);
    reader.start();
    assert.equal(context.splitRequests, 1);
    const out = new CollectingReaderOutput<number>();
    assert.equal(reader.pollNext(out), InputStatus.NOTHING_AVAILABLE);
    reader.addSplits(source.splitNumberRange(1));
    assert.equal(reader.pollNext(out), InputStatus.MORE_AVAILABLE);
    assert.equal(out.records.length, RECORDS_PER_POLL);
    assert.equal(context.splitRequests, 1);
    assert.equal(reader.pollNext(out), InputStatus.MORE_AVAILABLE);
    assert.equal(context.splitRequests, 2, 'the split is done: the next one is requested');
    assert.deepEqual(out.records, Array.from({ length: RECORDS_PER_POLL + 10 }, (_, i) => i + 1));
    reader.notifyNoMoreSplits();
    assert.equal(reader.pollNext(out), InputStatus.END_OF_INPUT);
  });

  it('the reader snapshot holds its position in the current split', () => {
    const source = new NumberSequenceSource(1, RECORDS_PER_POLL * 2);
    const reader = source.createReader(new CountingReaderContext());
    reader.addSplits(source.splitNumberRange(1));
    reader.pollNext(new CollectingReaderOutput<number>());
    const [split] = reader.snapshotState(1);
    assert.equal(split!.current, RECORDS_PER_POLL + 1);
    assert.equal(split!.to, RECORDS_PER_POLL * 2);
  });

  it('serializes splits and enumerator checkpoints', () => {
    const source = new NumberSequenceSource(1, 100);
    const split = new NumberSequenceSplit('3', 40, 60);
    const ser = source.getSplitSerializer();
    const copy = ser.deserialize(ser.getVersion(), ser.serialize(split));
    assert.ok(copy instanceof NumberSequenceSplit);
    assert.deepEqual([copy.splitId(), copy.current, copy.to], ['3', 40, 60]);
    const cps = source.getEnumeratorCheckpointSerializer();
    const splits = source.splitNumberRange(3);
    const back = cps.deserialize(cps.getVersion(), cps.serialize(splits));
    assert.deepEqual(back.map((s) => [s.splitId(), s.current, s.to]), splits.map((s) => [s.splitId(), s.current, s.to]));
    assert.ok(back.every((s) => s instanceof NumberSequenceSplit));
  });
});
