/*
 * Benchmark of the network stack's transports against the raw transports, in the same run:
 * 100-byte records from a task in the main thread to a task in a worker thread, through a
 * NetworkOutputChannel (serialization into 32 KiB buffers, credit-based flow control, backlog) and
 * a NetworkInputChannel (deserialization, credits), over the worker transports (the
 * SharedArrayBuffer ring, the default, and transferred buffers) and over loopback TCP.
 * - throughput with raw 100-byte records (Uint8Array, copied into buffers, read in place: a batch
 *   is the buffer with its records' offsets, valid until the next poll), next to the raw transport
 *   it is built on moving the same records (copied into its buffers, read in place) in rounds run
 *   back to back, and next to the raw transport's ceiling (one byte per record written, no record
 *   moved); with ~100-byte objects through the default MessagePack serializer;
 * - latency percentiles at half of the measured engine throughput, flushing every millisecond.
 *
 *   npx node bench/network/network-transports.ts [records] [--rounds n] [--markdown]
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
import { BUFFER_BYTES, RECORD_BYTES, measurePostMessage, measureSharedRing, measureTcp, type RawRecords, type TransportRate } from './raw-transports.ts';
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
  /** The raw transport moving the same records (copied into its buffers), once per round. */
  readonly raw: readonly TransportRate[];
  /** The raw transport writing one byte per record and moving no record: its ceiling, per round. */
  readonly ceiling: readonly TransportRate[];
  /** The engine's channel with 100-byte records, once per round, next to `raw`. */
  readonly bytes: readonly EngineRun[];
  readonly objects: EngineRun;
  readonly halfLoad: EngineRun;
}

const RAW: Record<Transport, (records: number, way: RawRecords) => Promise<TransportRate>> = {
  ring: (n, way) => measureSharedRing(n, way),
  worker: (n, way) => measurePostMessage(n, way),
  tcp: (n, way) => measureTcp(n, way),
};

/**
 * Per transport, `rounds` rounds of the raw transport and the engine's channel run back to back
 * (their order alternating, so a drift in the machine's load hits both alike), after a warm-up of
 * both; then objects and the half-load latency run.
 */
export async function runNetworkBenchmark(count: number, rounds = 3): Promise<TransportReport[]> {
  const reports: TransportReport[] = [];
  for (const transport of ['ring', 'worker', 'tcp'] as const) {
    await RAW[transport](Math.round(count / 5), 'copied');
    await measureEngine(transport, 'bytes', Math.round(count / 5));
    const raw: TransportRate[] = [];
    const ceiling: TransportRate[] = [];
    const bytes: EngineRun[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        raw.push(await RAW[transport](count, 'copied'));
        bytes.push(await measureEngine(transport, 'bytes', count));
      } else {
        bytes.push(await measureEngine(transport, 'bytes', count));
        raw.push(await RAW[transport](count, 'copied'));
      }
      ceiling.push(await RAW[transport](count, 'written'));
    }
    const objects = await measureEngine(transport, 'objects', Math.min(count, 2_000_000));
    const halfRate = median(bytes.map((b) => b.rate.recordsPerSecond)) / 2;
    const halfLoad = await measureEngine(transport, 'bytes', Math.min(count, Math.round(halfRate * 2)), { recordsPerSecond: halfRate });
    reports.push({ transport, raw, ceiling, bytes, objects, halfLoad });
  }
  return reports;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const m = (r: number): string => (r / 1e6).toFixed(2);
const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

/** The engine's rate over the raw rate of the same round, per round. */
export function roundRatios(r: TransportReport): number[] {
  return r.bytes.map((b, i) => b.rate.recordsPerSecond / r.raw[i]!.recordsPerSecond);
}

export function formatMarkdown(reports: readonly TransportReport[]): string {
  const lines = [
    '| transport | raw transport, records copied in: M rec/s (MB/s), median | engine, 100-byte records read in place: M rec/s (MB/s), median | engine / raw per round (median; target ≥ 60%) | raw, one byte per record written (ceiling) | engine, msgpack objects M rec/s | latency at half load p50 / p90 / p99 / max ms (target p99 < 5 ms) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of reports) {
    const raw = median(r.raw.map((x) => x.recordsPerSecond));
    const engine = median(r.bytes.map((x) => x.rate.recordsPerSecond));
    const ratios = roundRatios(r);
    const ratio = median(ratios);
    const ceiling = median(r.ceiling.map((x) => x.recordsPerSecond));
    const [p50, p90, p99, max] = r.halfLoad.receiver.latency ?? [NaN, NaN, NaN, NaN];
    lines.push(
      `| ${TRANSPORT_NAMES[r.transport]} | ${m(raw)} (${((raw * RECORD_BYTES) / 1e6).toFixed(0)}) | ${m(engine)} (${((engine * RECORD_BYTES) / 1e6).toFixed(0)}) | ` +
        `${ratios.map(pct).join(', ')} (${pct(ratio)}) ${ratio >= 0.6 ? 'PASS' : 'FAIL'} | ${m(ceiling)} (engine ${pct(engine / ceiling)}) | ` +
        `${m(r.objects.rate.recordsPerSecond)} (${pct(r.objects.rate.recordsPerSecond / raw)} of raw) | ` +
        `${p50!.toFixed(2)} / ${p90!.toFixed(2)} / ${p99!.toFixed(2)} / ${max!.toFixed(2)} at ${m(r.halfLoad.rate.recordsPerSecond)} M rec/s ${p99! < 5 ? 'PASS' : 'FAIL'} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.main) {
  const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5_000_000);
  const roundsAt = process.argv.indexOf('--rounds');
  const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 3;
  const reports = await runNetworkBenchmark(count, rounds);
  if (!process.argv.includes('--markdown')) {
    for (const r of reports) {
      r.raw.forEach((raw, i) => console.log(`${raw.transport}: ${m(raw.recordsPerSecond)} M records/s; engine ${m(r.bytes[i]!.rate.recordsPerSecond)} M records/s; ${r.ceiling[i]!.transport}: ${m(r.ceiling[i]!.recordsPerSecond)} M records/s`));
      for (const run of [...r.bytes, r.objects, r.halfLoad]) {
        console.log(`  ${run.rate.transport}: ${m(run.rate.recordsPerSecond)} M records/s, ${run.rate.megabytesPerSecond.toFixed(0)} MB/s` +
          (run.receiver.latency ? `, latency p50/p90/p99/max ${run.receiver.latency.map((x) => x.toFixed(2)).join(' / ')} ms` : '') +
          `; peak memory sender ${run.peakSenderMemory / 1024} KiB, receiver ${run.receiver.peakReceiverMemory / 1024} KiB`);
      }
    }
  }
  console.log(formatMarkdown(reports));
}
