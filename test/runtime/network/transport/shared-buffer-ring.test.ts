/*
 * The shared memory of the ring transport: its shape is checked when it is built or received, a
 * published counter wakes the side waiting for it, and a side that does not wait is not notified
 * (its waiter flag is down), while a wait armed on a stale value returns at once; a store can go
 * without a wake-up until the writer wakes the reader; buffers are copied into slots exactly.
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

  it('copies a buffer into a slot, whatever its length and alignment', () => {
    const ring = SharedBufferRing.allocate(2, 256);
    const source = new Uint8Array(300).map((_, i) => (i * 7 + 3) % 256);
    for (const [offset, length] of [[0, 256], [0, 203], [8, 61], [3, 100], [0, 0]] as const) {
      const bytes = source.subarray(offset, offset + length);
      ring.copyIntoSlot(1, bytes, length);
      assert.deepEqual([...new Uint8Array(ring.memory.slots[1]!, 0, length)], [...bytes], `${length} bytes from offset ${offset}`);
    }
    assert.throws(() => ring.copyIntoSlot(0, source, 300), /does not fit a ring slot of 256 bytes/);
  });

  it('stores a counter without waking the waiting side until told to', async () => {
    const ring = SharedBufferRing.allocate(2, 256);
    let woken = 0;
    ring.whenChanged(RingIndex.HEAD, 0, () => woken++);
    ring.store(RingIndex.HEAD, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(woken, 0, 'stored, not woken');
    ring.wake(RingIndex.HEAD);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(woken, 1);
    ring.wake(RingIndex.HEAD); // the flag is down: nothing to wake, nothing happens
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(woken, 1);
  });
});
