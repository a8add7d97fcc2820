/*
 * Tests of the shared iterator-source parts: the enumerator that hands out known splits on
 * request, the reader's request/poll/availability protocol, and the versioned JSON serializer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputStatus, type ReaderOutput, type SourceSplit } from 'flink-ts';
import { IteratorSourceEnumerator, IteratorSourceReader, JsonSplitSerializer } from '../../../../src/connector/source/lib/iterator-source.ts';
import { CollectingReaderOutput, CountingReaderContext, isSettled, RecordingEnumeratorContext } from './helpers.ts';

/** A split of `count` letters; `done` counts what was emitted. */
class LetterSplit implements SourceSplit {
  readonly id: string;
  readonly count: number;
  done = 0;
  constructor(id: string, count: number) {
    this.id = id;
    this.count = count;
  }
  splitId(): string {
    return this.id;
  }
}

class LetterReader extends IteratorSourceReader<string, LetterSplit> {
  protected emitFromSplit(split: LetterSplit, output: ReaderOutput<string>, max: number): boolean {
    const end = Math.min(split.count, split.done + max);
    for (; split.done < end; split.done++) output.collect(`${split.id}${split.done}`);
    return split.done >= split.count;
  }
}

describe('IteratorSourceEnumerator', () => {
  it('assigns splits in order to whoever asks, then signals no more splits to each asker', () => {
    const context = new RecordingEnumeratorContext<LetterSplit>(2);
    const enumerator = new IteratorSourceEnumerator(context, [new LetterSplit('a', 1), new LetterSplit('b', 1)]);
    enumerator.start();
    enumerator.addReader();
    enumerator.handleSplitRequest(1);
    enumerator.handleSplitRequest(1);
    enumerator.handleSplitRequest(0);
    enumerator.handleSplitRequest(1);
    assert.deepEqual(context.assigned.map((a) => `${a.subtask}:${a.split.id}`), ['1:a', '1:b']);
    assert.deepEqual(context.noMoreSplits, [0, 1]);
    enumerator.close();
  });

  it('does not share its split list with the caller', () => {
    const splits = [new LetterSplit('a', 1)];
    const enumerator = new IteratorSourceEnumerator(new RecordingEnumeratorContext<LetterSplit>(1), splits);
    splits.length = 0;
    assert.equal(enumerator.snapshotState().length, 1);
    const snapshot = enumerator.snapshotState();
    snapshot.length = 0;
    assert.equal(enumerator.snapshotState().length, 1);
  });
});

describe('IteratorSourceReader', () => {
  it('requests a split on start and is unavailable until one arrives', async () => {
    const context = new CountingReaderContext();
    const reader = new LetterReader(context);
    reader.start();
    assert.equal(context.splitRequests, 1);
    const out = new CollectingReaderOutput<string>();
    assert.equal(reader.pollNext(out), InputStatus.NOTHING_AVAILABLE);
    const available = reader.isAvailable();
    assert.equal(reader.isAvailable(), available, 'the same future until it completes');
    assert.equal(await isSettled(available), false);
    reader.addSplits([new LetterSplit('a', 2)]);
    assert.equal(await isSettled(available), true);
    assert.equal(await isSettled(reader.isAvailable()), true, 'available while a split is assigned');
    assert.equal(reader.pollNext(out), InputStatus.MORE_AVAILABLE);
    assert.deepEqual(out.records, ['a0', 'a1']);
    assert.equal(context.splitRequests, 2, 'a finished split with nothing queued asks for the next');
    assert.equal(out.timestamps[0], undefined, 'records carry no timestamp of their own');
  });

  it('reads queued splits in order without asking for more in between', () => {
    const context = new CountingReaderContext();
    const reader = new LetterReader(context);
    reader.addSplits([new LetterSplit('a', 1), new LetterSplit('b', 1)]);
    const out = new CollectingReaderOutput<string>();
    reader.pollNext(out);
    assert.equal(context.splitRequests, 0, 'split b is still queued');
    reader.pollNext(out);
    assert.equal(context.splitRequests, 1);
    assert.deepEqual(out.records, ['a0', 'b0']);
  });

  it('ends once no more splits come and every assigned split is read', async () => {
    const reader = new LetterReader(new CountingReaderContext());
    const out = new CollectingReaderOutput<string>();
    const available = reader.isAvailable();
    reader.addSplits([new LetterSplit('a', 1)]);
    reader.notifyNoMoreSplits();
    assert.equal(await isSettled(available), true);
    assert.equal(reader.pollNext(out), InputStatus.MORE_AVAILABLE);
    assert.equal(reader.pollNext(out), InputStatus.END_OF_INPUT);
    assert.equal(await isSettled(reader.isAvailable()), true, 'an ended reader never blocks');
  });

  it('notifyNoMoreSplits wakes a reader waiting for splits', async () => {
    const reader = new LetterReader(new CountingReaderContext());
    const available = reader.isAvailable();
    reader.notifyNoMoreSplits();
    assert.equal(await isSettled(available), true);
    assert.equal(reader.pollNext(new CollectingReaderOutput<string>()), InputStatus.END_OF_INPUT);
  });

  it('snapshots the current split (with its position) before the queued ones', () => {
    const reader = new LetterReader(new CountingReaderContext());
    assert.deepEqual(reader.snapshotState(), []);
    const big = new LetterSplit('a', 10_000);
    const queued = new LetterSplit('b', 1);
    reader.addSplits([big, queued]);
    reader.pollNext(new CollectingReaderOutput<string>());
    const snapshot = reader.snapshotState();
    assert.deepEqual(snapshot.map((s) => s.id), ['a', 'b']);
    assert.ok(snapshot[0]!.done > 0 && snapshot[0]!.done < 10_000);
    reader.close();
  });
});

describe('JsonSplitSerializer', () => {
  it('round-trips through JSON and revives the split', () => {
    const ser = new JsonSplitSerializer<LetterSplit>((j) => Object.assign(new LetterSplit(j.id, j.count), { done: j.done }));
    const split = new LetterSplit('z', 5);
    split.done = 3;
    const bytes = ser.serialize(split);
    assert.ok(bytes instanceof Uint8Array);
    const copy = ser.deserialize(ser.getVersion(), bytes);
    assert.ok(copy instanceof LetterSplit);
    assert.deepEqual([copy.id, copy.count, copy.done], ['z', 5, 3]);
    assert.notEqual(copy, split);
  });

  it('is version 1 and rejects other versions', () => {
    const ser = new JsonSplitSerializer<unknown>((j) => j);
    assert.equal(ser.getVersion(), 1);
    const bytes = ser.serialize({ a: 1 });
    assert.throws(() => ser.deserialize(2, bytes), /version 2/);
    assert.throws(() => ser.deserialize(0, bytes), /version 0/);
  });

  it('keeps non-ASCII text', () => {
    const ser = new JsonSplitSerializer<{ s: string }>((j) => j);
    assert.deepEqual(ser.deserialize(1, ser.serialize({ s: 'grüße ✓ 𝄞' })), { s: 'grüße ✓ 𝄞' });
  });
});
