/*
 * Tests of FromElementsSource: one split that records its offset, read in order in bounded polls,
 * resumable from a snapshot, with serializers for split and enumerator state.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Boundedness, InputStatus } from 'flink-ts';
import { ElementsSplit, FromElementsSource } from '../../../../src/connector/source/lib/from-elements-source.ts';
import { RECORDS_PER_POLL } from '../../../../src/connector/source/lib/iterator-source.ts';
import { CollectingReaderOutput, CountingReaderContext, RecordingEnumeratorContext } from './helpers.ts';

function readAll<T>(source: FromElementsSource<T>, splits: ElementsSplit[]): { records: T[]; polls: number } {
  const reader = source.createReader(new CountingReaderContext());
  reader.addSplits(splits);
  reader.notifyNoMoreSplits();
  const out = new CollectingReaderOutput<T>();
  let polls = 0;
  while (reader.pollNext(out) !== InputStatus.END_OF_INPUT) polls++;
  return { records: out.records, polls };
}

describe('FromElementsSource', () => {
  it('is bounded and has one split for its elements', () => {
    const source = new FromElementsSource(['a', 'b']);
    assert.equal(source.getBoundedness(), Boundedness.BOUNDED);
    const context = new RecordingEnumeratorContext<ElementsSplit>(1);
    const enumerator = source.createEnumerator(context);
    enumerator.handleSplitRequest(0, null);
    enumerator.handleSplitRequest(0, null);
    assert.equal(context.assigned.length, 1);
    assert.equal(context.assigned[0]!.split.offset, 0);
    assert.equal(context.assigned[0]!.split.splitId(), '0');
    assert.deepEqual(context.noMoreSplits, [0]);
  });

  it('has no split when there are no elements', () => {
    const context = new RecordingEnumeratorContext<ElementsSplit>(1);
    new FromElementsSource([]).createEnumerator(context).handleSplitRequest(0, null);
    assert.deepEqual(context.assigned, []);
    assert.deepEqual(context.noMoreSplits, [0]);
  });

  it('reads every element in order, in bounded polls', () => {
    const elements = Array.from({ length: RECORDS_PER_POLL * 2 + 1 }, (_, i) => ({ i }));
    const source = new FromElementsSource(elements);
    const { records, polls } = readAll(source, [new ElementsSplit(0)]);
    assert.equal(polls, 3);
    assert.equal(records.length, elements.length);
    assert.ok(records.every((r, i) => r === elements[i]), 'the very same objects, in order');
  });

  it('keeps undefined and null elements', () => {
    const { records } = readAll(new FromElementsSource<unknown>([undefined, null, 0]), [new ElementsSplit(0)]);
    assert.deepEqual(records, [undefined, null, 0]);
  });

  it('resumes from the offset of a snapshot', () => {
    const elements = Array.from({ length: RECORDS_PER_POLL + 5 }, (_, i) => i);
    const source = new FromElementsSource(elements);
    const reader = source.createReader(new CountingReaderContext());
    reader.addSplits([new ElementsSplit(0)]);
    reader.pollNext(new CollectingReaderOutput<number>());
    const [split] = reader.snapshotState(1);
    assert.equal(split!.offset, RECORDS_PER_POLL);
    const ser = source.getSplitSerializer();
    const restored = ser.deserialize(1, ser.serialize(split!));
    assert.deepEqual(readAll(source, [restored]).records, Array.from({ length: 5 }, (_, i) => RECORDS_PER_POLL + i));
  });

  it('serializes the enumerator state and restores an enumerator from it', () => {
    const source = new FromElementsSource([1, 2, 3]);
    const enumerator = source.createEnumerator(new RecordingEnumeratorContext<ElementsSplit>(1));
    const ser = source.getEnumeratorCheckpointSerializer();
    const state = ser.deserialize(1, ser.serialize(enumerator.snapshotState(1) as ElementsSplit[]));
    assert.ok(state[0] instanceof ElementsSplit);
    const context = new RecordingEnumeratorContext<ElementsSplit>(1);
    source.restoreEnumerator(context, state).handleSplitRequest(0, null);
    assert.equal(context.assigned[0]!.split.offset, 0);
    assert.deepEqual(new ElementsSplit(7).toJSON(), { offset: 7 });
  });
});
