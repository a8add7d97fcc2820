/*
 * The runtime's own ends of the data path over the network channels: a RecordWriter with a keyBy
 * partitioner writes into two NetworkOutputChannels in a producing worker thread, and an InputGate
 * with the aligned CheckpointBarrierHandler reads the two NetworkInputChannels here — over each
 * transport (transferred buffers, the SharedArrayBuffer ring, TCP loopback). Records, watermarks,
 * an aligned barrier and the end of partition arrive in order; the gate blocks the channel that
 * delivered the barrier until the other one delivered it; credit bounds what is in flight, so a
 * consumer that does not read makes the writer wait. Over TCP the records go through a user's
 * TypeSerializer. Last, a StreamTask (map -> sink) runs on an InputGate of a TCP channel.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Watermark } from '../../../src/api/common/watermark.ts';
import { createBarrierHandler } from '../../../src/runtime/io/checkpoint-barrier-handler.ts';
import { InputGate } from '../../../src/runtime/io/input-gate.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { RecordWriter } from '../../../src/runtime/io/record-writer.ts';
import { CheckpointBarrier, EndOfDataEvent, EndOfPartitionEvent } from '../../../src/runtime/io/stream-events.ts';
import { KeyGroupStreamPartitioner } from '../../../src/runtime/partitioner/key-group-stream-partitioner.ts';
import { ForwardPartitioner } from '../../../src/runtime/partitioner/forward-partitioner.ts';
import { FlinkMemoryManager } from '../../../src/runtime/network/memory/flink-memory-manager.ts';
import { NetworkBufferPool } from '../../../src/runtime/network/buffer/network-buffer-pool.ts';
import { NetworkInputChannel } from '../../../src/runtime/network/channel/network-input-channel.ts';
import { NetworkOutputChannel } from '../../../src/runtime/network/channel/network-output-channel.ts';
import { MsgpackRecordSerializer, type ChannelRecordSerializer } from '../../../src/runtime/network/serialization/record-serializers.ts';
import { WorkerPartitionClient } from '../../../src/runtime/network/transport/worker-partition-client.ts';
import { WorkerRingPartitionClient } from '../../../src/runtime/network/transport/worker-ring-partition-client.ts';
import { TcpPartitionClient } from '../../../src/runtime/network/transport/tcp-partition-client.ts';
import { TcpPartitionServer } from '../../../src/runtime/network/transport/tcp-partition-server.ts';
import { MetricGroup } from '../../../src/runtime/metrics/metric-group.ts';
import { StreamTask } from '../../../src/runtime/tasks/stream-task.ts';
import { TaskScheduler } from '../../../src/runtime/tasks/task-scheduler.ts';
import { TaskState } from '../../../src/runtime/tasks/task-state.ts';
import { environment, vertexWith } from '../tasks/helpers.ts';
import { KEY_GROUPS, KeyedRecordSerializer, keyOf, type KeyedRecord } from './fixtures/keyed-record-serializer.ts';
import type { ProducerData, ProducerMessage } from './fixtures/network-producer.ts';

const SEGMENT = 1024;
const RECORDS = 3000;
const BARRIER_AT = 1499;
const WATERMARK_EVERY = 250;
const EXCLUSIVE = 2;
const FLOATING = 4;
const SLOTS = 2;
const NAMES = ['keyBy -> sink (1/1 -> 1/2)', 'keyBy -> sink (1/1 -> 2/2)'];

type Transport = ProducerData['transport'];

type Entry =
  | { readonly kind: 'record'; readonly channel: number; readonly n: number; readonly key: string }
  | { readonly kind: 'barrier'; readonly channel: number }
  | { readonly kind: 'checkpoint' }
  | { readonly kind: 'watermark'; readonly timestamp: number }
  | { readonly kind: 'end'; readonly channel: number };

/** The producing worker thread and its messages. */
function startProducer(t: TestContext, data: Omit<ProducerData, 'port'>, port?: MessagePort) {
  const workerData: ProducerData = port === undefined ? data : { ...data, port };
  const worker = new Worker(new URL('./fixtures/network-producer.ts', import.meta.url), { workerData, transferList: port === undefined ? [] : [port] });
  t.after(() => worker.terminate());
  const messages: ProducerMessage[] = [];
  const waiting = new Map<string, (m: ProducerMessage) => void>();
  let failure: Error | null = null;
  worker.on('message', (m: ProducerMessage) => {
    messages.push(m);
    waiting.get(m.type)?.(m);
  });
  worker.on('error', (e) => (failure = e));
  const next = <K extends ProducerMessage['type']>(type: K, ms = 10_000): Promise<Extract<ProducerMessage, { type: K }>> => {
    const seen = messages.find((m) => m.type === type);
    if (seen !== undefined) return Promise.resolve(seen as Extract<ProducerMessage, { type: K }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(failure ?? new Error(`the producer sent no '${type}' within ${ms} ms`)), ms);
      waiting.set(type, (m) => (clearTimeout(timer), resolve(m as Extract<ProducerMessage, { type: K }>)));
    });
  };
  return { next, messages };
}

async function connect(t: TestContext, transport: Transport, serializer: ProducerData['serializer']) {
  const memory = new FlinkMemoryManager({ totalBytes: 64 * SEGMENT, segmentSize: SEGMENT, name: 'consumer memory' });
  const network = new NetworkBufferPool(memory, { buffersPerChannel: EXCLUSIVE, floatingBuffersPerGate: FLOATING, maxBuffersPerChannel: 4 });
  const gatePool = network.createBufferPool(0, FLOATING, 'gate');
  const ring = transport === 'ring';
  const serializers: ChannelRecordSerializer<KeyedRecord>[] = NAMES.map(() => (serializer === 'user' ? new KeyedRecordSerializer() : new MsgpackRecordSerializer<KeyedRecord>()));
  const inputs = NAMES.map((name, i) =>
    ring
      ? new NetworkInputChannel<KeyedRecord>({ name, network, floatingPool: null, exclusiveBuffers: 0, serializer: serializers[i]!, creditedByTransport: true })
      : new NetworkInputChannel<KeyedRecord>({ name, network, floatingPool: gatePool, exclusiveBuffers: EXCLUSIVE, serializer: serializers[i]! }),
  );
  const data = { transport, segmentSize: SEGMENT, names: NAMES, records: RECORDS, watermarkEvery: WATERMARK_EVERY, barrierAt: BARRIER_AT, serializer };
  let producer: ReturnType<typeof startProducer>;
  if (transport === 'tcp') {
    producer = startProducer(t, data);
    const { port } = await producer.next('listening');
    const client = await TcpPartitionClient.connect('127.0.0.1', port, SEGMENT);
    t.after(() => client.destroy());
    for (const input of inputs) client.requestPartition(input);
  } else {
    const { port1, port2 } = new MessageChannel();
    producer = startProducer(t, data, port2);
    const client = ring ? new WorkerRingPartitionClient(port1, network, 'producer thread', { slots: SLOTS }) : new WorkerPartitionClient(port1, SEGMENT, 'producer thread');
    t.after(() => client.close());
    for (const input of inputs) client.requestPartition(input);
  }
  // The most buffers the two channels may hold: the ring's slots, or exclusive plus the gate's floating buffers.
  const inFlightBound = ring ? NAMES.length * SLOTS : NAMES.length * EXCLUSIVE + FLOATING;
  return { inputs, producer, serializers, inFlightBound };
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Reads the gate as a task does once `start` is called, dispatching events to the valve and the barrier handler. */
function consumer(gate: InputGate) {
  const log: Entry[] = [];
  const blocked: number[] = [];
  const handler = createBarrierHandler(true, gate.channels.length, {
    triggerCheckpoint: () => log.push({ kind: 'checkpoint' }),
    blockChannel: (channel) => (blocked.push(channel), gate.blockChannel(channel)),
    unblockAllChannels: () => gate.unblockChannels(),
  });
  const valveOutput = { emitWatermark: (timestamp: number) => log.push({ kind: 'watermark', timestamp }), emitWatermarkStatus: () => {} };
  let reading = false;
  let scheduled = false;
  let finish: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const pump = (): void => {
    scheduled = false;
    // A few items per turn of the event loop: the transports deliver in between.
    for (let i = 0; i < 8 && gate.hasData(); i++) {
      const item = gate.pollNext()!;
      const channel = gate.lastChannel;
      if (item instanceof RecordBatch) {
        for (const r of item.values as KeyedRecord[]) log.push({ kind: 'record', channel, n: r.n, key: r.key });
      } else if (item instanceof Watermark) {
        gate.valve.inputWatermark(item.timestamp, channel, valveOutput);
      } else if (item instanceof CheckpointBarrier) {
        log.push({ kind: 'barrier', channel });
        handler.processBarrier(item, channel);
      } else if (item === EndOfPartitionEvent.INSTANCE) {
        log.push({ kind: 'end', channel });
        handler.processEndOfPartition(channel);
        if (gate.markLastChannelFinished()) return finish();
      }
    }
    if (gate.hasData()) schedule();
  };
  const schedule = (): void => {
    if (reading && !scheduled) {
      scheduled = true;
      setImmediate(pump);
    }
  };
  gate.setListener({ notifyInputAvailable: schedule });
  return { log, blocked, finished, start: () => ((reading = true), schedule()) };
}

const TRANSPORTS: [Transport, ProducerData['serializer']][] = [
  ['transferred', 'msgpack'],
  ['ring', 'msgpack'],
  ['tcp', 'user'],
];

for (const [transport, serializer] of TRANSPORTS) {
  describe(`network data path: RecordWriter -> ${transport} -> InputGate`, () => {
    it('carries keyed records, watermarks, an aligned barrier and end of partition in order, under credit', async (t) => {
      const { inputs, producer, serializers, inFlightBound } = await connect(t, transport, serializer);
      const gate = new InputGate(0, inputs);
      const reader = consumer(gate);

      // Nobody reads yet: the writer runs out of credit and waits; what is in flight stays bounded.
      const blockedAt = await producer.next('blocked');
      const heldNow = () => inputs.reduce((sum, c) => sum + c.bufferedBuffers, 0);
      await until(() => inputs.every((c) => c.bufferedBuffers > 0), 'data on both channels');
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 1));
      assert.ok(!producer.messages.some((m) => m.type === 'done'), 'the producer waits for the consumer');
      const held = heldNow();
      assert.ok(held <= inFlightBound, `${held} buffers in flight, credit for ${inFlightBound}`);
      assert.ok(blockedAt.written < RECORDS / 2, `blocked after ${blockedAt.written} records`);

      reader.start();
      await reader.finished;
      const done = await producer.next('done');
      assert.ok(done.waits >= 1);
      assert.equal(done.recordsOut, RECORDS);
      const log = reader.log;

      // Every record once; each key on the channel its key group maps to, records in order per channel.
      const records = log.filter((e) => e.kind === 'record');
      assert.deepEqual(records.map((r) => r.n).sort((a, b) => a - b), Array.from({ length: RECORDS }, (_, n) => n));
      const partitioner = new KeyGroupStreamPartitioner<KeyedRecord>((r) => r.key, KEY_GROUPS);
      partitioner.setup(2);
      for (const r of records) assert.equal(r.channel, partitioner.selectChannel({ key: r.key, n: r.n }), `record ${r.n}`);
      assert.deepEqual(done.perChannel, [0, 1].map((c) => records.filter((r) => r.channel === c).length));
      assert.ok(done.perChannel.every((n) => n > 0), 'both channels carry records');
      for (const c of [0, 1]) {
        const ns = records.filter((r) => r.channel === c).map((r) => r.n);
        assert.deepEqual(ns, [...ns].sort((a, b) => a - b), `channel ${c} in order`);
        assert.ok(records.every((r) => r.key === keyOf(r.n)));
      }

      // The aligned barrier: one checkpoint; the first channel to deliver it is blocked until the other does.
      const at = (p: (e: Entry) => boolean) => log.findIndex(p);
      const checkpoint = at((e) => e.kind === 'checkpoint');
      assert.equal(log.filter((e) => e.kind === 'checkpoint').length, 1);
      const barriers = log.map((e, i) => [e, i] as const).filter(([e]) => e.kind === 'barrier');
      assert.equal(barriers.length, 2);
      const [[first, firstAt], [, secondAt]] = barriers as unknown as [[{ channel: number }, number], [{ channel: number }, number]];
      assert.deepEqual(reader.blocked, [first.channel]);
      assert.equal(checkpoint, secondAt + 1, 'the snapshot follows the last barrier');
      assert.ok(log.slice(firstAt, checkpoint).every((e) => e.kind !== 'record' || e.channel !== first.channel), 'the blocked channel is not read');
      // The snapshot sees exactly the records written before the barrier.
      records.forEach((r) => assert.equal(log.indexOf(r) < checkpoint, r.n <= BARRIER_AT, `record ${r.n} on the right side of the checkpoint`));

      // Watermarks: the valve's minimum over both channels, each after every record up to it.
      const watermarks = log.filter((e) => e.kind === 'watermark').map((e) => e.timestamp);
      assert.deepEqual(watermarks, Array.from({ length: RECORDS / WATERMARK_EVERY }, (_, i) => (i + 1) * WATERMARK_EVERY - 1));
      for (const w of watermarks) {
        const before = log.slice(0, log.findIndex((e) => e.kind === 'watermark' && e.timestamp === w));
        assert.equal(before.filter((e) => e.kind === 'record' && e.n <= w).length, w + 1, `records up to watermark ${w}`);
      }

      // End of partition last on both channels.
      for (const c of [0, 1]) {
        const end = at((e) => e.kind === 'end' && e.channel === c);
        assert.ok(end >= 0 && log.slice(end + 1).every((e) => !('channel' in e) || e.channel !== c), `nothing after the end of channel ${c}`);
      }
      assert.equal(log.at(-1)!.kind, 'end');
      assert.ok(gate.isFinished());
      assert.ok(inputs.every((c) => c.bytesTransferred > 0 && c.consumerArrivals > 0));
      if (serializer === 'user') {
        assert.equal(done.serialized, RECORDS, 'the producer wrote every record with the user serializer');
        assert.equal(serializers.reduce((sum, s) => sum + (s as KeyedRecordSerializer).deserialized, 0), RECORDS);
      }
      gate.release();
    });
  });
}

describe('StreamTask on a network input gate', () => {
  it('runs a map -> sink chain reading a TCP channel to the end of its input', async (t) => {
    const collected: number[] = [];
    const env = environment();
    env
      .fromElements(0)
      .rebalance()
      .map((x: number) => x * 2)
      .addSink((x: number) => void collected.push(x));
    const vertex = vertexWith(env.getJobGraph(), 'Map');

    const producerMemory = new FlinkMemoryManager({ totalBytes: 32 * SEGMENT, segmentSize: SEGMENT, name: 'producer memory' });
    const output = new NetworkOutputChannel<number>({ name: 'source -> map (1/1 -> 1/1)', pool: new NetworkBufferPool(producerMemory).createResultPartitionPool(1, 'partition'), serializer: new MsgpackRecordSerializer(), maxBacklog: 4 });
    const server = new TcpPartitionServer(SEGMENT);
    server.register(output);
    const port = await server.listen(0);
    const client = await TcpPartitionClient.connect('127.0.0.1', port, SEGMENT);
    t.after(async () => (client.destroy(), await server.close()));
    const consumerMemory = new FlinkMemoryManager({ totalBytes: 32 * SEGMENT, segmentSize: SEGMENT, name: 'consumer memory' });
    const input = new NetworkInputChannel<number>({ name: output.name, network: new NetworkBufferPool(consumerMemory), floatingPool: null, exclusiveBuffers: 2, serializer: new MsgpackRecordSerializer() });
    client.requestPartition(input);

    const scheduler = new TaskScheduler();
    const task = new StreamTask({
      vertex,
      subtaskIndex: 0,
      jobInfo: { jobId: 'network-job', jobName: 'network' },
      attemptNumber: 0,
      scheduler,
      inputs: [new InputGate(vertex.inputs[0]!.streamEdge.typeNumber, [input])],
      outputChannels: new Map(),
      batchSize: 16,
      bufferTimeoutMs: -1,
      metricGroup: new MetricGroup(['test', vertex.name, '0']),
      sourceServices: { coordinatorFor: () => undefined },
    });
    scheduler.start();
    t.after(() => scheduler.stop());
    const run = task.run();

    const writer = new RecordWriter<number>([output], new ForwardPartitioner<number>(), 16, { onChannelOverflow: () => {} });
    let waits = 0;
    for (let i = 0; i < 2000; i++) {
      if (!writer.isAvailable()) {
        waits++;
        await writer.whenAvailable();
      }
      writer.emit(i, i);
    }
    writer.broadcastEvent(new Watermark(1999));
    writer.broadcastEvent(EndOfDataEvent.INSTANCE);
    writer.broadcastEvent(EndOfPartitionEvent.INSTANCE);
    await run;

    assert.equal(task.getState(), TaskState.FINISHED);
    assert.equal(task.numRecordsIn, 2000);
    assert.deepEqual(collected, Array.from({ length: 2000 }, (_, i) => i * 2));
    assert.ok(waits > 0, 'the task consumed under credit: the writer had to wait');
    assert.ok(input.bytesTransferred > 0);
  });
});
