/*
 * The receiving task of the network benchmarks, run in a worker thread: one NetworkInputChannel
 * fed by a worker transport (the SharedArrayBuffer ring or transferred buffers, over the
 * MessagePort it is given) or by TCP (connecting to the given port), read until end of partition.
 * It checks what it read (a sum over the records) and, when records carry their send time as
 * timestamp, measures latency per record into an array sized up front (no growth pauses).
 * Records are read with pollSerialized: a batch is the network buffer with the offsets of its
 * records (valid until the next poll); 100-byte records are touched where they are (one byte each,
 * as the raw receivers do), objects are deserialized one by one from the buffer.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { EndOfPartitionEvent } from '../../src/runtime/io/stream-events.ts';
import { FlinkMemoryManager } from '../../src/runtime/network/memory/flink-memory-manager.ts';
import { NetworkBufferPool } from '../../src/runtime/network/buffer/network-buffer-pool.ts';
import { NetworkInputChannel } from '../../src/runtime/network/channel/network-input-channel.ts';
import { WorkerPartitionClient } from '../../src/runtime/network/transport/worker-partition-client.ts';
import { WorkerRingPartitionClient } from '../../src/runtime/network/transport/worker-ring-partition-client.ts';
import { TcpPartitionClient } from '../../src/runtime/network/transport/tcp-partition-client.ts';
import { SerializedRecordBatch } from '../../src/runtime/network/serialization/serialized-record-batch.ts';
import { MsgpackRecordSerializer, RawBytesRecordSerializer, type ChannelRecordSerializer } from '../../src/runtime/network/serialization/record-serializers.ts';

export interface ReceiverSetup {
  readonly transport: 'ring' | 'worker' | 'tcp';
  readonly port?: MessagePort;
  readonly tcpPort?: number;
  readonly channel: string;
  readonly segmentSize: number;
  readonly exclusiveBuffers: number;
  readonly floatingBuffers: number;
  readonly records: 'bytes' | 'objects';
  readonly latency: boolean;
  readonly expectedRecords: number;
}

export interface ReceiverResult {
  readonly records: number;
  readonly sum: number;
  /** Latency percentiles in ms (p50, p90, p99, max), when measured. */
  readonly latency: readonly number[] | null;
  readonly peakReceiverMemory: number;
}

const setup = workerData as ReceiverSetup;
const memory = new FlinkMemoryManager({ totalBytes: 64 * setup.segmentSize * 4, segmentSize: setup.segmentSize, name: 'receiver network memory' });
const network = new NetworkBufferPool(memory);
const gatePool = network.createBufferPool(0, Math.max(1, setup.floatingBuffers), 'receiver gate');
const serializer = (setup.records === 'bytes' ? new RawBytesRecordSerializer({ readInPlace: true }) : new MsgpackRecordSerializer()) as ChannelRecordSerializer<unknown>;
const ring = setup.transport === 'ring';
const input = new NetworkInputChannel({
  name: setup.channel,
  network,
  floatingPool: setup.floatingBuffers > 0 && !ring ? gatePool : null,
  exclusiveBuffers: ring ? 0 : setup.exclusiveBuffers,
  serializer,
  creditedByTransport: ring,
});

let records = 0;
let sum = 0;
const latencies = new Float64Array(setup.latency ? setup.expectedRecords : 0);
let measured = 0;
let done = false;

function consume(): void {
  for (let item = input.pollSerialized(); item !== undefined; item = input.pollSerialized()) {
    if (item instanceof SerializedRecordBatch) {
      const n = item.length;
      records += n;
      // Each record touched once where it is, as the raw receivers do; objects are deserialized.
      if (setup.records === 'bytes') {
        const bytes = item.bytes;
        for (let i = 0; i < n; i++) sum += bytes[item.start(i)]!;
      } else {
        for (let i = 0; i < n; i++) sum += (item.get(i) as { id: number }).id % 251;
      }
      if (setup.latency && item.hasTimestamps) {
        const now = performance.timeOrigin + performance.now();
        for (let i = 0; i < n && measured < latencies.length; i++) latencies[measured++] = now - item.timestampAt(i);
      }
    } else if (item === EndOfPartitionEvent.INSTANCE) {
      finish();
      return;
    }
  }
}

function finish(): void {
  if (done) return;
  done = true;
  let latency: number[] | null = null;
  if (measured > 0) {
    const sorted = latencies.subarray(0, measured).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    latency = [at(0.5), at(0.9), at(0.99), sorted[sorted.length - 1]!];
  }
  // The ring transport's slots are segments of the same network memory.
  const result: ReceiverResult = { records, sum, latency, peakReceiverMemory: memory.getStatistics().peakUsedBytes };
  parentPort!.postMessage(result);
  input.release();
  if (client instanceof TcpPartitionClient) client.destroy();
  else client.close();
}

// Data arrival is signalled per channel; reading happens in a macrotask, as a task's mailbox would.
let scheduled = false;
input.setConsumer({
  notifyDataAvailable: () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      consume();
    });
  },
});

const client =
  setup.transport === 'ring'
    ? new WorkerRingPartitionClient(setup.port!, network, 'benchmark producer', { slots: 8 })
    : setup.transport === 'worker'
      ? new WorkerPartitionClient(setup.port!, setup.segmentSize, 'benchmark producer')
      : await TcpPartitionClient.connect('127.0.0.1', setup.tcpPort!, setup.segmentSize);
client.requestPartition(input);
