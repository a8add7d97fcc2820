/*
 * NetworkOutputChannel against a transport whose credit is visible without a message (the ring's
 * freed slots): with backlog and no credit it asks the transport, sends against what it gets, and
 * keeps the rest queued until credit is announced when the transport has none.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkBuffer } from '../../../../src/runtime/network/buffer/network-buffer.ts';
import type { BufferSender } from '../../../../src/runtime/network/channel/network-output-channel.ts';
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
});
