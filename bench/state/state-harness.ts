/*
 * The harness of the keyed-state benchmarks: a workload (value, list, map, keyed counter) runs on a
 * state backend and, in the same process, on a plain Map doing the same, in alternating samples.
 * RocksDB cases alternate with a second baseline too: the raw binding making the same native calls
 * with prebuilt keys and values (binding-baseline.ts), the ceiling of a backend that makes one
 * native call per write; where the workload has one, its writes through the binding's batch path
 * (a transaction) are sampled in the same rounds. Each trial sets up its own state outside the
 * timed part (a fresh backend, prefilled where the workload says so), runs the timed part, then
 * reads the state back untimed: every checksum must equal the Map's, or the case fails instead
 * of reporting a rate. A separate pass times single writes (update/add/put) one by one with
 * process.hrtime.bigint() for their latency percentiles.
 */
import { ChecksumMismatchError, stats, type RateStats } from '../harness.ts';
import type { BackendKind } from './state-backends.ts';

/** One run of a workload on one subject, set up before `run` is called. */
export interface Trial {
  /** The timed part: processes the trial's records; returns a checksum of what the state returned. */
  run(): number | Promise<number>;
  /** Untimed: a checksum of the state's content read back, then releases what the trial holds. */
  finish(): number | Promise<number>;
}

/** A benchmark module under bench/state/. */
export interface StateWorkload {
  readonly name: string;
  readonly description: string;
  /** State calls (reads and writes) per record, and how many of them write. */
  readonly opsPerRecord: number;
  readonly writesPerRecord: number;
  /** The write whose latency is sampled, e.g. 'update()'. */
  readonly writeCall: string;
  /** Records of a full and of a quick run. */
  records(kind: BackendKind): number;
  quickRecords(kind: BackendKind): number;
  /** A trial of `n` records on a fresh keyed state backend of `kind`. */
  trial(kind: BackendKind, n: number): Promise<Trial>;
  /** The same records on a plain Map. */
  loopTrial(n: number): Trial;
  /** The same native calls as the RocksDB backend on the raw binding, keys and values prebuilt. */
  bindingTrial(n: number): Trial;
  /** Untimed, once per RocksDB case: throws unless bindingTrial writes the bytes the backend writes. */
  checkBindingBytes(): Promise<void>;
  /** bindingTrial's writes (a blind-write workload) through transactions of `batchSize` puts each. */
  bindingBatchTrial?(n: number, batchSize: number): Trial;
  /** Durations (ns) of single writes over `n` records on a fresh backend, timed one by one. */
  writeLatencies(kind: BackendKind, n: number): Promise<Float64Array>;
}

/** The seed's floors: heap state ops/s; RocksDB writes/s and p99 latency of a single write. */
export const HEAP_MIN_OPS_PER_SECOND = 5_000_000;
export const ROCKSDB_MIN_WRITES_PER_SECOND = 500_000;
export const ROCKSDB_MAX_P99_WRITE_NANOS = 1_000_000;

/** Puts per transaction of the binding's batch path. */
export const BINDING_BATCH_SIZES = [100, 1000] as const;

/** Writes timed one by one in the latency pass (fewer when a trial has fewer). */
const LATENCY_SAMPLE_WRITES = 200_000;

export interface LatencyStats {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface StateCaseResult {
  readonly id: string;
  readonly workload: string;
  readonly description: string;
  readonly backend: BackendKind;
  readonly records: number;
  readonly rounds: number;
  readonly opsPerRecord: number;
  readonly writesPerRecord: number;
  readonly writeCall: string;
  /** Records per second on the backend and on the Map. */
  readonly state: RateStats;
  readonly loop: RateStats;
  /** median(state) / median(loop). */
  readonly ratio: number;
  /** Records per second of the raw binding making the same native calls; null on the heap. */
  readonly binding: RateStats | null;
  /** median(state) / median(binding); null on the heap. */
  readonly bindingRatio: number | null;
  /** Records per second of the binding's writes through transactions of batchSize puts (empty unless the workload has them). */
  readonly batches: readonly BatchRates[];
  /** Latency of single writes in nanoseconds. */
  readonly latency: LatencyStats;
  readonly checksum: number;
}

export interface BatchRates {
  readonly batchSize: number;
  readonly rates: RateStats;
}

export interface StateMeasureOptions {
  readonly records: number;
  readonly rounds: number;
  readonly minSampleSeconds: number;
  readonly log: (line: string) => void;
}

export interface Outcome {
  readonly run: number;
  readonly content: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

export function stateCaseId(workload: string, backend: BackendKind): string {
  return `state/${workload}/${backend}`;
}

function check(what: string, actual: Outcome, expected: Outcome): void {
  if (actual.run !== expected.run || actual.content !== expected.content) {
    throw new ChecksumMismatchError(
      `${what} computed checksum ${actual.run} and read back ${actual.content}, ` + `but the plain Map computed ${expected.run} and read back ${expected.content}`,
    );
  }
}

/** Sets up and runs one trial; returns its timed milliseconds after checking its outcome. */
async function timedTrial(what: string, makeTrial: () => Trial | Promise<Trial>, expected: Outcome | null): Promise<{ millis: number; outcome: Outcome }> {
  const trial = await makeTrial();
  gc?.();
  let run: number;
  let millis: number;
  try {
    const start = performance.now();
    run = await trial.run();
    millis = performance.now() - start;
  } catch (e) {
    await trial.finish();
    throw e;
  }
  const outcome = { run, content: await trial.finish() };
  if (expected !== null) check(what, outcome, expected);
  return { millis, outcome };
}

/**
 * Trials until minSeconds have passed (at least one), set-up included so that short trials with a
 * costly set-up do not stretch the run: records per second of the trials' timed parts.
 */
async function sample(what: string, makeTrial: () => Trial | Promise<Trial>, n: number, minSeconds: number, expected: Outcome): Promise<number> {
  let millis = 0;
  let repetitions = 0;
  const start = performance.now();
  do {
    millis += (await timedTrial(what, makeTrial, expected)).millis;
    repetitions++;
  } while ((performance.now() - start) / 1000 < minSeconds);
  return (repetitions * n) / (millis / 1000);
}

export function latencyStats(durations: Float64Array): LatencyStats {
  const sorted = Float64Array.from(durations).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { samples: sorted.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1]! };
}

/** One workload on one backend: warm-up trials, `rounds` alternating samples, then the latency pass. */
export async function measureStateCase(workload: StateWorkload, backend: BackendKind, options: StateMeasureOptions): Promise<StateCaseResult> {
  const { records: n, rounds, minSampleSeconds, log } = options;
  const id = stateCaseId(workload.name, backend);
  const stateTrial = (): Promise<Trial> => workload.trial(backend, n);
  const loopTrial = (): Trial => workload.loopTrial(n);
  const onRocksDB = backend === 'rocksdb';
  const bindingTrial = (): Trial => workload.bindingTrial(n);
  const batchTrials = onRocksDB && workload.bindingBatchTrial !== undefined ? BINDING_BATCH_SIZES.map((size) => ({ size, trial: () => workload.bindingBatchTrial!(n, size) })) : [];

  const reference = (await timedTrial(`${id}: the Map`, loopTrial, null)).outcome;
  await timedTrial(`${id}: the ${backend} backend (warm-up)`, stateTrial, reference);
  if (onRocksDB) {
    await workload.checkBindingBytes();
    await timedTrial(`${id}: the binding (warm-up)`, bindingTrial, reference);
    for (const b of batchTrials) await timedTrial(`${id}: the binding's batches of ${b.size} (warm-up)`, b.trial, reference);
  }
  log(`${id}: warmed up (${n} records, checksum ${reference.run}, read back ${reference.content})`);

  const stateRates: number[] = [];
  const loopRates: number[] = [];
  const bindingRates: number[] = [];
  const batchRates: number[][] = batchTrials.map(() => []);
  const writes = (recordsPerSecond: number): string => `${formatPerSecond(recordsPerSecond * workload.writesPerRecord)} writes`;
  for (let round = 1; round <= rounds; round++) {
    stateRates.push(await sample(`${id}: the ${backend} backend`, stateTrial, n, minSampleSeconds, reference));
    loopRates.push(await sample(`${id}: the Map`, loopTrial, n, minSampleSeconds, reference));
    let line = `${id}: round ${round}/${rounds}  ${backend} ${formatPerSecond(stateRates.at(-1)! * workload.opsPerRecord)} ops`;
    line += `  Map ${formatPerSecond(loopRates.at(-1)! * workload.opsPerRecord)} ops`;
    if (onRocksDB) {
      bindingRates.push(await sample(`${id}: the binding`, bindingTrial, n, minSampleSeconds, reference));
      line += `  (${backend} ${writes(stateRates.at(-1)!)}, binding ${writes(bindingRates.at(-1)!)}`;
      for (const [i, b] of batchTrials.entries()) {
        batchRates[i]!.push(await sample(`${id}: the binding's batches of ${b.size}`, b.trial, n, minSampleSeconds, reference));
        line += `, batches of ${b.size} ${writes(batchRates[i]!.at(-1)!)}`;
      }
      line += ')';
    }
    log(line);
  }
  gc?.();
  const latency = latencyStats(await workload.writeLatencies(backend, Math.min(n, Math.ceil(LATENCY_SAMPLE_WRITES / workload.writesPerRecord))));
  log(`${id}: ${workload.writeCall} latency p50 ${formatNanos(latency.p50)}  p99 ${formatNanos(latency.p99)}  max ${formatNanos(latency.max)} (${latency.samples} writes)`);
  const state = stats(stateRates);
  const loop = stats(loopRates);
  const binding = onRocksDB ? stats(bindingRates) : null;
  return {
    id,
    workload: workload.name,
    description: workload.description,
    backend,
    records: n,
    rounds,
    opsPerRecord: workload.opsPerRecord,
    writesPerRecord: workload.writesPerRecord,
    writeCall: workload.writeCall,
    state,
    loop,
    ratio: state.median / loop.median,
    binding,
    bindingRatio: binding === null ? null : state.median / binding.median,
    batches: batchTrials.map((b, i) => ({ batchSize: b.size, rates: stats(batchRates[i]!) })),
    latency,
    checksum: reference.run,
  };
}

/** Only the backend's trials, for profiling (after one Map trial for the reference checksums). */
export async function runStateOnly(workload: StateWorkload, backend: BackendKind, options: StateMeasureOptions): Promise<RateStats> {
  const id = stateCaseId(workload.name, backend);
  const reference = (await timedTrial(`${id}: the Map`, () => workload.loopTrial(options.records), null)).outcome;
  const rates: number[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    rates.push(await sample(`${id}: the ${backend} backend`, () => workload.trial(backend, options.records), options.records, options.minSampleSeconds, reference));
    options.log(`${id}: ${backend} run ${round}/${options.rounds}  ${formatPerSecond(rates.at(-1)!)} records`);
  }
  return stats(rates);
}

// ---- targets and formatting -------------------------------------------------------------------

export function opsPerSecond(r: StateCaseResult): number {
  return r.state.median * r.opsPerRecord;
}

export function writesPerSecond(r: StateCaseResult): number {
  return r.state.median * r.writesPerRecord;
}

/** Writes per second of the raw binding making the case's native calls; null on the heap. */
export function bindingWritesPerSecond(r: StateCaseResult): number | null {
  return r.binding === null ? null : r.binding.median * r.writesPerRecord;
}

export function describeTarget(backend: BackendKind): string {
  return backend === 'heap'
    ? `≥ ${formatPerSecond(HEAP_MIN_OPS_PER_SECOND)} ops`
    : `≥ ${formatPerSecond(ROCKSDB_MIN_WRITES_PER_SECOND)} writes, p99 < ${formatNanos(ROCKSDB_MAX_P99_WRITE_NANOS)}`;
}

/** What misses the target ('ops/s', 'writes/s', 'p99'); empty when the case passes. */
export function missedTargets(r: StateCaseResult): string[] {
  if (r.backend === 'heap') return opsPerSecond(r) >= HEAP_MIN_OPS_PER_SECOND ? [] : ['ops/s'];
  const missed: string[] = [];
  if (writesPerSecond(r) < ROCKSDB_MIN_WRITES_PER_SECOND) missed.push('writes/s');
  if (r.latency.p99 >= ROCKSDB_MAX_P99_WRITE_NANOS) missed.push('p99');
  return missed;
}

export function passesStateTarget(r: StateCaseResult): boolean {
  return missedTargets(r).length === 0;
}

/** A failed case names what it missed; a throughput floor above the binding's own rate says so. */
export function formatVerdict(r: StateCaseResult): string {
  const missed = missedTargets(r);
  if (missed.length === 0) return 'pass';
  const ceiling = bindingWritesPerSecond(r);
  const reasons = missed.map((m) =>
    m === 'writes/s' && ceiling !== null && ceiling < ROCKSDB_MIN_WRITES_PER_SECOND
      ? `writes/s: binding ceiling ${formatPerSecond(ceiling)} < ${formatPerSecond(ROCKSDB_MIN_WRITES_PER_SECOND)}`
      : m,
  );
  return `FAIL (${reasons.join('; ')})`;
}

export function formatPerSecond(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  return `${(perSecond / 1e3).toFixed(0)} K/s`;
}

export function formatNanos(nanos: number): string {
  if (nanos >= 1e6) return `${+(nanos / 1e6).toFixed(1)} ms`;
  if (nanos >= 1e4) return `${(nanos / 1e3).toFixed(0)} µs`;
  return `${(nanos / 1e3).toFixed(2)} µs`;
}
