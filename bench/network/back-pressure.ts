/*
 * Back pressure in local execution: a fast source before a slow sink, as a real engine job
 * (`fromSequence` → map to ~100-byte objects → rebalance → a sink that spins 20 µs a record), run
 * for ~20 s with the LocalBackPressureDetector on (the default) and again with it off. Every 250 ms
 * it samples the process memory (heapUsed, external, arrayBuffers, rss), getMetrics() and
 * getBackPressure(); records in flight are the source's records out minus the sink's records in.
 * A first short run with a sink that drops records measures how fast the source could go.
 *
 * Flat memory means: the heap retained after a full collection grows by less than 2 MiB from the
 * end of the 3 s warm-up to the end of the run, and the records in flight never exceed the credit
 * (10 batches of 512 records, plus the batch being filled). Without credit the source would queue
 * the difference between its free rate and the sink's rate, hundreds of MB a second.
 *
 *   npx node bench/network/back-pressure.ts [seconds] [--no-write]
 */
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StreamExecutionEnvironment, type JobClient, type VertexMetrics } from '../../src/index.ts';
import type { BackPressureStatistics } from '../../src/runtime/tasks/local-back-pressure-detector.ts';
import { formatMachine, machineInfo, writeSection } from '../harness.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SINK_MICROS = 20;
const SAMPLE_MS = 250;
const WARMUP_MS = 3000;
const BATCH = 512;
const CREDIT = 10;
const IN_FLIGHT_BOUND = CREDIT * BATCH + BATCH;
const RETAINED_GROWTH_BOUND = 2 * 1024 * 1024;
const SOURCE = 'Source: Sequence Source -> Map';
const SINK = 'Sink: Slow sink';

interface Sample {
  readonly t: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
  readonly inFlight: number;
  readonly source: VertexMetrics;
  readonly sink: VertexMetrics;
  readonly backPressure: BackPressureStatistics | null;
}

interface Run {
  readonly detector: boolean;
  readonly samples: readonly Sample[];
  readonly retainedAfterWarmup: number;
  readonly retainedAtEnd: number;
  readonly sinkRecords: number;
}

function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

function order(i: number): { id: number; customer: string; amount: number; currency: string; note: string } {
  return { id: i, customer: `customer-${i % 1000}`, amount: (i % 10_000) / 100, currency: 'EUR', note: 'n'.repeat(42) };
}

function environment(detector: boolean): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1, 'taskmanager.network.local-back-pressure.enabled': detector });
}

function retainedHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Records per second the source reaches when its sink drops records. */
async function freeRate(ms: number): Promise<number> {
  const e = environment(true);
  let count = 0;
  e.fromSequence(1, Number.MAX_SAFE_INTEGER)
    .map(order)
    .rebalance()
    .addSink(() => {
      count++;
    });
  const client = await e.executeAsync();
  await sleep(500);
  const from = count;
  const start = performance.now();
  await sleep(ms);
  const rate = ((count - from) * 1000) / (performance.now() - start);
  await client.cancel();
  return rate;
}

async function sample(client: JobClient, t: number): Promise<Sample> {
  const metrics = await client.getMetrics();
  const source = metrics[SOURCE]!;
  const sink = metrics[SINK]!;
  const memory = process.memoryUsage();
  return {
    t,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    rss: memory.rss,
    inFlight: source.numRecordsOut - sink.numRecordsIn,
    source,
    sink,
    backPressure: client.getBackPressure(),
  };
}

async function run(detector: boolean, seconds: number): Promise<Run> {
  const e = environment(detector);
  let sinkRecords = 0;
  e.fromSequence(1, Number.MAX_SAFE_INTEGER)
    .map(order)
    .rebalance()
    .addSink(() => {
      spin(SINK_MICROS);
      sinkRecords++;
    })
    .name('Slow sink');
  const client = await e.executeAsync();
  const start = performance.now();
  const samples: Sample[] = [];
  let retainedAfterWarmup = 0;
  for (let next = SAMPLE_MS; next <= seconds * 1000; next += SAMPLE_MS) {
    await sleep(Math.max(0, start + next - performance.now()));
    if (retainedAfterWarmup === 0 && next >= WARMUP_MS) retainedAfterWarmup = retainedHeap();
    samples.push(await sample(client, performance.now() - start));
  }
  const retainedAtEnd = retainedHeap();
  await client.cancel();
  return { detector, samples, retainedAfterWarmup, retainedAtEnd, sinkRecords };
}

const MiB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
const signedMib = (bytes: number): string => `${bytes >= 0 ? '+' : '−'}${mib(Math.abs(bytes))}`;
const fixed = (v: number, digits = 0): string => v.toFixed(digits);
const whole = (v: number): string => Math.round(v).toLocaleString('en-US');

/** Least-squares slope of `values` over the samples' times, per second. */
function slope(samples: readonly Sample[], values: readonly number[]): number {
  const ts = samples.map((x) => x.t / 1000);
  const mt = mean(ts);
  const mv = mean(values);
  let num = 0;
  let den = 0;
  for (let i = 0; i < ts.length; i++) {
    num += (ts[i]! - mt) * (values[i]! - mv);
    den += (ts[i]! - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Bytes of heap one record of the job keeps alive (what an unbounded queue would hold per record). */
function bytesPerRecord(): number {
  const n = 200_000;
  const before = retainedHeap();
  const kept = Array.from({ length: n }, (_, i) => order(i));
  const after = retainedHeap();
  return (after - before) / kept.length;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

function count<T>(values: readonly T[]): string {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${String(v)} ${n}/${values.length}`).join(', ');
}

function steady(r: Run): readonly Sample[] {
  return r.samples.filter((s) => s.t >= WARMUP_MS);
}

function flat(r: Run): { retainedGrowth: number; maxInFlight: number; pass: boolean } {
  const retainedGrowth = r.retainedAtEnd - r.retainedAfterWarmup;
  const maxInFlight = Math.max(...r.samples.map((s) => s.inFlight));
  return { retainedGrowth, maxInFlight, pass: retainedGrowth < RETAINED_GROWTH_BOUND && maxInFlight <= IN_FLIGHT_BOUND };
}

function memoryRow(r: Run): string {
  const s = steady(r);
  const cells = [r.detector ? 'on' : 'off'];
  for (const key of ['heapUsed', 'external', 'arrayBuffers', 'rss'] as const) {
    const values = s.map((x) => x[key]);
    cells.push(`${mib(Math.min(...values))} / ${mib(Math.max(...values))} / ${signedMib(slope(s, values))}/s`);
  }
  const f = flat(r);
  cells.push(signedMib(f.retainedGrowth), `${f.maxInFlight} (≤ ${IN_FLIGHT_BOUND})`, f.pass ? 'PASS' : 'FAIL');
  return `| ${cells.join(' | ')} |`;
}

function pressureRow(r: Run): string {
  const s = steady(r);
  const bp = s.map((x) => x.source.backPressuredTimeMsPerSecond);
  const sinkRate = mean(s.map((x) => x.sink.numRecordsInPerSecond));
  const stats = s.map((x) => x.backPressure).filter((b): b is BackPressureStatistics => b !== null);
  const sinkQueue = stats.map((b) => b.operators.find((o) => o.vertex === SINK)?.queueUtilization ?? 0);
  // The throttle delay over the whole run, warm-up included: it grows from the base delay within the first polls.
  const delays = r.samples.map((x) => ({ t: x.t, d: x.backPressure?.operators.find((o) => o.vertex === SOURCE)?.throttle?.delayMs ?? 0 }));
  const first = delays.find((x) => x.d > 0);
  const peak = delays.reduce((a, b) => (b.d > a.d ? b : a), delays[0]!);
  const last = stats.at(-1)?.operators.find((o) => o.vertex === SOURCE)?.throttle ?? undefined;
  return `| ${[
    r.detector ? 'on' : 'off',
    whole(sinkRate),
    `${fixed(mean(bp))} (${fixed(Math.min(...bp))}–${fixed(Math.max(...bp))})`,
    count(s.map((x) => x.source.backPressureLevel)),
    fixed(mean(s.map((x) => x.sink.inPoolUsage)), 2),
    stats.length === 0 ? '—' : count(stats.map((b) => b.level)),
    stats.length === 0 ? '—' : `${fixed(mean(sinkQueue), 2)} (min ${fixed(Math.min(...sinkQueue), 2)})`,
    first === undefined ? '—' : `${fixed(first.d)} ms at ${fixed(first.t / 1000, 2)} s → ${fixed(peak.d)} ms at ${fixed(peak.t / 1000, 2)} s (last ${fixed(delays.at(-1)!.d)})`,
    last === undefined ? '—' : `${last.holds} / ${last.polls}`,
  ].join(' | ')} |`;
}

const seconds = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 20);
const machine = machineInfo();
console.log(`Fast source, slow sink (${SINK_MICROS} µs a record), ${seconds} s per run, sampled every ${SAMPLE_MS} ms`);
const free = await freeRate(2000);
console.log(`source with a sink that drops records: ${whole(free)} records/s`);
const runs: Run[] = [];
for (const detector of [true, false]) {
  const r = await run(detector, seconds);
  runs.push(r);
  const f = flat(r);
  console.log(`detector ${detector ? 'on' : 'off'}: ${r.sinkRecords} records sunk, retained heap ${signedMib(f.retainedGrowth)}, max in flight ${f.maxInFlight}: ${f.pass ? 'flat' : 'NOT flat'}`);
}
machine.loadAverageAtEnd = machineInfo().loadAverage;
// Measured last, so that the records it keeps do not show in the runs' memory.
const recordBytes = bytesPerRecord();

const section = [
  '### Results',
  '',
  `Machine: ${formatMachine(machine)}. \`npx node bench/network/back-pressure.ts ${seconds}\`: ${seconds} s per run, sampled every ${SAMPLE_MS} ms; figures over the samples after a ${WARMUP_MS / 1000} s warm-up.`,
  `The source alone (a sink that drops records) runs at ${whole(free)} records/s; the slow sink takes ${SINK_MICROS} µs a record. ` +
    `A record keeps ${whole(recordBytes)} bytes of heap alive: a queue without bound would grow by about ${mib((free - mean(steady(runs[0]!).map((x) => x.sink.numRecordsInPerSecond))) * recordBytes)}/s.`,
  '',
  '| detector | heapUsed min / max / trend | external | arrayBuffers | rss | retained heap after GC, growth | records in flight, max | flat |',
  '|---|---|---|---|---|---|---|---|',
  ...runs.map(memoryRow),
  '',
  '| detector | sink records/s | source backPressuredTimeMsPerSecond, mean (min–max) | source backPressureLevel | sink inPoolUsage | detector level | sink queue utilization, mean | source throttle delay, first → highest | holds / polls |',
  '|---|---|---|---|---|---|---|---|---|',
  ...runs.map(pressureRow),
  '',
  'Memory columns: min / max of the samples after the warm-up, and their trend (least-squares slope). heapUsed swings with garbage between collections; the retained heap is read after forced full collections.',
  `Flat: the heap retained after a full collection grows by less than ${mib(RETAINED_GROWTH_BOUND)} from the end of the warm-up to the end of the run, ` +
    `and records in flight stay within the credit (${CREDIT} batches × ${BATCH} records + the batch being filled = ${IN_FLIGHT_BOUND}). ` +
    `Result: ${runs.every((r) => flat(r).pass) ? 'PASS' : 'FAIL'} (detector on: ${flat(runs[0]!).pass ? 'PASS' : 'FAIL'}, off: ${flat(runs[1]!).pass ? 'PASS' : 'FAIL'}).`,
].join('\n');
console.log(`\n${section}`);
if (!process.argv.includes('--no-write')) {
  writeSection(path.join(import.meta.dirname, '..', '..', 'BENCHMARKS.md'), 'backpressure', section);
  console.log('\nWrote the backpressure section of BENCHMARKS.md.');
}
