/*
 * Benchmark of the network stack's transports against the raw transports, in the same run:
 * 100-byte records from a task in the main thread to a task in a worker thread, through a
 * NetworkOutputChannel (serialization into 32 KiB buffers, credit-based flow control, backlog) and
 * a NetworkInputChannel (deserialization, credits), over the worker transports (the
 * SharedArrayBuffer ring, the default, and transferred buffers) and over loopback TCP.
 * - throughput with raw 100-byte records (Uint8Array, copied into buffers, read in place: a batch
 *   is the buffer with its records' offsets, valid until the next poll), next to the raw transport
 *   moving the same bytes (the ring against the raw ring, the faster raw way between threads, and
 *   against raw postMessage), and with ~100-byte objects through the default MessagePack serializer;
 * - latency percentiles at half of the measured engine throughput, flushing every millisecond.
 *
 *   npx node bench/network/network-transports.ts [records] [--markdown]
 */
import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import { RecordBatch } from '../../src/runtime/io/record-batch.ts';
import { EndOfPartitionEvent } from '../../src/runtime/io/stream-events.ts';
import { FlinkMemoryManager } from '../../src/runtime/network/memory/flink-memory-manager.ts';
import { NetworkBufferPool } from '../../src/runtime/network/buffer/network-buffer-pool.ts';
import { NetworkOutputChannel } from '../../src/runtime/network/channel/network-output-channel.ts';
import { WorkerPartitionServer } from '../../src/runtime/network/transport/worker-partition-server.ts';
import { WorkerRingPartitionServer } from '../../src/runtime/network/transport/worker-ring-partition-server.ts';
import { TcpPartitionServer } from '../../src/runtime/network/transport/tcp-partition-server.ts';
import { MsgpackRecordSerializer, RawBytesRecordSerializer, type ChannelRecordSerializer } from '../../src/runtime/network/serialization/record-serializers.ts';
import { BUFFER_BYTES, RECORD_BYTES, measurePostMessage, measureSharedRing, measureTcp, type TransportRate } from './raw-transports.ts';
import type { ReceiverResult, ReceiverSetup } from './network-receiver-worker.ts';

type Transport = 'ring' | 'worker' | 'tcp';
type Records = 'bytes' | 'objects';
const BATCH = Math.floor(BUFFER_BYTES / (RECORD_BYTES + 5));
const CHANNEL = 'bench source -> bench sink (1/1 -> 1/1)';

export interface EngineRun {
  readonly rate: TransportRate;
  readonly receiver: ReceiverResult;
  readonly peakSenderMemory: number;
}

interface Load {
  /** Records per second to pace at; undefined: as fast as credit allows. */
  readonly recordsPerSecond?: number;
}

function objectRecord(i: number): { id: number; customer: string; amount: number; currency: string; note: string } {
  return { id: i, customer: `customer-${i % 1000}`, amount: (i % 10_000) / 100, currency: 'EUR', note: 'n'.repeat(42) };
}

/** Sends `count` records through a network channel to a receiving worker thread. */
export async function measureEngine(transport: Transport, records: Records, count: number, load: Load = {}): Promise<EngineRun> {
  const memory = new FlinkMemoryManager({ totalBytes: 64 * BUFFER_BYTES, segmentSize: BUFFER_BYTES, name: 'sender network memory' });
  const network = new NetworkBufferPool(memory, { buffersPerChannel: 2, floatingBuffersPerGate: 8, maxBuffersPerChannel: 10 });
  const pool = network.createResultPartitionPool(1, 'bench partition');
  const serializer = (records === 'bytes' ? new RawBytesRecordSerializer() : new MsgpackRecordSerializer()) as ChannelRecordSerializer<unknown>;
  const output = new NetworkOutputChannel<unknown>({ name: CHANNEL, pool, serializer, maxBacklog: 10 });
  const latency = load.recordsPerSecond !== undefined;
  const setup: Omit<ReceiverSetup, 'port' | 'tcpPort'> = { transport, channel: CHANNEL, segmentSize: BUFFER_BYTES, exclusiveBuffers: 2, floatingBuffers: 8, records, latency, expectedRecords: count };
  let worker: Worker;
  let close: () => Promise<void> | void;
  if (transport === 'worker' || transport === 'ring') {
    const { port1, port2 } = new MessageChannel();
    const server = transport === 'ring' ? new WorkerRingPartitionServer(port1, BUFFER_BYTES, 'benchmark receiver') : new WorkerPartitionServer(port1, BUFFER_BYTES, 'benchmark receiver');
    server.register(output);
    worker = new Worker(new URL('./network-receiver-worker.ts', import.meta.url), { workerData: { ...setup, port: port2 }, transferList: [port2] });
    close = () => server.close();
  } else {
    const server = new TcpPartitionServer(BUFFER_BYTES);
    const tcpPort = await server.listen(0);
    server.register(output);
    worker = new Worker(new URL('./network-receiver-worker.ts', import.meta.url), { workerData: { ...setup, tcpPort } });
    close = () => server.close();
  }
  try {
    const result = once(worker, 'message') as Promise<[ReceiverResult]>;
    worker.once('error', (e) => console.error(e));
    const values: unknown[] = records === 'bytes' ? Array.from({ length: BATCH }, () => new Uint8Array(RECORD_BYTES)) : new Array(BATCH);
    const timestamps: number[] | null = latency ? new Array<number>(BATCH).fill(0) : null;
    const batch = new RecordBatch<unknown>(values, timestamps);
    let sent = 0;
    let started = 0;
    const fill = (n: number): void => {
      values.length = n;
      if (timestamps !== null) timestamps.length = n;
      const now = latency ? performance.timeOrigin + performance.now() : 0;
      for (let r = 0; r < n; r++) {
        const i = sent + r;
        if (records === 'bytes') {
          let bytes = values[r] as Uint8Array | undefined;
          if (bytes === undefined) values[r] = bytes = new Uint8Array(RECORD_BYTES);
          bytes[0] = i % 251;
        } else {
          values[r] = objectRecord(i);
        }
        if (timestamps !== null) timestamps[r] = now;
      }
      sent += n;
    };
    // The clock starts once the receiver has started, connected and announced its credit.
    while (output.availableCredits === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    started = performance.now();
    if (!latency) {
      while (sent < count) {
        if (!output.isWritable()) await output.whenWritable();
        fill(Math.min(BATCH, count - sent));
        output.push(batch);
      }
    } else {
      const perMs = load.recordsPerSecond! / 1000;
      while (sent < count) {
        const due = Math.min(count, Math.floor((performance.now() - started) * perMs));
        while (sent < due) {
          if (!output.isWritable()) await output.whenWritable();
          fill(Math.min(BATCH, due - sent));
          output.push(batch);
        }
        output.flush();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    output.push(EndOfPartitionEvent.INSTANCE);
    const [receiver] = await result;
    const seconds = (performance.now() - started) / 1000;
    let expected = 0;
    for (let i = 0; i < count; i++) expected += i % 251;
    if (receiver.records !== count || receiver.sum !== expected) throw new Error(`${transport}/${records}: received ${receiver.records} records with sum ${receiver.sum}, expected ${count} and ${expected}`);
    const name = `${TRANSPORT_NAMES[transport]} (${records === 'bytes' ? '100-byte records' : 'msgpack objects'})`;
    return {
      rate: { transport: name, records: count, seconds, recordsPerSecond: count / seconds, megabytesPerSecond: (count * RECORD_BYTES) / seconds / 1e6 },
      receiver,
      peakSenderMemory: memory.getStatistics().peakUsedBytes,
    };
  } finally {
    await close();
    await worker.terminate();
  }
}

const TRANSPORT_NAMES: Record<Transport, string> = {
  ring: 'worker threads (SharedArrayBuffer ring)',
  worker: 'worker threads (transferred buffers)',
  tcp: 'TCP loopback',
};

export interface TransportReport {
  readonly transport: Transport;
  readonly raw: TransportRate;
  /** The other raw way between threads (worker transports only), shown next to the baseline. */
  readonly rawAlternative: TransportRate | null;
  readonly bytes: EngineRun;
  readonly objects: EngineRun;
  readonly halfLoad: EngineRun;
}

export async function runNetworkBenchmark(count: number): Promise<TransportReport[]> {
  const reports: TransportReport[] = [];
  const rawPost = await measurePostMessage(count);
  const rawRing = await measureSharedRing(count);
  for (const transport of ['ring', 'worker', 'tcp'] as const) {
    // Each engine transport against the raw way it is built on; the ring against the raw ring.
    const raw = transport === 'ring' ? rawRing : transport === 'worker' ? rawPost : await measureTcp(count);
    const rawAlternative = transport === 'ring' ? rawPost : transport === 'worker' ? rawRing : null;
    const bytes = await measureEngine(transport, 'bytes', count);
    const objects = await measureEngine(transport, 'objects', Math.min(count, 2_000_000));
    const halfRate = bytes.rate.recordsPerSecond / 2;
    const halfLoad = await measureEngine(transport, 'bytes', Math.min(count, Math.round(halfRate * 2)), { recordsPerSecond: halfRate });
    reports.push({ transport, raw, rawAlternative, bytes, objects, halfLoad });
  }
  return reports;
}

const m = (r: number): string => (r / 1e6).toFixed(2);
const pct = (a: number, b: number): string => `${((a / b) * 100).toFixed(0)}%`;

export function formatMarkdown(reports: readonly TransportReport[]): string {
  const lines = [
    '| transport | raw transport M rec/s (MB/s) | engine, 100-byte records read in place M rec/s (MB/s) | ratio (target ≥ 60%) | engine, msgpack objects M rec/s | latency at half load p50 / p90 / p99 / max ms (target p99 < 5 ms) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of reports) {
    const ratio = r.bytes.rate.recordsPerSecond / r.raw.recordsPerSecond;
    const [p50, p90, p99, max] = r.halfLoad.receiver.latency ?? [NaN, NaN, NaN, NaN];
    lines.push(
      `| ${TRANSPORT_NAMES[r.transport]} | ${r.raw.transport} ${m(r.raw.recordsPerSecond)} (${r.raw.megabytesPerSecond.toFixed(0)})` +
        `${r.rawAlternative ? `; ${r.rawAlternative.transport} ${m(r.rawAlternative.recordsPerSecond)}` : ''} | ` +
        `${m(r.bytes.rate.recordsPerSecond)} (${r.bytes.rate.megabytesPerSecond.toFixed(0)}) | ${pct(r.bytes.rate.recordsPerSecond, r.raw.recordsPerSecond)} ${ratio >= 0.6 ? 'PASS' : 'FAIL'}` +
        `${r.rawAlternative ? ` (${pct(r.bytes.rate.recordsPerSecond, r.rawAlternative.recordsPerSecond)} of ${r.rawAlternative.transport})` : ''} | ` +
        `${m(r.objects.rate.recordsPerSecond)} (${pct(r.objects.rate.recordsPerSecond, r.raw.recordsPerSecond)} of raw) | ` +
        `${p50!.toFixed(2)} / ${p90!.toFixed(2)} / ${p99!.toFixed(2)} / ${max!.toFixed(2)} at ${m(r.halfLoad.rate.recordsPerSecond)} M rec/s ${p99! < 5 ? 'PASS' : 'FAIL'} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.main) {
  const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5_000_000);
  const reports = await runNetworkBenchmark(count);
  if (process.argv.includes('--markdown')) console.log(formatMarkdown(reports));
  else {
    for (const r of reports) {
      console.log(`${r.raw.transport}: ${m(r.raw.recordsPerSecond)} M records/s`);
      for (const run of [r.bytes, r.objects, r.halfLoad]) {
        console.log(`  ${run.rate.transport}: ${m(run.rate.recordsPerSecond)} M records/s, ${run.rate.megabytesPerSecond.toFixed(0)} MB/s` +
          (run.receiver.latency ? `, latency p50/p90/p99/max ${run.receiver.latency.map((x) => x.toFixed(2)).join(' / ')} ms` : '') +
          `; peak memory sender ${run.peakSenderMemory / 1024} KiB, receiver ${run.receiver.peakReceiverMemory / 1024} KiB`);
      }
    }
    console.log(formatMarkdown(reports));
  }
}
