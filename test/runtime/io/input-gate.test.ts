/*
 * Tests of InputGate: round-robin fairness among channels that have data, tracking which channel
 * an item came from, finished-channel accounting, availability notification and buffer usage.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputGate } from '../../../src/runtime/io/input-gate.ts';
import { LocalChannel } from '../../../src/runtime/io/local-channel.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { EndOfPartitionEvent } from '../../../src/runtime/io/stream-events.ts';
import { Watermark } from '../../../src/api/common/watermark.ts';

function channels(n: number, capacity = 10): LocalChannel[] {
  return Array.from({ length: n }, (_, i) => new LocalChannel(capacity, i, 0));
}

function batch(tag: string): RecordBatch<string> {
  return new RecordBatch<string>([tag]);
}

/** Polls until empty, returning the single value of each batch (or the event) and its channel. */
function pollAll(gate: InputGate): string[] {
  const out: string[] = [];
  for (let item = gate.pollNext(); item !== undefined; item = gate.pollNext()) {
    out.push(`${gate.lastChannel}:${item instanceof RecordBatch ? String(item.values[0]) : String(item)}`);
  }
  return out;
}

describe('InputGate', () => {
  it('has no data until a channel gets some', () => {
    const gate = new InputGate(0, channels(2));
    assert.equal(gate.hasData(), false);
    assert.equal(gate.pollNext(), undefined);
    assert.equal(gate.inputIndex, 0);
    assert.equal(gate.valve.currentWatermark, Number.MIN_SAFE_INTEGER);
  });

  it('polls channels with data round-robin, one item per turn', () => {
    const chs = channels(3);
    const gate = new InputGate(0, chs);
    for (const tag of ['a1', 'a2', 'a3']) chs[0]!.push(batch(tag));
    for (const tag of ['c1', 'c2']) chs[2]!.push(batch(tag));
    chs[1]!.push(batch('b1'));
    // Order of becoming available: 0, 2, 1; then each channel with more data goes to the back.
    assert.deepEqual(pollAll(gate), ['0:a1', '2:c1', '1:b1', '0:a2', '2:c2', '0:a3']);
    assert.equal(gate.hasData(), false);
  });

  it('a busy channel does not starve one that gets data later', () => {
    const chs = channels(2);
    const gate = new InputGate(0, chs);
    for (let i = 0; i < 5; i++) chs[0]!.push(batch(`a${i}`));
    assert.equal((gate.pollNext() as RecordBatch<string>).values[0], 'a0');
    chs[1]!.push(batch('b0'));
    assert.equal((gate.pollNext() as RecordBatch<string>).values[0], 'a1');
    assert.equal((gate.pollNext() as RecordBatch<string>).values[0], 'b0');
    assert.equal(gate.lastChannel, 1);
  });

  it('re-enqueues a channel that gets data again after it was drained', () => {
    const chs = channels(2);
    const gate = new InputGate(0, chs);
    chs[1]!.push(batch('x'));
    assert.deepEqual(pollAll(gate), ['1:x']);
    chs[1]!.push(batch('y'));
    chs[0]!.push(new Watermark(4));
    assert.deepEqual(pollAll(gate), ['1:y', '0:Watermark @ 4']);
  });

  it('notifies its listener when a channel becomes non-empty, once per channel', () => {
    const chs = channels(2);
    const gate = new InputGate(0, chs);
    let notified = 0;
    gate.setListener({ notifyInputAvailable: () => notified++ });
    chs[0]!.push(batch('a'));
    chs[0]!.push(batch('b'));
    chs[1]!.push(batch('c'));
    assert.equal(notified, 2);
    pollAll(gate);
    chs[0]!.push(batch('d'));
    assert.equal(notified, 3);
  });

  it('counts each finished channel once and is finished when all channels have ended', () => {
    const chs = channels(3);
    const gate = new InputGate(1, chs);
    chs[1]!.push(EndOfPartitionEvent.INSTANCE);
    gate.pollNext();
    assert.equal(gate.markLastChannelFinished(), false);
    assert.equal(gate.markLastChannelFinished(), false, 'marking the same channel again does not count twice');
    chs[0]!.push(EndOfPartitionEvent.INSTANCE);
    gate.pollNext();
    assert.equal(gate.markLastChannelFinished(), false);
    assert.equal(gate.isFinished(), false);
    chs[2]!.push(EndOfPartitionEvent.INSTANCE);
    gate.pollNext();
    assert.equal(gate.markLastChannelFinished(), true);
    assert.equal(gate.isFinished(), true);
  });

  it('reports the fraction of granted buffers that hold data', () => {
    const chs = channels(2, 2);
    const gate = new InputGate(0, chs);
    assert.equal(gate.bufferUsage(), 0);
    chs[0]!.push(batch('a'));
    chs[0]!.push(new Watermark(1)); // events take no buffer
    assert.equal(gate.bufferUsage(), 1 / 4);
    chs[1]!.push(batch('b'));
    chs[1]!.push(batch('c'));
    chs[1]!.push(batch('d')); // over capacity: counted as full
    assert.equal(gate.bufferUsage(), 3 / 4);
    assert.equal(new InputGate(0, []).bufferUsage(), 0);
  });

  it('release empties every channel', () => {
    const chs = channels(2);
    const gate = new InputGate(0, chs);
    chs[0]!.push(batch('a'));
    chs[1]!.push(batch('b'));
    gate.release();
    assert.equal(chs[0]!.hasData(), false);
    assert.equal(chs[1]!.hasData(), false);
    assert.equal(gate.bufferUsage(), 0);
  });

  it('has a valve with one slot per channel', () => {
    const chs = channels(2);
    const gate = new InputGate(0, chs);
    const out: number[] = [];
    const output = { emitWatermark: (t: number) => out.push(t), emitWatermarkStatus: () => {} };
    gate.valve.inputWatermark(5, 0, output);
    assert.deepEqual(out, []);
    gate.valve.inputWatermark(3, 1, output);
    assert.deepEqual(out, [3]);
  });
});

describe('InputGate channel blocking (barrier alignment)', () => {
  it('skips a blocked channel until it is released, keeping its data in order', () => {
    const a = new LocalChannel(4, 0, 0);
    const b = new LocalChannel(4, 1, 0);
    const gate = new InputGate(0, [a, b]);
    let wakeups = 0;
    gate.setListener({ notifyInputAvailable: () => wakeups++ });
    a.push(new RecordBatch(['a1']));
    a.push(new RecordBatch(['a2']));
    b.push(new RecordBatch(['b1']));
    assert.deepEqual((gate.pollNext() as RecordBatch).values, ['a1']);
    gate.blockChannel(0);
    assert.deepEqual((gate.pollNext() as RecordBatch).values, ['b1']);
    assert.equal(gate.hasData(), false);
    a.push(new RecordBatch(['a3']));
    assert.equal(gate.hasData(), false);
    const before = wakeups;
    gate.unblockChannels();
    assert.ok(wakeups > before);
    assert.deepEqual((gate.pollNext() as RecordBatch).values, ['a2']);
    assert.deepEqual((gate.pollNext() as RecordBatch).values, ['a3']);
    assert.equal(gate.hasData(), false);
  });
});
