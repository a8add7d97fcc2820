/*
 * Tests of the FlinkMemoryManager: segments cover the request, are reused after release, the
 * statistics report usage, peak, availability and internal fragmentation, and exhaustion is a
 * clear error that never grows the budget; shared segments (rings between threads) count against
 * the same budget and their memory is never reused. Also the sizing from Flink's configuration keys.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkMemoryManager } from '../../../../src/runtime/network/memory/flink-memory-manager.ts';
import { networkMemoryConfiguration, createNetworkMemoryManager } from '../../../../src/runtime/network/memory/network-memory-configuration.ts';
import { Configuration } from '../../../../src/configuration/configuration.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';

describe('FlinkMemoryManager', () => {
  it('allocates the segments that cover a size and reuses released ones', () => {
    const memory = new FlinkMemoryManager({ totalBytes: 8 * 1024, segmentSize: 1024 });
    assert.equal(memory.totalSegments, 8);
    const segments = memory.allocate(2500, 'test');
    assert.equal(segments.length, 3);
    for (const s of segments) assert.equal(s.bytes.byteLength, 1024);
    memory.release(segments);
    const again = memory.allocate(3000);
    assert.deepEqual(new Set(again), new Set(segments), 'the same segments come back');
    assert.equal(memory.getStatistics().createdSegments, 3, 'nothing new was created');
  });

  it('reports usage, peak, availability and fragmentation', () => {
    const memory = new FlinkMemoryManager({ totalBytes: 10 * 1000, segmentSize: 1000 });
    const a = memory.allocate(1500);
    const b = memory.allocate(4000);
    let stats = memory.getStatistics();
    assert.equal(stats.usedBytes, 6000);
    assert.equal(stats.allocatedSegments, 6);
    assert.equal(stats.availableBytes, 4000);
    assert.equal(stats.requestedBytes, 5500);
    assert.ok(Math.abs(stats.fragmentation - (1 - 5500 / 6000)) < 1e-12);
    memory.release(b);
    stats = memory.getStatistics();
    assert.equal(stats.usedBytes, 2000);
    assert.equal(stats.peakUsedBytes, 6000);
    assert.equal(stats.fragmentation, 0.25);
    memory.release(a);
    stats = memory.getStatistics();
    assert.equal(stats.usedBytes, 0);
    assert.equal(stats.fragmentation, 0);
    assert.equal(stats.allocations, 6);
    assert.equal(stats.releases, 6);
  });

  it('fails with what was asked and what is left when memory runs out, without growing', () => {
    const memory = new FlinkMemoryManager({ totalBytes: 4 * 1024, segmentSize: 1024, name: 'network memory of tm-1' });
    memory.allocate(3 * 1024);
    assert.throws(
      () => memory.allocate(2 * 1024, 'input gate 2'),
      (e: unknown) => {
        assert.ok(FlinkError.isFlinkError(e));
        assert.equal(e.code, ErrorCodes.FLINK_TS_INSUFFICIENT_MEMORY);
        assert.match(e.message, /network memory of tm-1: cannot allocate 2 KiB \(2 segments of 1 KiB\) for input gate 2; only 1 of 4 segments \(1 KiB\) are free/);
        return true;
      },
    );
    assert.equal(memory.getStatistics().allocatedSegments, 3, 'a failed request takes nothing');
    assert.ok(memory.tryAllocateSegment() !== null);
    assert.equal(memory.tryAllocateSegment(), null);
    assert.equal(memory.getStatistics().createdSegments, 4);
  });

  it('counts shared segments against the budget and never hands their memory out again', () => {
    const memory = new FlinkMemoryManager({ totalBytes: 4 * 1024, segmentSize: 1024, name: 'network memory of tm-2' });
    const plain = memory.allocate(2 * 1024);
    memory.release(plain);
    const ring = memory.allocateShared(3, 'a ring');
    assert.ok(ring.every((s) => s.isShared && s.sharedMemory instanceof SharedArrayBuffer && s.bytes.byteLength === 1024));
    assert.equal(memory.getStatistics().allocatedSegments, 3);
    assert.equal(memory.getStatistics().createdSegments, 3, 'the cached segments gave their place (and memory) to the shared ones');
    assert.throws(() => memory.allocateShared(2, 'another ring'), /network memory of tm-2: cannot allocate 2 shared segments of 1 KiB for another ring; only 1 of 4/);
    const last = memory.tryAllocateSegment()!;
    assert.equal(last.isShared, false);
    assert.throws(() => last.sharedMemory, /not shared memory/);
    memory.release([...ring, last]);
    assert.equal(memory.getStatistics().allocatedSegments, 0);
    // The other thread may still write into a released ring: its memory is never reused.
    const again = [...memory.allocateShared(2), ...memory.allocate(2 * 1024)];
    for (const segment of again) assert.ok(!ring.some((r) => r.bytes.buffer === segment.bytes.buffer), `segment ${segment.id} has new memory`);
    assert.equal(new Set(again.map((s) => s.id)).size, 4);
    assert.ok(memory.getStatistics().createdSegments <= 4, 'ids are reused, the budget holds');
  });

  it('rejects double releases and foreign segments', () => {
    const memory = new FlinkMemoryManager({ totalBytes: 4096, segmentSize: 1024 });
    const other = new FlinkMemoryManager({ totalBytes: 8192, segmentSize: 2048 });
    const [s] = memory.allocate(10);
    memory.release(s!);
    assert.throws(() => memory.release(s!), /released twice/);
    const [foreign] = other.allocate(10);
    assert.throws(() => memory.release(foreign!), /does not belong/);
  });

  it('keeps the accounting when a segment lends its memory and adopts another block', () => {
    const memory = new FlinkMemoryManager({ totalBytes: 4096, segmentSize: 1024 });
    const [s] = memory.allocate(1024);
    const block = s!.detach();
    assert.throws(() => s!.bytes, /detached/);
    assert.throws(() => memory.release(s!), /in transit/);
    assert.throws(() => s!.adopt(new ArrayBuffer(512)), /in transit|cannot adopt/);
    s!.adopt(new ArrayBuffer(1024));
    assert.equal(block.byteLength, 1024);
    memory.release(s!);
    assert.equal(memory.getStatistics().usedBytes, 0);
  });
});

describe('network memory configuration', () => {
  it('uses the min without a total, the fraction of the total within min and max, or a fixed size', () => {
    assert.equal(networkMemoryConfiguration(Configuration.fromObject({})).totalBytes, 64 * 1024 ** 2);
    assert.equal(networkMemoryConfiguration(Configuration.fromObject({})).segmentSize, 32 * 1024);
    const fraction = Configuration.fromObject({ 'taskmanager.memory.flink.size': '4gb', 'taskmanager.memory.network.fraction': 0.1 });
    assert.equal(networkMemoryConfiguration(fraction).totalBytes, Math.floor(4 * 1024 ** 3 * 0.1));
    const capped = Configuration.fromObject({ 'taskmanager.memory.flink.size': '100gb', 'taskmanager.memory.network.max': '256mb' });
    assert.equal(networkMemoryConfiguration(capped).totalBytes, 256 * 1024 ** 2);
    const fixed = Configuration.fromObject({ 'taskmanager.memory.network.size': '8mb', 'taskmanager.memory.segment-size': '16kb' });
    const manager = createNetworkMemoryManager(fixed);
    assert.equal(manager.totalSegments, 512);
    assert.equal(manager.segmentSize, 16 * 1024);
    const settings = networkMemoryConfiguration(Configuration.fromObject({ 'taskmanager.network.memory.buffers-per-channel': 4 }));
    assert.equal(settings.buffersPerChannel, 4);
    assert.equal(settings.floatingBuffersPerGate, 8);
    assert.equal(settings.maxBuffersPerChannel, 10);
  });

  it('rejects a min above the max and memory below one segment', () => {
    assert.throws(() => networkMemoryConfiguration(Configuration.fromObject({ 'taskmanager.memory.network.min': '2gb', 'taskmanager.memory.network.max': '1gb' })), /larger than/);
    assert.throws(() => networkMemoryConfiguration(Configuration.fromObject({ 'taskmanager.memory.network.size': '1kb' })), /less than one memory segment/);
  });
});
