/*
 * Tests of the credit ledger: a sender spends only announced credit, a receiver's credit is bounded
 * per channel, announcements are batched by the water marks, and a buffer without credit is
 * detected.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreditBasedFlowController } from '../../../../src/runtime/network/credit/credit-based-flow-controller.ts';

describe('CreditBasedFlowController', () => {
  it('lets a sender spend only the credit announced to it', () => {
    const sender = new CreditBasedFlowController(4);
    assert.equal(sender.consumeCredits(1, 1), false);
    sender.addCredits(1, 2);
    assert.equal(sender.consumeCredits(1, 3), false, 'all or nothing');
    assert.equal(sender.consumeCredits(1, 2), true);
    assert.equal(sender.getAvailableCredits(1), 0);
    assert.equal(sender.getAvailableCredits(2), 0, 'channels are independent');
    assert.throws(() => sender.addCredits(1, 5), /more than the maximum of 4/);
  });

  it('bounds a receiver channel by maxCreditsPerChannel and counts arriving buffers', () => {
    const receiver = new CreditBasedFlowController(3);
    assert.equal(receiver.requestCredits(0, 5), 3);
    assert.equal(receiver.headroom(0), 0);
    assert.equal(receiver.takeAnnouncement(0), 3);
    assert.equal(receiver.onBufferReceived(0, 7), true);
    assert.equal(receiver.getBacklog(0), 7);
    assert.deepEqual(receiver.getChannelState(0), { announced: 2, unannounced: 0, backlog: 7, totalAnnounced: 3, totalConsumed: 1 });
    receiver.onBufferReceived(0, 0);
    receiver.onBufferReceived(0, 0);
    assert.equal(receiver.onBufferReceived(0, 0), false, 'a fourth buffer had no credit');
  });

  it('holds credit back between the water marks', () => {
    const receiver = new CreditBasedFlowController(8, 2, 6);
    receiver.requestCredits(0, 8);
    assert.equal(receiver.takeAnnouncement(0), 8, 'the sender has nothing: announce');
    for (let i = 0; i < 5; i++) receiver.onBufferReceived(0, 0); // sender has 3 left
    receiver.requestCredits(0, 1);
    assert.equal(receiver.takeAnnouncement(0), 0, 'the sender still has 3 > low water mark 2');
    receiver.onBufferReceived(0, 0); // 2 left: at the low water mark
    receiver.requestCredits(0, 1);
    assert.equal(receiver.takeAnnouncement(0), 2);
    const eager = new CreditBasedFlowController(8);
    eager.requestCredits(0, 1);
    assert.equal(eager.takeAnnouncement(0), 1, 'default: announce at once, as Flink');
    assert.throws(() => new CreditBasedFlowController(4, 3, 2), /water marks/);
  });
});
