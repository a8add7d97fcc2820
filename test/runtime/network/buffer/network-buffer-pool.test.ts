/*
 * Tests of the NetworkBufferPool and its LocalBufferPools: guaranteed and borrowed buffers,
 * recycling, one shared availability signal however many wait, destruction, and Flink's
 * "insufficient number of network buffers" at setup.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkMemoryManager } from '../../../../src/runtime/network/memory/flink-memory-manager.ts';
import { NetworkBufferPool } from '../../../../src/runtime/network/buffer/network-buffer-pool.ts';
import type { NetworkBuffer } from '../../../../src/runtime/network/buffer/network-buffer.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';

function networkPool(segments: number): NetworkBufferPool {
  return new NetworkBufferPool(new FlinkMemoryManager({ totalBytes: segments * 1024, segmentSize: 1024 }), { buffersPerChannel: 2, floatingBuffersPerGate: 4, maxBuffersPerChannel: 3 });
}

describe('LocalBufferPool', () => {
  it('holds its minimum, borrows up to its maximum and gives borrowed buffers back', () => {
    const network = networkPool(10);
    const pool = network.createBufferPool(2, 4, 'partition');
    assert.equal(network.memory.getStatistics().allocatedSegments, 2);
    const buffers: NetworkBuffer[] = [];
    for (let b = pool.requestBuffer(); b !== null; b = pool.requestBuffer()) buffers.push(b);
    assert.equal(buffers.length, 4);
    assert.equal(pool.numberOfUsedBuffers, 4);
    assert.equal(pool.usage(), 1);
    assert.equal(network.memory.getStatistics().allocatedSegments, 4);
    for (const b of buffers) b.recycle();
    assert.equal(network.memory.getStatistics().allocatedSegments, 2, 'borrowed buffers went back, the minimum stays');
    assert.equal(pool.numberOfAvailableSegments, 2);
    assert.throws(() => buffers[0]!.recycle(), /recycled twice/);
  });

  it('wakes every waiter with one shared signal when a buffer comes back', async () => {
    const network = networkPool(2);
    const pool = network.createBufferPool(2, 2, 'partition');
    const a = pool.requestBuffer()!;
    pool.requestBuffer();
    assert.equal(pool.isAvailable(), false);
    const waits = Array.from({ length: 1000 }, () => pool.whenAvailable());
    assert.equal(new Set(waits).size, 1, 'a thousand waiters share one promise');
    let woken = false;
    void waits[0]!.then(() => (woken = true));
    await Promise.resolve();
    assert.equal(woken, false);
    a.recycle();
    await waits[0];
    assert.equal(pool.isAvailable(), true);
  });

  it('hands recycled buffers to listeners first and returns everything on destroy', () => {
    const network = networkPool(4);
    const pool = network.createBufferPool(1, 1, 'gate floating');
    const held = pool.requestBuffer()!;
    const received: NetworkBuffer[] = [];
    pool.addBufferListener({ notifyBufferAvailable: (b) => (received.push(b), false), notifyBufferDestroyed: () => {} });
    held.recycle();
    assert.equal(received.length, 1);
    assert.equal(pool.numberOfAvailableSegments, 0);
    let destroyed = false;
    pool.addBufferListener({ notifyBufferAvailable: () => false, notifyBufferDestroyed: () => (destroyed = true) });
    pool.destroy();
    assert.equal(destroyed, true);
    assert.equal(pool.requestBuffer(), null);
    received[0]!.recycle();
    assert.equal(network.memory.getStatistics().allocatedSegments, 0);
  });

  it('fails at setup with the numbers when the network memory is too small', () => {
    const network = networkPool(3);
    network.createResultPartitionPool(1, 'p1');
    assert.throws(
      () => network.createResultPartitionPool(2, 'p2'),
      (e: unknown) => {
        assert.ok(FlinkError.isFlinkError(e));
        assert.equal(e.code, ErrorCodes.FLINK_TS_INSUFFICIENT_MEMORY);
        assert.match(e.message, /Insufficient number of network buffers for buffer pool 'p2': required 3, but only 1 of 3/);
        return true;
      },
    );
  });

  it('sizes a result partition pool as Flink does', () => {
    const network = networkPool(100);
    const pool = network.createResultPartitionPool(3, 'p');
    assert.equal(pool.minSegments, 4);
    assert.equal(pool.maxSegments, 3 * 2 + 4);
  });
});
