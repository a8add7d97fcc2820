/*
 * Tests of an input channel's buffers: exclusive buffers are its initial credit, a backlog brings
 * floating buffers from the gate (each one credit), floating buffers go back when no longer
 * needed, and release returns everything.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkMemoryManager } from '../../../../src/runtime/network/memory/flink-memory-manager.ts';
import { NetworkBufferPool } from '../../../../src/runtime/network/buffer/network-buffer-pool.ts';
import { InputChannelBufferManager } from '../../../../src/runtime/network/buffer/input-channel-buffer-manager.ts';

describe('InputChannelBufferManager', () => {
  it('credits exclusive buffers, borrows floating ones for the backlog and returns them', () => {
    const memory = new FlinkMemoryManager({ totalBytes: 16 * 1024, segmentSize: 1024 });
    const network = new NetworkBufferPool(memory);
    const floating = network.createBufferPool(0, 3, 'gate');
    let credit = 0;
    const a = new InputChannelBufferManager(network, floating, 2, 'a', (n) => ((credit += n), n));
    assert.equal(a.initialCredit, 2);
    assert.equal(memory.getStatistics().allocatedSegments, 2);
    a.onSenderBacklog(5); // wants 7 free: 2 exclusive + at most 3 floating
    assert.equal(a.numberOfFloatingBuffers, 3);
    assert.equal(credit, 3);
    assert.equal(a.numberOfAvailableBuffers, 5);
    // Data arrives into five buffers, then the backlog is gone: floating buffers go back to the gate.
    const inUse = Array.from({ length: 5 }, () => a.requestBuffer()!);
    assert.equal(a.requestBuffer(), null, 'no buffer beyond the credit');
    a.onSenderBacklog(0);
    credit = 0;
    for (const b of inUse) b.recycle();
    assert.equal(credit, 2, 'only the exclusive buffers are credited again');
    assert.equal(a.numberOfFloatingBuffers, 0);
    assert.equal(floating.numberOfUsedBuffers, 0);
    a.release();
    floating.destroy();
    assert.equal(memory.getStatistics().allocatedSegments, 0);
  });

  it('waits for a floating buffer another channel gives back', () => {
    const memory = new FlinkMemoryManager({ totalBytes: 16 * 1024, segmentSize: 1024 });
    const network = new NetworkBufferPool(memory);
    const floating = network.createBufferPool(1, 1, 'gate');
    let creditA = 0;
    let creditB = 0;
    const a = new InputChannelBufferManager(network, floating, 1, 'a', (n) => ((creditA += n), n));
    const b = new InputChannelBufferManager(network, floating, 1, 'b', (n) => ((creditB += n), n));
    a.onSenderBacklog(1);
    assert.equal(creditA, 1);
    b.onSenderBacklog(1);
    assert.equal(creditB, 0, 'the gate has no floating buffer left');
    const used = [a.requestBuffer()!, a.requestBuffer()!];
    a.onSenderBacklog(0);
    for (const buffer of used) buffer.recycle();
    assert.equal(creditB, 1, 'b got the floating buffer a no longer needs');
    assert.equal(b.numberOfFloatingBuffers, 1);
  });
});
