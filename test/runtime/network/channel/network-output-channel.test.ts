/*
 * NetworkOutputChannel against a transport whose credit is visible without a message (the ring's
 * freed slots): with backlog and no credit it asks the transport, sends against what it gets, and
 * keeps the rest queued until credit is announced when the transport has none.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkBuffer } from '../../../../src/runtime/network/buffer/network-buffer.ts';
import type { BufferSender } from '../../../../src/runtime/network/channel/network-output-channel.ts';
import { ChannelQueueUsage } from '../../../../src/runtime/io/channel-queue-usage.ts';
import { batchOf, channelEnds } from '../helpers.ts';

describe('NetworkOutputChannel', () => {
  it('sends its backlog against credit the transport reports when asked', () => {
    const { output } = channelEnds<string>({ maxBacklog: 8 });
    const sent: number[] = [];
    let freed = 0;
    let asked = 0;
    const sender: BufferSender = {
      peer: 'ring',
      sendBuffer(buffer: NetworkBuffer, sequenceNumber: number) {
        sent.push(sequenceNumber);
        buffer.recycle();
      },
      pollCredits() {
        asked++;
        const credit = freed;
        freed = 0;
        return credit;
      },
    };
    output.connect(sender, 1);
    for (let i = 0; i < 4; i++) {
      output.push(batchOf([`record ${i}`]));
      output.flush();
    }
    assert.deepEqual(sent, [0], 'one credit, one buffer');
    assert.equal(output.backlogSize, 3);
    assert.ok(asked > 0, 'the transport was asked for credit');
    freed = 2;
    output.push(batchOf(['record 4']));
    output.flush();
    assert.deepEqual(sent, [0, 1, 2], 'two buffers against the credit found');
    assert.equal(output.backlogSize, 2);
    output.addCredits(5);
    assert.deepEqual(sent, [0, 1, 2, 3, 4], 'an announcement sends the rest');
    assert.equal(output.availableCredits, 3);
  });

  it('reports its queue as a ResultSubpartition: backlog against maxBacklog, as credit meets it', () => {
    const { output } = channelEnds<string>({ maxBacklog: 4 });
    const usage = new ChannelQueueUsage([output]);
    const sent: NetworkBuffer[] = [];
    output.connect({ peer: 'test', sendBuffer: (buffer) => sent.push(buffer) }, 0);
    for (let i = 0; i < 3; i++) {
      output.push(batchOf([`record ${i}`, `record ${i}b`]));
      output.flush();
    }
    assert.equal(output.capacity, 4);
    assert.equal(output.bufferedBatches, 3);
    assert.equal(output.bufferedRecords, 6, 'two frames per buffer');
    assert.equal(output.isOverCapacity(), false);
    assert.equal(output.announcedBatchSize, Number.POSITIVE_INFINITY);
    output.addCredits(3);
    assert.equal(sent.length, 3);
    assert.equal(output.consumerArrivals, 1, 'one arrival: credit found three buffers queued');
    assert.equal(output.queuedAtArrival, 3);
    assert.equal(output.recordsAtArrival, 6);
    assert.equal(output.bufferedBatches, 0);
    assert.equal(usage.read(), 3 / 4);
    assert.equal(output.bytesTransferred, sent.reduce((n, b) => n + b.size, 0));
    for (const b of sent) b.recycle();
  });
});
