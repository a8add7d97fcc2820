/*
 * The same behaviour from every transport: records, events and large records arrive in order; a
 * sender blocks at zero credit and resumes when the receiver consumes; cancellation releases every
 * buffer on both sides and wakes a blocked writer; a lost connection fails both ends with errors
 * that name the channel and the peer; a buffer size the receiver announces (buffer debloating)
 * reaches the sender, which cuts later buffers there, data and credit unchanged. The worker transports run over a MessageChannel (transfers,
 * shared memory and all) within the test's thread; real worker threads are tested in
 * worker-thread.test.ts. The ring has 2 slots here, as the others have 2 exclusive buffers.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { Watermark } from '../../../../src/api/common/watermark.ts';
import { CheckpointBarrier, EndOfPartitionEvent, type ChannelItem } from '../../../../src/runtime/io/stream-events.ts';
import { WorkerPartitionServer } from '../../../../src/runtime/network/transport/worker-partition-server.ts';
import { WorkerPartitionClient } from '../../../../src/runtime/network/transport/worker-partition-client.ts';
import { WorkerRingPartitionServer } from '../../../../src/runtime/network/transport/worker-ring-partition-server.ts';
import { WorkerRingPartitionClient } from '../../../../src/runtime/network/transport/worker-ring-partition-client.ts';
import { TcpPartitionServer } from '../../../../src/runtime/network/transport/tcp-partition-server.ts';
import { TcpPartitionClient } from '../../../../src/runtime/network/transport/tcp-partition-client.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';
import { batchOf, channelEnds, drain, flatten, until, type ChannelEnds, type ChannelEndsOptions } from '../helpers.ts';

interface Connection {
  /** Breaks the connection from the sending side. */
  closeFromSender(): Promise<void> | void;
  /** Breaks it from the receiving side. */
  closeFromReceiver(): void;
  readonly senderPeer: RegExp;
  readonly receiverPeer: RegExp;
}

type Connect = (t: TestContext, ends: ChannelEnds<any>, segmentSize: number) => Promise<Connection>;

const RING = 'worker (SharedArrayBuffer ring)';

const TRANSPORTS: Record<string, Connect> = {
  [RING]: async (t, ends, segmentSize) => {
    const { port1, port2 } = new MessageChannel();
    const server = new WorkerRingPartitionServer(port1, segmentSize, 'worker thread consumer');
    const client = new WorkerRingPartitionClient(port2, ends.receiver.network, 'worker thread producer', { slots: 2 });
    t.after(() => (server.close(), client.close()));
    server.register(ends.output);
    client.requestPartition(ends.input);
    return { closeFromSender: () => server.close(), closeFromReceiver: () => client.close(), senderPeer: /worker thread producer/, receiverPeer: /worker thread consumer/ };
  },
  'worker (transferred buffers)': async (t, ends, segmentSize) => {
    const { port1, port2 } = new MessageChannel();
    const server = new WorkerPartitionServer(port1, segmentSize, 'worker thread consumer');
    const client = new WorkerPartitionClient(port2, segmentSize, 'worker thread producer');
    t.after(() => (server.close(), client.close()));
    server.register(ends.output);
    client.requestPartition(ends.input);
    return { closeFromSender: () => server.close(), closeFromReceiver: () => client.close(), senderPeer: /worker thread producer/, receiverPeer: /worker thread consumer/ };
  },
  'tcp (loopback)': async (t, ends, segmentSize) => {
    const server = new TcpPartitionServer(segmentSize);
    const port = await server.listen(0);
    const client = await TcpPartitionClient.connect('127.0.0.1', port, segmentSize);
    t.after(async () => (client.destroy(), await server.close()));
    server.register(ends.output);
    client.requestPartition(ends.input);
    return { closeFromSender: () => server.close(), closeFromReceiver: () => client.destroy(), senderPeer: new RegExp(`tcp 127.0.0.1:${port}`), receiverPeer: /tcp 127\.0\.0\.1:\d+/ };
  },
};

async function connected<T>(t: TestContext, connect: Connect, options: ChannelEndsOptions<T> = {}): Promise<{ ends: ChannelEnds<T>; connection: Connection }> {
  const ends = channelEnds<T>({ ...options, creditedByTransport: connect === TRANSPORTS[RING] });
  const connection = await connect(t, ends, options.segmentSize ?? 1024);
  await until(() => ends.output.availableCredits > 0, 5000, 'the partition request');
  return { ends, connection };
}

/** Reads until end of partition, polling whenever data is there. */
async function receiveAll(ends: ChannelEnds<any>): Promise<ChannelItem[]> {
  const items: ChannelItem[] = [];
  await until(() => {
    items.push(...drain(ends.input));
    return items.at(-1) === EndOfPartitionEvent.INSTANCE;
  }, 10_000, 'end of partition');
  return items;
}

for (const [transport, connect] of Object.entries(TRANSPORTS)) {
  describe(`network transport: ${transport}`, () => {
    it('delivers records, events and records larger than a buffer in order', async (t) => {
      const { ends } = await connected<unknown>(t, connect);
      const sent: ChannelItem[] = [];
      const receiving = receiveAll(ends);
      for (let b = 0; b < 60; b++) {
        const values: unknown[] = Array.from({ length: 25 }, (_, i) => ({ id: b * 25 + i, name: `n${i}` }));
        if (b % 10 === 3) values.push({ id: -b, blob: 'x'.repeat(5000 + b) }); // spans ~5 buffers of 1 KiB
        const batch = batchOf(values, values.map((_, i) => b * 1000 + i));
        const items: ChannelItem[] = [batch, new Watermark(b * 1000)];
        if (b % 20 === 19) items.push(new CheckpointBarrier(b, 1));
        for (const item of items) {
          await ends.output.whenWritable();
          ends.output.push(item);
          sent.push(item);
        }
      }
      ends.output.push(EndOfPartitionEvent.INSTANCE);
      sent.push(EndOfPartitionEvent.INSTANCE);
      assert.deepEqual(flatten(await receiving), flatten(sent));
      if (connect !== TRANSPORTS[RING]) assert.ok(ends.input.creditState().totalAnnounced > 2, 'credit came back as buffers were read');
    });

    it('delivers a record larger than all its credit to a consumer woken only by complete frames', async (t) => {
      // Its first buffers complete no frame: they must go back as credit before anyone polls.
      const { ends } = await connected<unknown>(t, connect, { exclusiveBuffers: 2, floatingBuffers: 0 });
      const items: ChannelItem[] = [];
      let wakeUps = 0;
      ends.input.setConsumer({
        notifyDataAvailable: () => {
          wakeUps++;
          setImmediate(() => items.push(...drain(ends.input)));
        },
      });
      const big = { blob: 'b'.repeat(10 * 1024) };
      for (const item of [batchOf([{ id: 1 }]), batchOf([big]), new Watermark(7), EndOfPartitionEvent.INSTANCE]) {
        await ends.output.whenWritable();
        ends.output.push(item);
      }
      await until(() => items.at(-1) === EndOfPartitionEvent.INSTANCE, 5000, 'end of partition');
      ends.input.setConsumer({ notifyDataAvailable: () => {} }); // the teardown's failure is not read
      assert.deepEqual(flatten(items), flatten([batchOf([{ id: 1 }]), batchOf([big]), new Watermark(7), EndOfPartitionEvent.INSTANCE]));
      assert.ok(wakeUps >= 1);
    });

    it('carries a buffer size announcement to the sender, which cuts later buffers there', async (t) => {
      const { ends } = await connected<unknown>(t, connect, { exclusiveBuffers: 2, floatingBuffers: 0 });
      const sizes: number[] = [];
      const onBuffer = ends.input.onBuffer.bind(ends.input);
      ends.input.onBuffer = (buffer, sequenceNumber, backlog) => (sizes.push(buffer.size), onBuffer(buffer, sequenceNumber, backlog));
      const items: ChannelItem[] = [];
      const sent: ChannelItem[] = [];
      // Each round: 30 records (one over 2 KiB, spanning buffers) and a watermark that ends the buffer.
      const round = async (r: number): Promise<void> => {
        const values: unknown[] = Array.from({ length: 30 }, (_, i) => ({ id: r * 100 + i, name: `n${i}` }));
        values.splice(10, 0, { id: -1 - r, blob: 'x'.repeat(2100 + r) });
        for (const item of [batchOf(values, values.map((_, i) => r * 1000 + i)), new Watermark(r)]) {
          await until(() => (items.push(...drain(ends.input)), ends.output.isWritable()), 5000, 'a writable channel');
          ends.output.push(item);
          sent.push(item);
        }
        await until(() => (items.push(...drain(ends.input)), items.at(-1) instanceof Watermark && (items.at(-1) as Watermark).timestamp === r), 5000, `round ${r}`);
      };
      for (let r = 0; r < 3; r++) await round(r);
      assert.ok(sizes.filter((s) => s > 300).length >= 3, `full segments before the announcement (${sizes})`);
      assert.equal(ends.output.bufferSize, Number.POSITIVE_INFINITY);

      ends.input.announceBufferSize(300);
      await until(() => ends.output.bufferSize === 300, 5000, 'the announcement');
      const before = sizes.length;
      for (let r = 3; r < 8; r++) await round(r);
      const after = sizes.slice(before);
      assert.ok(after.every((s) => s <= 300), `every buffer cut at 300 bytes (${after})`);
      assert.ok(after.filter((s) => s === 300).length >= after.length - 5, `all but each round's last buffer full to 300 (${after})`);

      // Records per buffer, converted with the measured bytes per frame, beyond the segment: full size again.
      ends.input.announceBatchSize(1000);
      await until(() => ends.output.bufferSize === 1024, 5000, 'the second announcement');
      const again = sizes.length;
      await round(8);
      assert.ok(sizes.slice(again).some((s) => s > 300), `full segments again (${sizes.slice(again)})`);

      ends.output.push(EndOfPartitionEvent.INSTANCE);
      sent.push(EndOfPartitionEvent.INSTANCE);
      await until(() => (items.push(...drain(ends.input)), items.at(-1) === EndOfPartitionEvent.INSTANCE), 5000, 'end of partition');
      assert.deepEqual(flatten(items), flatten(sent), 'data unchanged and in order');
      assert.equal(ends.input.buffersIn, ends.output.buffersOut);
      assert.equal(ends.input.bytesIn, ends.output.bytesOut);
      if (connect !== TRANSPORTS[RING]) assert.equal(ends.input.creditState().totalConsumed, ends.output.buffersOut, 'one credit per buffer');
    });

    it('blocks the sender at zero credit and resumes when the receiver consumes', async (t) => {
      const { ends } = await connected<string>(t, connect, { exclusiveBuffers: 2, floatingBuffers: 0, maxBacklog: 3 });
      assert.equal(ends.output.availableCredits, 2);
      let pushed = 0;
      while (ends.output.isWritable()) {
        ends.output.push(batchOf(Array.from({ length: 10 }, (_, i) => `record ${pushed}-${i} ${'y'.repeat(60)}`)));
        ends.output.flush();
        pushed++;
      }
      let resumed = false;
      const writable = ends.output.whenWritable().then(() => (resumed = true));
      await until(() => ends.input.bufferedBuffers === 2, 5000, 'two buffers at the receiver');
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(ends.output.availableCredits, 0, 'the sender used all credit');
      assert.equal(ends.input.bufferedBuffers, 2, 'the receiver got no more than its credit');
      assert.ok(ends.output.backlogSize >= 3, `the rest waits as backlog (${ends.output.backlogSize})`);
      assert.equal(resumed, false, 'the writer is blocked');
      ends.output.push(EndOfPartitionEvent.INSTANCE);
      const items = await receiveAll(ends);
      await writable;
      assert.equal(resumed, true);
      const records = flatten(items).filter((f) => 'record' in f);
      assert.equal(records.length, pushed * 10);
      if (connect !== TRANSPORTS[RING]) assert.equal(ends.input.creditState().totalConsumed, ends.output.buffersOut);
      assert.equal(ends.input.buffersIn, ends.output.buffersOut);
    });

    it('on cancel releases every buffer on both sides and wakes a blocked writer', async (t) => {
      const { ends } = await connected<string>(t, connect, { exclusiveBuffers: 2, floatingBuffers: 0 });
      while (ends.output.isWritable()) {
        ends.output.push(batchOf(['z'.repeat(300), 'z'.repeat(300)]));
        ends.output.flush();
      }
      await until(() => ends.input.bufferedBuffers === 2, 5000, 'buffers at the receiver');
      const blocked = ends.output.whenWritable();
      ends.input.release();
      await until(() => ends.output.isReleased, 5000, 'the cancel request to reach the sender');
      await blocked;
      await until(() => ends.partitionPool.numberOfUsedBuffers === 0, 5000, 'buffers in flight to come back');
      ends.partitionPool.destroy();
      ends.gatePool.destroy();
      assert.equal(ends.sender.memory.getStatistics().allocatedSegments, 0, 'sender memory all free');
      assert.equal(ends.receiver.memory.getStatistics().allocatedSegments, 0, 'receiver memory all free');
    });

    it('fails both ends with the channel and the peer when the connection breaks', async (t) => {
      const { ends, connection } = await connected<string>(t, connect, { name: 'window -> sink (2/4 -> 1/2)' });
      ends.output.push(batchOf(['a']));
      ends.output.flush();
      await until(() => ends.input.hasData(), 5000, 'data');
      await connection.closeFromSender();
      await until(() => ends.input.failureCause !== null && ends.output.isReleased, 5000, 'both ends to notice');
      assert.throws(
        () => ends.input.poll(),
        (e: unknown) => {
          assert.ok(FlinkError.isFlinkError(e));
          assert.equal(e.code, ErrorCodes.FLINK_TS_NETWORK);
          assert.match(e.message, /Channel 'window -> sink \(2\/4 -> 1\/2\)'/);
          assert.match(e.message, connection.senderPeer);
          return true;
        },
      );
      assert.throws(() => ends.output.push(batchOf(['b'])), (e: unknown) => FlinkError.isFlinkError(e) && /window -> sink/.test(e.message) && connection.receiverPeer.test(e.message));
    });
  });
}
