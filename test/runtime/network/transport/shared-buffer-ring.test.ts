/*
 * The shared memory of the ring transport: its shape is checked when it is built or received, a
 * published counter wakes the side waiting for it, and a side that does not wait is not notified
 * (its waiter flag is down), while a wait armed on a stale value returns at once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RingIndex, SharedBufferRing } from '../../../../src/runtime/network/transport/shared-buffer-ring.ts';

describe('SharedBufferRing', () => {
  it('needs a power of two of at least 2 slots of one size', () => {
    assert.throws(() => SharedBufferRing.allocate(3, 1024), /power of two/);
    assert.throws(() => SharedBufferRing.allocate(1, 1024), /power of two/);
    const ring = SharedBufferRing.allocate(4, 1024);
    assert.equal(ring.slotCount, 4);
    assert.equal(ring.byteSize, 4 * 1024 + ring.control.byteLength);
    assert.throws(() => new SharedBufferRing({ control: ring.memory.control, slots: [new SharedArrayBuffer(1024), new SharedArrayBuffer(512)] }), /one size/);
  });

  it('wakes the side waiting for a counter when the other publishes it', async () => {
    const ring = SharedBufferRing.allocate(2, 256);
    let woken = 0;
    ring.whenChanged(RingIndex.HEAD, 0, () => woken++);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woken, 0, 'nothing published yet');
    ring.publish(RingIndex.HEAD, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(woken, 1);
    assert.equal(Atomics.load(ring.control, RingIndex.HEAD), 1);
  });

  it('calls back at once when the counter already moved past what the waiter saw', async () => {
    const ring = SharedBufferRing.allocate(2, 256);
    ring.publish(RingIndex.TAIL, 5);
    let woken = false;
    ring.whenChanged(RingIndex.TAIL, 4, () => (woken = true));
    await Promise.resolve();
    assert.equal(woken, true);
  });
});
