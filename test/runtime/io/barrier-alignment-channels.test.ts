import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BarrierAlignmentChannels } from '../../../src/runtime/io/barrier-alignment-channels.ts';

test('all received once every open channel delivered its barrier', () => {
  const channels = new BarrierAlignmentChannels(3);
  channels.markReceived(0);
  channels.markReceived(2);
  assert.equal(channels.allReceived(), false);
  channels.markReceived(1);
  assert.equal(channels.allReceived(), true);
  channels.reset();
  assert.equal(channels.hasReceived(0), false);
  assert.equal(channels.allReceived(), false);
});

test('an ended channel no longer counts, and a barrier it delivered is forgotten', () => {
  const channels = new BarrierAlignmentChannels(3);
  channels.markReceived(0);
  assert.equal(channels.markFinished(0), true);
  assert.equal(channels.markFinished(0), false);
  assert.equal(channels.numOpen, 2);
  assert.equal(channels.hasReceived(0), false);
  assert.equal(channels.isFinished(0), true);
  channels.markReceived(1);
  assert.equal(channels.allReceived(), false);
  channels.markFinished(2);
  assert.equal(channels.allReceived(), true);
});
