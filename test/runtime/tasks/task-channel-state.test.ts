/*
 * The output side of unaligned checkpoints over the channel abstraction: an in-thread channel
 * lets the barrier overtake its queue; a network channel cannot, so an unaligned barrier fails with
 * a clear error before it is sent on any channel, while an aligned barrier goes through both.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { LocalChannel } from '../../../src/runtime/io/local-channel.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { RecordWriter } from '../../../src/runtime/io/record-writer.ts';
import { CheckpointBarrier } from '../../../src/runtime/io/stream-events.ts';
import { BroadcastPartitioner } from '../../../src/runtime/partitioner/broadcast-partitioner.ts';
import { NetworkOutputChannel } from '../../../src/runtime/network/channel/network-output-channel.ts';
import { MsgpackRecordSerializer } from '../../../src/runtime/network/serialization/record-serializers.ts';
import { broadcastBarrier, broadcastPriorityBarrier } from '../../../src/runtime/tasks/task-channel-state.ts';
import { networkSide } from '../network/helpers.ts';

function writerOf(withNetwork: boolean) {
  const local = new LocalChannel(4, 0, 0);
  const side = networkSide(16);
  const network = new NetworkOutputChannel<unknown>({ name: 'map -> sink (1/1 -> 2/2)', pool: side.network.createResultPartitionPool(1, 'partition'), serializer: new MsgpackRecordSerializer(), maxBacklog: 4 });
  const writer = new RecordWriter<unknown>(withNetwork ? [local, network] : [local], new BroadcastPartitioner<unknown>(), 8, { onChannelOverflow: () => {} });
  return { local, network, writer };
}

describe('task channel state over the channel abstraction', () => {
  it('an unaligned barrier overtakes the queue of an in-thread channel', () => {
    const { local, writer } = writerOf(false);
    writer.emit('a', 1);
    writer.flushAll();
    const barrier = new CheckpointBarrier(3, 1, true);
    broadcastPriorityBarrier([writer], ['Map'], barrier, null);
    assert.equal(local.poll(), barrier);
    assert.ok(local.poll() instanceof RecordBatch);
  });

  it('an unaligned barrier on a network channel fails before it is sent anywhere', () => {
    const { local, network, writer } = writerOf(true);
    const barrier = new CheckpointBarrier(3, 1, true);
    assert.throws(
      () => broadcastPriorityBarrier([writer], ['Map'], barrier, null),
      (e: unknown) => {
        assert.ok(FlinkError.isFlinkError(e));
        assert.equal(e.code, ErrorCodes.FLINK_TS_UNSUPPORTED);
        assert.match(e.message, /Unaligned checkpoints need in-thread channels: output 0 of 'Map' \(channel 1\)/);
        return true;
      },
    );
    assert.equal(local.hasData(), false, 'the in-thread channel got no barrier either');
    assert.equal(network.backlogSize, 0);
  });

  it('an aligned barrier goes in order on in-thread and network channels alike', () => {
    const { local, network, writer } = writerOf(true);
    const barrier = new CheckpointBarrier(4, 1);
    broadcastBarrier([writer], ['Map'], barrier, null, () => assert.fail('no timeout to schedule'));
    assert.equal(local.poll(), barrier);
    assert.equal(network.backlogSize, 1, 'the barrier is serialized and flushed into a buffer');
  });
});
