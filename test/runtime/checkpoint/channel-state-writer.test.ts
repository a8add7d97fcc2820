/*
 * The in-flight data of unaligned checkpoints: the writer completes a checkpoint's channel state
 * only when both its input and output sides are complete, stores items as they were when
 * captured, fails the checkpoint (naming operator and channel) on a value MessagePack cannot hold,
 * and items survive the channel state file's encoding.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelStateWriter } from '../../../src/runtime/checkpoint/channel-state-writer.ts';
import { decodeChannelItem, decodeChannelState, encodeChannelState } from '../../../src/runtime/checkpoint/channel-state.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { Watermark } from '../../../src/api/common/watermark.ts';
import { ErrorCodes } from '../../../src/errors.ts';
import { assertFlinkError } from '../../helpers.ts';

async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('ChannelStateWriter', () => {
  it('completes when the input side finished and every watched output channel reported', async () => {
    const w = new ChannelStateWriter('Map (1/1)', 'Map');
    w.start(1, true);
    w.expectOutput(1, 2);
    const record = { n: 1 };
    w.addInputData(1, 0, 1, new RecordBatch([record], [5]));
    record.n = 99; // changed after capture: the checkpoint keeps what was captured
    w.addOutputData(1, 0, 0, [], 'Map', true);
    const result = w.result(1)!;
    assert.equal(await settled(result), false);
    w.finishInput(1);
    assert.equal(await settled(result), false, 'one output channel is outstanding');
    w.addOutputData(1, 0, 1, [new Watermark(7)], 'Map', true);
    const data = await result;
    assert.equal(data.inputChannels.length, 1);
    const batch = decodeChannelItem(data.inputChannels[0]!.items[0]!, 'test') as RecordBatch;
    assert.deepEqual(batch.values, [{ n: 1 }]);
    assert.deepEqual(batch.timestamps, [5]);
    assert.equal((decodeChannelItem(data.resultSubpartitions[0]!.items[0]!, 'test') as Watermark).timestamp, 7);
  });

  it('fails the checkpoint with the operator and channel of a value MessagePack cannot hold', async () => {
    const w = new ChannelStateWriter('Map (1/2)', 'Map');
    w.start(3, true);
    w.addInputData(3, 0, 1, new RecordBatch([1, () => 2]));
    w.finishInput(3);
    const error = await w.result(3)!.then(() => null, (e: unknown) => e);
    assertFlinkError(error, ErrorCodes.FLINK_TS_ILLEGAL_STATE, /operator 'Map'/, /task Map \(1\/2\), input 0, channel 1/, /function/);
  });

  it('rejects the result of an aborted checkpoint', async () => {
    const w = new ChannelStateWriter('Map (1/1)', 'Map');
    w.start(2, true);
    const result = w.result(2)!;
    w.abort(2, new Error('aborted'));
    await assert.rejects(result, /aborted/);
    assert.equal(w.isStarted(2), false);
  });

  it('round-trips a channel state file', () => {
    const w = new ChannelStateWriter('t', 'op');
    w.start(1, false);
    w.addOutputData(1, 1, 2, [new RecordBatch([new Map([[1, 'a']]), 2n, new Date(3)])], 'op');
    return w.result(1)!.then((data) => {
      const file = decodeChannelState(encodeChannelState({ vertexId: 4, subtaskIndex: 0, operatorIds: ['a', 'b'], ...data }), 'file');
      assert.deepEqual(file.operatorIds, ['a', 'b']);
      const batch = decodeChannelItem(file.resultSubpartitions[0]!.items[0]!, 'file') as RecordBatch;
      assert.deepEqual(batch.values, [new Map([[1, 'a']]), 2n, new Date(3)]);
    });
  });
});
