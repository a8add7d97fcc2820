/*
 * The ring transport's memory: a channel's ring is built from shared segments of the receiver's
 * network memory, counted there while the channel lives and given back when it is released, when
 * the sender refuses the request, or when the connection closes; a ring the memory cannot hold
 * fails the request at once with what was asked and what is left.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { EndOfPartitionEvent } from '../../../../src/runtime/io/stream-events.ts';
import { WorkerRingPartitionServer } from '../../../../src/runtime/network/transport/worker-ring-partition-server.ts';
import { WorkerRingPartitionClient } from '../../../../src/runtime/network/transport/worker-ring-partition-client.ts';
import { NetworkInputChannel } from '../../../../src/runtime/network/channel/network-input-channel.ts';
import { MsgpackRecordSerializer } from '../../../../src/runtime/network/serialization/record-serializers.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';
import { batchOf, channelEnds, drain, flatten, networkSide, until } from '../helpers.ts';

describe('WorkerRingPartitionClient memory', () => {
  it('counts the ring in the receiver network memory while the channel lives and gives it back on release', async (t) => {
    const ends = channelEnds<string>({ creditedByTransport: true });
    const { port1, port2 } = new MessageChannel();
    const server = new WorkerRingPartitionServer(port1, 1024, 'consumer');
    const client = new WorkerRingPartitionClient(port2, ends.receiver.network, 'producer', { slots: 4 });
    t.after(() => (server.close(), client.close()));
    server.register(ends.output);
    assert.equal(ends.receiver.memory.getStatistics().allocatedSegments, 0);
    client.requestPartition(ends.input);
    const stats = ends.receiver.memory.getStatistics();
    assert.equal(stats.allocatedSegments, 4, 'one segment per slot');
    assert.equal(stats.usedBytes, 4 * 1024);
    await until(() => ends.output.availableCredits === 4, 5000, 'the ring as credit');
    ends.output.push(batchOf(['a', 'b']));
    ends.output.push(EndOfPartitionEvent.INSTANCE);
    const items: ReturnType<typeof drain> = [];
    await until(() => (items.push(...drain(ends.input)), items.at(-1) === EndOfPartitionEvent.INSTANCE), 5000, 'end of partition');
    assert.deepEqual(flatten(items), flatten([batchOf(['a', 'b']), EndOfPartitionEvent.INSTANCE]));
    ends.input.release();
    assert.equal(ends.receiver.memory.getStatistics().allocatedSegments, 0, 'the ring went back');
  });

  it('fails the request when the network memory cannot hold the ring, taking nothing', () => {
    const receiver = networkSide(3, 1024, 'network memory of tm-3');
    const { port2 } = new MessageChannel();
    const client = new WorkerRingPartitionClient(port2, receiver.network, 'producer', { slots: 4 });
    const input = new NetworkInputChannel({ name: 'map -> sink (1/1 -> 1/1)', network: receiver.network, floatingPool: null, exclusiveBuffers: 0, serializer: new MsgpackRecordSerializer(), creditedByTransport: true });
    assert.throws(
      () => client.requestPartition(input),
      (e: unknown) => {
        assert.ok(FlinkError.isFlinkError(e));
        assert.equal(e.code, ErrorCodes.FLINK_TS_INSUFFICIENT_MEMORY);
        assert.match(e.message, /buffer ring of input channel 'map -> sink \(1\/1 -> 1\/1\)': required 4 buffers of shared memory, but only 3 of 3/);
        return true;
      },
    );
    assert.equal(receiver.memory.getStatistics().allocatedSegments, 0);
    client.close();
  });

  it('gives the ring back when the sender refuses the request or the connection closes', async (t) => {
    const ends = channelEnds<string>({ creditedByTransport: true });
    const { port1, port2 } = new MessageChannel();
    const server = new WorkerRingPartitionServer(port1, 2048, 'consumer'); // another segment size
    const client = new WorkerRingPartitionClient(port2, ends.receiver.network, 'producer', { slots: 2 });
    t.after(() => (server.close(), client.close()));
    server.register(ends.output);
    client.requestPartition(ends.input);
    assert.equal(ends.receiver.memory.getStatistics().allocatedSegments, 2);
    await until(() => ends.input.failureCause !== null, 5000, 'the refusal');
    assert.match(ends.input.failureCause!.message, /segment sizes differ/);
    assert.equal(ends.receiver.memory.getStatistics().allocatedSegments, 0, 'refused: the ring went back');

    const other = channelEnds<string>({ creditedByTransport: true });
    const channel = new MessageChannel();
    const second = new WorkerRingPartitionClient(channel.port2, other.receiver.network, 'producer', { slots: 2 });
    second.requestPartition(other.input);
    assert.equal(other.receiver.memory.getStatistics().allocatedSegments, 2);
    second.close();
    channel.port1.close();
    assert.ok(other.input.failureCause !== null);
    assert.equal(other.receiver.memory.getStatistics().allocatedSegments, 0, 'closed: the ring went back');
  });
});
