/*
 * The worker transports (the SharedArrayBuffer ring and transferred buffers) between two real
 * threads: records and events arrive in order, records larger than the whole ring too; a receiver
 * that cancels makes the sender release its buffers and wakes its writer; a receiving thread that
 * dies fails the sender; memory on both sides is free afterwards.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import { Watermark } from '../../../../src/api/common/watermark.ts';
import { EndOfPartitionEvent } from '../../../../src/runtime/io/stream-events.ts';
import { WorkerPartitionServer } from '../../../../src/runtime/network/transport/worker-partition-server.ts';
import { WorkerRingPartitionServer } from '../../../../src/runtime/network/transport/worker-ring-partition-server.ts';
import { NetworkOutputChannel } from '../../../../src/runtime/network/channel/network-output-channel.ts';
import { MsgpackRecordSerializer } from '../../../../src/runtime/network/serialization/record-serializers.ts';
import { batchOf, networkSide } from '../helpers.ts';

const SEGMENT = 1024;

function start(ring: boolean, stopAfter: number) {
  const side = networkSide(32, SEGMENT);
  const pool = side.network.createResultPartitionPool(1, 'partition');
  const output = new NetworkOutputChannel<unknown>({ name: 'source -> sink (1/1 -> 1/1)', pool, serializer: new MsgpackRecordSerializer(), maxBacklog: 4 });
  const { port1, port2 } = new MessageChannel();
  const server = ring ? new WorkerRingPartitionServer(port1, SEGMENT, 'receiving thread') : new WorkerPartitionServer(port1, SEGMENT, 'receiving thread');
  server.register(output);
  const workerData = { port: port2, channel: output.name, segmentSize: SEGMENT, stopAfter, ring, slots: 4 };
  const worker = new Worker(new URL('./fixtures/receiving-thread.ts', import.meta.url), { workerData, transferList: [port2] });
  return { side, pool, output, server, worker };
}

for (const ring of [true, false]) describe(`worker transport between threads: ${ring ? 'SharedArrayBuffer ring' : 'transferred buffers'}`, () => {
  it('delivers records and events in order to another thread, records larger than the ring too', async (t) => {
    const { side, pool, output, server, worker } = start(ring, Number.MAX_SAFE_INTEGER);
    t.after(async () => (server.close(), await worker.terminate()));
    const done = once(worker, 'message');
    const expected: unknown[] = [];
    for (let b = 0; b < 50; b++) {
      const values: unknown[] = Array.from({ length: 20 }, (_, i) => ({ id: b * 20 + i, text: 'v'.repeat(i * 10) }));
      // 6 KiB: more than the ring's 4 slots of 1 KiB, so it needs the receiver to free slots midway.
      if (b % 10 === 7) values.push({ id: -b, blob: 'x'.repeat(6 * 1024), bytes: new Uint8Array(300).fill(b) });
      await output.whenWritable();
      output.push(batchOf(values));
      output.push(new Watermark(b));
      expected.push(...values, `Watermark @ ${b}`);
    }
    output.push(EndOfPartitionEvent.INSTANCE);
    expected.push('EndOfPartition');
    const [result] = (await done) as [{ reason: string; seen: unknown[]; allocated: number }];
    assert.equal(result.reason, 'end');
    assert.deepEqual(result.seen, expected);
    assert.equal(result.allocated, 0, 'the receiving thread freed all its memory');
    while (pool.numberOfUsedBuffers > 0) await new Promise((resolve) => setImmediate(resolve));
    pool.destroy();
    assert.equal(side.memory.getStatistics().allocatedSegments, 0);
  });

  it('releases the sender when the receiving thread cancels, waking a blocked writer', async (t) => {
    const { output, server, worker } = start(ring, 100);
    t.after(async () => (server.close(), await worker.terminate()));
    const done = once(worker, 'message');
    let pushed = 0;
    while (!output.isReleased) {
      await output.whenWritable();
      output.push(batchOf(Array.from({ length: 50 }, (_, i) => ({ id: pushed * 50 + i }))));
      pushed++;
    }
    const [result] = (await done) as [{ reason: string; seen: unknown[] }];
    assert.equal(result.reason, 'cancelled');
    assert.ok(result.seen.length >= 100);
    assert.equal(output.isWritable(), false);
  });

  it('fails the sender, naming channel and peer, when the receiving thread dies', async () => {
    const { output, server, worker } = start(ring, Number.MAX_SAFE_INTEGER);
    await output.whenWritable();
    while (output.availableCredits === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await worker.terminate();
    while (!output.isReleased) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.throws(() => output.push(batchOf([1])), /Channel 'source -> sink \(1\/1 -> 1\/1\)' \(peer receiving thread\): the connection to the receiving thread was closed/);
    server.close();
  });
});
