/*
 * The raw transports that the network stack's transports are measured against: 100-byte records
 * packed into 32 KiB buffers and moved as fast as the platform moves them, with nothing of the
 * engine in between.
 * - postMessage: buffers transferred (not copied) to a worker thread, which reads every record
 *   and transfers each buffer back; at most `inFlight` buffers are out at a time (a fixed credit).
 * - TCP: a loopback stream to a worker thread's server, which reads every record.
 * - SharedArrayBuffer ring: `inFlight` 32 KiB slots shared with a worker thread, head and tail
 *   published with Atomics; either side that finds the ring full or empty waits with
 *   Atomics.waitAsync, so neither thread blocks its event loop (as an engine task must not).
 * Each returns records/s and MB/s; the receiver checks the byte sum so nothing is skipped.
 *
 *   npx node bench/network/raw-transports.ts [records]
 */
import { once } from 'node:events';
import net from 'node:net';
import { Worker } from 'node:worker_threads';

export const RECORD_BYTES = 100;
export const BUFFER_BYTES = 32 * 1024;
const RECORDS_PER_BUFFER = Math.floor(BUFFER_BYTES / RECORD_BYTES);

export interface TransportRate {
  readonly transport: string;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
}

function rate(transport: string, records: number, seconds: number): TransportRate {
  return { transport, records, seconds, recordsPerSecond: records / seconds, megabytesPerSecond: (records * RECORD_BYTES) / seconds / 1e6 };
}

/**
 * How the raw sender puts records into the transport's memory:
 * - `copied`: the records are 100-byte `Uint8Array`s, as the engine is handed them, each stamped
 *   with its index and copied into the buffer (`TypedArray.set`) — the same input as the engine's;
 * - `written`: one byte per record is written where the record would be and the other 99 bytes are
 *   whatever the buffer held — the transport's ceiling, with no record ever moved.
 */
export type RawRecords = 'copied' | 'written';

const SOURCE_RECORDS = Array.from({ length: RECORDS_PER_BUFFER }, () => new Uint8Array(RECORD_BYTES));

/** A buffer of records whose first byte is the record's index modulo 251 (what the receiver sums). */
function fillBuffer(buffer: Uint8Array, firstRecord: number, records: number, way: RawRecords): void {
  if (way === 'written') {
    for (let r = 0; r < records; r++) buffer[r * RECORD_BYTES] = (firstRecord + r) % 251;
    return;
  }
  for (let r = 0; r < records; r++) {
    const record = SOURCE_RECORDS[r]!;
    record[0] = (firstRecord + r) % 251;
    buffer.set(record, r * RECORD_BYTES);
  }
}

function expectedSum(records: number): number {
  let sum = 0;
  for (let i = 0; i < records; i++) sum += i % 251;
  return sum;
}

// The receiving side of both transports, run in a worker thread (as an ES module from a data: URL).
const RECEIVER = `
import { parentPort, workerData } from 'node:worker_threads';
import net from 'node:net';
const { mode, recordBytes, recordsPerBuffer } = workerData;
if (mode === 'post') {
  let sum = 0;
  parentPort.on('message', (m) => {
    if (m === 'done') { parentPort.postMessage({ sum }); return; }
    const bytes = new Uint8Array(m.buffer);
    for (let r = 0; r < m.records; r++) sum += bytes[r * recordBytes];
    parentPort.postMessage(m, [m.buffer]);
  });
} else if (mode === 'ring') {
  const { ring, control, slots, slotBytes, records } = workerData;
  const bytes = new Uint8Array(ring);
  const ctrl = new Int32Array(control);
  let sum = 0, read = 0, tail = 0;
  // A pending Atomics.waitAsync does not keep a thread alive; this timer does.
  const keepAlive = setInterval(() => {}, 1000);
  const drain = () => {
    for (;;) {
      const head = Atomics.load(ctrl, 0);
      while (tail < head) {
        const base = (tail % slots) * slotBytes;
        const n = Math.min(recordsPerBuffer, records - read);
        for (let r = 0; r < n; r++) sum += bytes[base + r * recordBytes];
        read += n;
        tail++;
        Atomics.store(ctrl, 1, tail);
        Atomics.notify(ctrl, 1);
      }
      if (read >= records) { clearInterval(keepAlive); parentPort.postMessage({ sum }); return; }
      const w = Atomics.waitAsync(ctrl, 0, head);
      if (w.async) { w.value.then(drain); return; }
    }
  };
  drain();
} else {
  const server = net.createServer((socket) => {
    let sum = 0, at = 0;
    socket.on('data', (chunk) => {
      // The first record start in this chunk, then every record start after it.
      let i = (recordBytes - (at % recordBytes)) % recordBytes;
      for (; i < chunk.length; i += recordBytes) sum += chunk[i];
      at += chunk.length;
    });
    socket.on('end', () => { parentPort.postMessage({ sum }); socket.end(); server.close(); });
  });
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
}
`;

function receiver(mode: 'post' | 'tcp' | 'ring', extra: Record<string, unknown> = {}): Worker {
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(RECEIVER)}`), { workerData: { mode, recordBytes: RECORD_BYTES, recordsPerBuffer: RECORDS_PER_BUFFER, ...extra } });
}

// Atomics.waitAsync (ES2024) is in Node 24 but not in the project's TypeScript lib setting.
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

/** Moves `records` records through a ring of `slots` shared 32 KiB slots to a worker thread. */
export async function measureSharedRing(records: number, way: RawRecords, slots = 8): Promise<TransportRate> {
  const ring = new SharedArrayBuffer(slots * BUFFER_BYTES);
  const control = new SharedArrayBuffer(8);
  const ctrl = new Int32Array(control);
  const bytes = new Uint8Array(ring);
  const staging = new Uint8Array(RECORDS_PER_BUFFER * RECORD_BYTES);
  const worker = receiver('ring', { ring, control, slots, slotBytes: BUFFER_BYTES, records });
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const done = once(worker, 'message') as Promise<[{ sum: number }]>;
    const started = performance.now();
    let sent = 0;
    let head = 0;
    while (sent < records) {
      const tail = Atomics.load(ctrl, 1);
      if (head - tail >= slots) {
        const w = waitAsync(ctrl, 1, tail);
        if (w.async) await w.value;
        continue;
      }
      const n = Math.min(RECORDS_PER_BUFFER, records - sent);
      const slot = head % slots;
      if (way === 'written') fillBuffer(bytes.subarray(slot * BUFFER_BYTES, (slot + 1) * BUFFER_BYTES), sent, n, way);
      else {
        // TypedArray.set of a 100-byte record into shared memory is a slow byte copy in V8 (about
        // 29 ns against 11 ns into an ArrayBuffer): the records are copied into an ordinary buffer
        // and that buffer into the slot with one set (the faster raw way).
        fillBuffer(staging, sent, n, way);
        bytes.set(n === RECORDS_PER_BUFFER ? staging : staging.subarray(0, n * RECORD_BYTES), slot * BUFFER_BYTES);
      }
      sent += n;
      head++;
      Atomics.store(ctrl, 0, head);
      Atomics.notify(ctrl, 0);
    }
    const [{ sum }] = await done;
    const seconds = (performance.now() - started) / 1000;
    if (sum !== expectedSum(records)) throw new Error(`ring receiver summed ${sum}, expected ${expectedSum(records)}`);
    return rate(`SharedArrayBuffer ring${way === 'written' ? ', one byte per record written' : ''}`, records, seconds);
  } finally {
    clearInterval(keepAlive);
    await worker.terminate();
  }
}

/** Transfers `records` records in 32 KiB buffers to a worker thread and back, `inFlight` at a time. */
export async function measurePostMessage(records: number, way: RawRecords, inFlight = 8): Promise<TransportRate> {
  const worker = receiver('post');
  try {
    let sent = 0;
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      let outstanding = 0;
      const send = (buffer: ArrayBuffer): void => {
        const n = Math.min(RECORDS_PER_BUFFER, records - sent);
        fillBuffer(new Uint8Array(buffer), sent, n, way);
        sent += n;
        outstanding++;
        worker.postMessage({ buffer, records: n }, [buffer]);
      };
      worker.on('error', reject);
      worker.on('message', (m: { buffer: ArrayBuffer }) => {
        outstanding--;
        if (sent < records) send(m.buffer);
        else if (outstanding === 0) resolve();
      });
      for (let i = 0; i < inFlight && sent < records; i++) send(new ArrayBuffer(BUFFER_BYTES));
    });
    worker.postMessage('done');
    const [{ sum }] = (await once(worker, 'message')) as [{ sum: number }];
    const seconds = (performance.now() - started) / 1000;
    if (sum !== expectedSum(records)) throw new Error(`postMessage receiver summed ${sum}, expected ${expectedSum(records)}`);
    return rate(`postMessage (transferred buffers)${way === 'written' ? ', one byte per record written' : ''}`, records, seconds);
  } finally {
    await worker.terminate();
  }
}

/** Streams `records` records over a loopback TCP connection to a worker thread's server. */
export async function measureTcp(records: number, way: RawRecords): Promise<TransportRate> {
  const worker = receiver('tcp');
  try {
    const [{ port }] = (await once(worker, 'message')) as [{ port: number }];
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.setNoDelay(true);
    const started = performance.now();
    let sent = 0;
    while (sent < records) {
      const n = Math.min(RECORDS_PER_BUFFER, records - sent);
      const buffer = Buffer.alloc(n * RECORD_BYTES);
      fillBuffer(buffer, sent, n, way);
      sent += n;
      if (!socket.write(buffer)) await once(socket, 'drain');
    }
    socket.end();
    const [{ sum }] = (await once(worker, 'message')) as [{ sum: number }];
    const seconds = (performance.now() - started) / 1000;
    socket.destroy();
    if (sum !== expectedSum(records)) throw new Error(`TCP receiver summed ${sum}, expected ${expectedSum(records)}`);
    return rate(`TCP loopback${way === 'written' ? ', one byte per record written' : ''}`, records, seconds);
  } finally {
    await worker.terminate();
  }
}

if (import.meta.main) {
  const records = Number(process.argv[2] ?? 5_000_000);
  for (const measure of [measurePostMessage, measureSharedRing, measureTcp])
  for (const way of ['copied', 'written'] as const) {
    const r = await measure(records, way);
    console.log(`${r.transport}: ${(r.recordsPerSecond / 1e6).toFixed(2)} M records/s, ${r.megabytesPerSecond.toFixed(0)} MB/s (${r.records} records of ${RECORD_BYTES} bytes in ${r.seconds.toFixed(2)} s)`);
  }
}
