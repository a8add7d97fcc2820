/*
 * The checkpoint benchmarks (not timed tests; `npm run bench -- checkpoint/`, or run this file):
 *   size      a keyed job loads about 1 GB of RocksDB state (1 KB random values); checkpoints are
 *             taken by hand after the load and again after ~5% of the keys changed, first with
 *             incremental checkpoints, then — in a job restored from the incremental one — full;
 *             duration (trigger to completion) and bytes written are reported.
 *   recovery  a job restored from a retained checkpoint of that state ('execution.savepoint.path'):
 *             time from submission until its keyed operator processes a record again (from the
 *             incremental checkpoint; the full one is reported too).
 *   overhead  a keyed counting job on RocksDB, bounded, with checkpoints every second vs none,
 *             alternating in the same process; the cost is the drop of the median processing rate
 *             (records over the time from the keyed operator's first record to its last, so that
 *             job start-up, the final checkpoint after the input ended and the tear-down are not
 *             in it). The tasks' thread CPU per record and idle share are reported too, and a
 *             probe of RocksDB point reads from the memtable and from an SST file
 *             (rocksdb-read-probe.ts), the mechanism of the cost.
 * Results go to the `checkpoint` section of BENCHMARKS.md on a full run.
 *
 *   npx node bench/checkpoint/checkpoint-suite.ts [--quick] [--no-write] [--mb <state MB>] [--rounds <n>] [--only size|overhead]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RocksDBStateBackend } from '../../src/runtime/state/rocksdb/rocksdb-state-backend.ts';
import type { RocksDBKeyedStateBackend } from '../../src/runtime/state/rocksdb/rocksdb-keyed-state-backend.ts';
import type { KeyedStateBackendParameters, StateBackend } from '../../src/runtime/state/keyed-state-backend.ts';
import {
  KeyedProcessFunction,
  RichSourceFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type JobClient,
  type KeyedProcessFunctionContext,
  type SourceContext,
  type ValueState,
} from '../../src/index.ts';
import { formatMachine, machineInfo, writeSection } from '../harness.ts';
import { rocksDBReadProbe, type ReadProbe } from './rocksdb-read-probe.ts';

const VALUE_BYTES = 1024;
const POOL = 4096;
const CHANGED = 0.05;
const KEYED_PARALLELISM = 2;
const OVERHEAD_TARGET = 0.05;
const RECOVERY_TARGET_MS = 10_000;

const pool = Array.from({ length: POOL }, () => randomBytes((VALUE_BYTES * 3) / 4).toString('base64'));

interface Phase {
  /** The source emits keys 0..allowed-1, then `allowed`.. as the bench raises it. */
  allowed: number;
  processed: number;
  /** performance.now() of the first record the keyed operator processed. */
  firstRecordAt: number;
  /** Added to the value index: a changed key gets another value. */
  generation: number;
  changedFrom: number;
}

function phasedSource(phase: Phase, keys: number): RichSourceFunction<number> {
  class PhasedSource extends RichSourceFunction<number> {
    private running = true;
    async run(ctx: SourceContext<number>): Promise<void> {
      let i = 0;
      while (this.running) {
        if (i < phase.allowed) {
          await ctx.collectAsync(i < keys ? i : phase.changedFrom + ((i - keys) % keys));
          i++;
          if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
        } else {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    }
    cancel(): void {
      this.running = false;
    }
  }
  return new PhasedSource();
}

function loader(phase: Phase): KeyedProcessFunction<number, number, never> {
  class Loader extends KeyedProcessFunction<number, number, never> {
    private state: ValueState<string> | null = null;
    processElement(key: number, _ctx: KeyedProcessFunctionContext<number>): void {
      this.state ??= this.getRuntimeContext().getState(new ValueStateDescriptor<string>('value'));
      if (phase.processed++ === 0) phase.firstRecordAt = performance.now();
      this.state.update(pool[(key + phase.generation) % POOL]!);
    }
  }
  return new Loader();
}

async function startJob(dir: string, phase: Phase, keys: number, incremental: boolean, restoreFrom?: string): Promise<{ client: JobClient; submitted: number }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({
    'parallelism.default': KEYED_PARALLELISM,
    'state.backend.type': 'rocksdb',
    'execution.checkpointing.incremental': incremental,
    'state.checkpoints.dir': dir,
    'state.checkpoints.num-retained': 2,
    'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    'execution.checkpointing.timeout': 600_000,
    ...(restoreFrom === undefined ? {} : { 'execution.savepoint.path': restoreFrom }),
  });
  env.enableCheckpointing(3_600_000);
  env.addSource(phasedSource(phase, keys)).uid('source').keyBy((k) => k).process(loader(phase)).uid('loader').addSink(() => {});
  const submitted = performance.now();
  return { client: await env.executeAsync('checkpoint-bench'), submitted };
}

async function until(condition: () => boolean, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface CheckpointFigure {
  readonly label: string;
  readonly durationMs: number;
  readonly bytesWritten: number;
  readonly fullBytes: number;
}

async function checkpoint(client: JobClient, label: string): Promise<CheckpointFigure & { path: string }> {
  const started = performance.now();
  const id = await client.triggerCheckpoint();
  if (id === null) throw new Error(`checkpoint '${label}' could not be triggered`);
  await until(() => (client.getCheckpointStatistics()?.lastCompletedCheckpointId ?? 0) >= id, `checkpoint ${id}`);
  const durationMs = performance.now() - started;
  const s = client.getCheckpointStatistics()!;
  return { label, durationMs, bytesWritten: s.lastCheckpointSize, fullBytes: s.lastCheckpointFullSize, path: s.lastCheckpointExternalPath! };
}

/** Load, checkpoint, change 5%, checkpoint: for one job (fresh or restored). */
async function checkpointPair(client: JobClient, phase: Phase, keys: number, mode: string): Promise<{ first: CheckpointFigure & { path: string }; later: CheckpointFigure & { path: string } }> {
  await until(() => phase.processed >= phase.allowed, `${phase.allowed} records`);
  const first = await checkpoint(client, `${mode}, first`);
  const changed = Math.round(keys * CHANGED);
  phase.generation++;
  phase.changedFrom = Math.floor(Math.random() * (keys - changed));
  const before = phase.processed;
  phase.allowed += changed;
  await until(() => phase.processed >= before + changed, 'the changed keys');
  const later = await checkpoint(client, `${mode}, after ${Math.round(CHANGED * 100)}% of the keys changed`);
  return { first, later };
}

export interface RecoveryFigure {
  readonly label: string;
  readonly ms: number;
}

/** One run of the overhead job. */
export interface OverheadRun {
  /** Records per second from the keyed operator's first record to its last. */
  readonly rate: number;
  /** Records per second from submission until the job finished. */
  readonly jobRate: number;
  /** CPU time of the tasks' thread per record (µs), first to last record. */
  readonly cpuMicrosPerRecord: number;
  /** Share of that time the tasks' thread was idle. */
  readonly idle: number;
  readonly checkpoints: number;
}

export interface OverheadFigure {
  readonly records: number;
  readonly rounds: number;
  readonly off: readonly OverheadRun[];
  readonly on: readonly OverheadRun[];
  /** Checkpoints every second with the state changelog ('state.backend.changelog.enabled'). */
  readonly changelog: readonly OverheadRun[];
  /** A native RocksDB checkpoint of each keyed backend every second, no Flink checkpoints. */
  readonly nativeOnly: readonly OverheadRun[];
  readonly checkpointsPerRun: number;
  readonly readProbe: ReadProbe;
}

export interface CheckpointSuiteResult {
  readonly stateBytes: number;
  readonly keys: number;
  readonly checkpoints: readonly CheckpointFigure[];
  readonly recovery: readonly RecoveryFigure[];
  readonly overhead: OverheadFigure;
}

async function sizeAndRecovery(keys: number, log: (line: string) => void): Promise<Omit<CheckpointSuiteResult, 'overhead'>> {
  const root = await mkdtemp(join(tmpdir(), 'flink-ts-checkpoint-bench-'));
  try {
    const checkpoints: CheckpointFigure[] = [];
    const recovery: RecoveryFigure[] = [];
    // 1. Incremental: load, checkpoint, change, checkpoint.
    const phase: Phase = { allowed: keys, processed: 0, firstRecordAt: 0, generation: 0, changedFrom: 0 };
    const loadStart = performance.now();
    const a = await startJob(join(root, 'incremental'), phase, keys, true);
    await until(() => phase.processed >= keys, 'the load');
    log(`loaded ${keys} keys in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
    const inc = await checkpointPair(a.client, phase, keys, 'incremental');
    checkpoints.push(inc.first, inc.later);
    log(`incremental: ${JSON.stringify([inc.first, inc.later].map((c) => [Math.round(c.durationMs), c.bytesWritten]))}`);
    await a.client.cancel();

    // 2. Recovery from the incremental checkpoint; the restored job then takes full checkpoints.
    const restored: Phase = { allowed: 1, processed: 0, firstRecordAt: 0, generation: 0, changedFrom: 0 };
    const b = await startJob(join(root, 'full'), restored, keys, false, inc.later.path);
    await until(() => restored.processed >= 1, 'the restored job to process');
    recovery.push({ label: 'from the incremental checkpoint', ms: restored.firstRecordAt - b.submitted });
    log(`recovery (incremental): ${Math.round(restored.firstRecordAt - b.submitted)} ms`);
    restored.allowed = 1;
    const full = await checkpointPair(b.client, restored, keys, 'full');
    checkpoints.push(full.first, full.later);
    log(`full: ${JSON.stringify([full.first, full.later].map((c) => [Math.round(c.durationMs), c.bytesWritten]))}`);
    await b.client.cancel();

    // 3. Recovery from the full checkpoint.
    const again: Phase = { allowed: 1, processed: 0, firstRecordAt: 0, generation: 0, changedFrom: 0 };
    const c = await startJob(join(root, 'again'), again, keys, true, full.later.path);
    await until(() => again.processed >= 1, 'the job restored from the full checkpoint to process');
    recovery.push({ label: 'from the full checkpoint', ms: again.firstRecordAt - c.submitted });
    log(`recovery (full): ${Math.round(again.firstRecordAt - c.submitted)} ms`);
    await c.client.cancel();
    return { stateBytes: inc.first.fullBytes, keys, checkpoints, recovery };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The overhead job's progress, shared by the Counter copies of its subtasks (all on this thread). */
interface CounterProgress {
  records: number;
  processed: number;
  first: { at: number; cpu: number; elu: ReturnType<typeof performance.eventLoopUtilization> } | null;
  last: { at: number; cpu: number; idle: number } | null;
}

const threadCpuMicros = (): number => {
  const u = process.threadCpuUsage();
  return u.user + u.system;
};

function counter(progress: CounterProgress): KeyedProcessFunction<number, number, never> {
  class Counter extends KeyedProcessFunction<number, number, never> {
    private count: ValueState<number> | null = null;
    processElement(): void {
      this.count ??= this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
      this.count.update(this.count.value()! + 1);
      if (progress.processed++ === 0) progress.first = { at: performance.now(), cpu: threadCpuMicros(), elu: performance.eventLoopUtilization() };
      if (progress.processed === progress.records) {
        const elu = performance.eventLoopUtilization(progress.first!.elu);
        progress.last = { at: performance.now(), cpu: threadCpuMicros(), idle: elu.idle / (elu.idle + elu.active) };
      }
    }
  }
  return new Counter();
}

/**
 * The RocksDB backend, with a native RocksDB checkpoint of each keyed backend every second and no
 * Flink checkpoint: the flush an incremental checkpoint starts with, without barriers, pauses,
 * uploads or metadata.
 */
class NativeCheckpointEverySecond implements StateBackend {
  readonly type = 'rocksdb';
  private readonly inner = new RocksDBStateBackend();
  private readonly backends: RocksDBKeyedStateBackend[] = [];
  private readonly dir: string;
  private timer: NodeJS.Timeout | null = null;
  private taken = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  createKeyedStateBackend(parameters: KeyedStateBackendParameters): RocksDBKeyedStateBackend {
    const backend = this.inner.createKeyedStateBackend(parameters);
    this.backends.push(backend);
    this.timer ??= setInterval(() => {
      for (const b of this.backends) {
        if (b.isDisposed) continue;
        const target = join(this.dir, `native-${++this.taken}`);
        b.createNativeCheckpoint(target).then(
          () => rm(target, { recursive: true, force: true }),
          () => {},
        );
      }
    }, 1000);
    return backend;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }
}

type OverheadMode = 'off' | 'on' | 'native' | 'changelog';

async function overheadRun(records: number, mode: OverheadMode, dir: string): Promise<OverheadRun> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({
    'parallelism.default': KEYED_PARALLELISM,
    'state.backend.type': 'rocksdb',
    'execution.checkpointing.incremental': true,
    'state.checkpoints.dir': dir,
  });
  if (mode === 'on' || mode === 'changelog') env.enableCheckpointing(1000);
  if (mode === 'changelog') env.enableChangelogStateBackend(true);
  const native = mode === 'native' ? new NativeCheckpointEverySecond(dir) : null;
  if (native !== null) env.setStateBackend(native);
  const progress: CounterProgress = { records, processed: 0, first: null, last: null };
  env.fromSequence(1, records).keyBy((v) => v % 100_000).process(counter(progress)).addSink(() => {});
  const started = performance.now();
  const client = await env.executeAsync('checkpoint-overhead');
  try {
    await client.getJobExecutionResult();
  } finally {
    native?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const { first, last } = progress;
  if (first === null || last === null) throw new Error(`the overhead job processed ${progress.processed} of ${records} records`);
  return {
    rate: (records * 1000) / (last.at - first.at),
    jobRate: records / seconds,
    cpuMicrosPerRecord: (last.cpu - first.cpu) / records,
    idle: last.idle,
    checkpoints: client.getCheckpointStatistics()?.numberOfCompletedCheckpoints ?? 0,
  };
}

async function overhead(records: number, rounds: number, log: (line: string) => void): Promise<OverheadFigure> {
  const dir = await mkdtemp(join(tmpdir(), 'flink-ts-checkpoint-overhead-'));
  try {
    await overheadRun(Math.round(records / 4), 'off', dir); // warm-up
    const runs: Record<OverheadMode, OverheadRun[]> = { off: [], on: [], native: [], changelog: [] };
    const modes: OverheadMode[] = ['off', 'on', 'changelog', 'native'];
    let checkpoints = 0;
    for (let r = 0; r < rounds; r++) {
      // Alternate the order, so a drift in machine load hits all alike.
      for (const mode of r % 2 === 0 ? modes : [...modes].reverse()) {
        const run = await overheadRun(records, mode, dir);
        runs[mode].push(run);
        if (mode === 'changelog') checkpoints += run.checkpoints;
        log(
          `overhead round ${r + 1}: ${mode}: ${Math.round(run.rate)} records/s processing, ${Math.round(run.jobRate)} records/s job, ` +
            `${run.cpuMicrosPerRecord.toFixed(2)} µs CPU/record, ${(run.idle * 100).toFixed(1)}% idle (${run.checkpoints} checkpoints)`,
        );
      }
    }
    const readProbe = await rocksDBReadProbe();
    log(`read probe: ${readProbe.memtableMicros.toFixed(2)} µs from the memtable, ${readProbe.sstMicros.toFixed(2)} µs from an SST file`);
    return { records, rounds, off: runs.off, on: runs.on, changelog: runs.changelog, nativeOnly: runs.native, checkpointsPerRun: checkpoints / rounds, readProbe };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mb = (bytes: number): string => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const medianOf = (runs: readonly OverheadRun[], figure: (r: OverheadRun) => number): number => median(runs.map(figure));

/** The cost with the changelog (the target's figure) and with incremental checkpoints alone. */
export function overheadCost(o: OverheadFigure, runs: readonly OverheadRun[] = o.changelog): number {
  return 1 - medianOf(runs, (r) => r.rate) / medianOf(o.off, (r) => r.rate);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const signed = (x: number): string => `${x < 0 ? '−' : '+'}${pct(Math.abs(x))}`;

function overheadMarkdown(o: OverheadFigure): string[] {
  const cost = overheadCost(o);
  const incrementalCost = overheadCost(o, o.on);
  const columns = [o.off, o.changelog, o.on, o.nativeOnly];
  const rate = (runs: readonly OverheadRun[]): string => Math.round(medianOf(runs, (r) => r.rate)).toLocaleString('en');
  const cpu = (runs: readonly OverheadRun[]): number => medianOf(runs, (r) => r.cpuMicrosPerRecord);
  const jobCost = 1 - medianOf(o.changelog, (r) => r.jobRate) / medianOf(o.off, (r) => r.jobRate);
  const spread = (runs: readonly OverheadRun[]): string => {
    const rates = runs.map((r) => r.rate);
    return `${Math.round(Math.min(...rates) / 1000)}–${Math.round(Math.max(...rates) / 1000)}K`;
  };
  const p = o.readProbe;
  const lines = [
    `Throughput cost of checkpointing every second (keyed count over 100,000 keys on RocksDB, ${o.records.toLocaleString('en')} records per run, ` +
      `${o.rounds} alternating rounds, ${o.checkpointsPerRun.toFixed(1)} checkpoints per run; rate from the keyed operator's first record to its last): ` +
      `median ${rate(o.off)} records/s off (runs ${spread(o.off)}); with the state changelog ${rate(o.changelog)} records/s (runs ${spread(o.changelog)}) — cost ${pct(cost)} (target < ${OVERHEAD_TARGET * 100}%): ` +
      `${cost < OVERHEAD_TARGET ? 'PASS' : 'FAIL'}; with incremental checkpoints alone ${rate(o.on)} records/s (runs ${spread(o.on)}) — cost ${pct(incrementalCost)}. ` +
      `Submission to end of job with the changelog (start-up, the final checkpoint and tear-down included): ${pct(jobCost)}.`,
    '',
    `| Tasks' thread, first to last record (medians) | checkpointing off | checkpoint every 1 s, changelog | checkpoint every 1 s, incremental | native RocksDB checkpoint every 1 s, no checkpointing |`,
    '| --- | --- | --- | --- | --- |',
    `| records/s | ${columns.map((c, i) => rate(c) + (i === 0 ? '' : ` (${signed(-overheadCost(o, c))})`)).join(' | ')} |`,
    `| CPU per record | ${columns.map((c, i) => `${cpu(c).toFixed(2)} µs` + (i === 0 ? '' : ` (${signed(cpu(c) / cpu(o.off) - 1)})`)).join(' | ')} |`,
    `| idle | ${columns.map((c) => pct(medianOf(c, (r) => r.idle))).join(' | ')} |`,
    '',
    `RocksDB point read through the backend (setCurrentKey + value(), ${p.keys.toLocaleString('en')} keys, rocksdb-read-probe.ts): ` +
      `${p.memtableMicros.toFixed(2)} µs from the memtable, ${p.sstMicros.toFixed(2)} µs from an SST file after a native checkpoint flushed it (+${pct(p.sstMicros / p.memtableMicros - 1)}).`,
  ];
  if (incrementalCost >= OVERHEAD_TARGET) {
    lines.push(
      '',
      '**Where the time goes.** The cost of incremental checkpoints alone is CPU of the tasks\' thread per record, not pauses, and ' +
        'the checkpoint machinery (barriers, snapshots, uploads, metadata) hardly shows in a CPU profile. What changes is where the state ' +
        'is read from. Without checkpoints the whole state of this job (100,000 small counters) stays in the 64 MB memtable, and every ' +
        '`value()` is a memtable hit. Each incremental checkpoint takes a native RocksDB checkpoint, whose first step is a flush of the ' +
        'memtable (with the write-ahead log off, as in Flink, RocksDB flushes on every checkpoint), so with a checkpoint every second ' +
        'about half the reads go to an SST file instead — the read probe prices that — and the native-checkpoint column, which takes ' +
        'only that flush, costs about as much. The binding has no bloom filter or row cache option to make those reads cheaper. ' +
        'The state changelog (Flink\'s changelog state backend, `state.backend.changelog.enabled`) removes the flush from the ' +
        'checkpoint: between materializations (every 10 minutes by default) a checkpoint writes only the changes logged since the ' +
        'previous one, and RocksDB keeps its memtable.',
    );
  }
  return lines;
}

export function checkpointMarkdown(machine: ReturnType<typeof machineInfo>, r: CheckpointSuiteResult): string {
  return ['### Results', '', `Machine: ${formatMachine(machine)}.`, ...sizeMarkdown(r), '', ...overheadMarkdown(r.overhead)].join('\n');
}

function sizeMarkdown(r: Omit<CheckpointSuiteResult, 'overhead'>): string[] {
  return [
    `State: ${r.keys.toLocaleString('en')} keys × ${VALUE_BYTES} B random values in one ValueState, keyed operator at parallelism ${KEYED_PARALLELISM}, RocksDB; ` +
      `${mb(r.stateBytes)} of SST and RocksDB files. Checkpoints are triggered by hand; duration is trigger to completion.`,
    '',
    '| Checkpoint | Duration | Written | Whole state |',
    '| --- | --- | --- | --- |',
    ...r.checkpoints.map((c) => `| ${c.label} | ${seconds(c.durationMs)} | ${mb(c.bytesWritten)} | ${mb(c.fullBytes)} |`),
    '',
    `| Recovery (submission until the keyed operator processes a record) | Time | Target | Result |`,
    '| --- | --- | --- | --- |',
    ...r.recovery.map((x) => `| ${x.label} | ${seconds(x.ms)} | < ${seconds(RECOVERY_TARGET_MS)} | ${x.ms < RECOVERY_TARGET_MS ? 'PASS' : 'FAIL'} |`),
  ];
}

const BENCHMARKS_FILE = path.join(import.meta.dirname, '..', '..', 'BENCHMARKS.md');

export interface CheckpointSuiteOptions {
  readonly quick: boolean;
  /** Writes BENCHMARKS.md after a full run (not quick, both parts). */
  readonly write: boolean;
  readonly stateMB?: number;
  /** Alternating rounds of the overhead runs (5 by default, 1 when quick). */
  readonly rounds?: number;
  /** Runs one part only (never written to BENCHMARKS.md). */
  readonly only?: 'size' | 'overhead';
}

export async function runCheckpointSuite(options: CheckpointSuiteOptions): Promise<Partial<CheckpointSuiteResult>> {
  const log = (line: string): void => console.error(line);
  const machine = machineInfo();
  const stateMB = options.stateMB ?? (options.quick ? 40 : 1024);
  const keys = Math.round((stateMB * 1024 * 1024) / VALUE_BYTES);
  const sized = options.only === 'overhead' ? undefined : await sizeAndRecovery(keys, log);
  const o = options.only === 'size' ? undefined : await overhead(options.quick ? 200_000 : 1_500_000, options.rounds ?? (options.quick ? 1 : 5), log);
  machine.loadAverageAtEnd = os.loadavg()[0]!;
  if (sized === undefined || o === undefined) {
    console.log([`Machine: ${formatMachine(machine)}.`, ...(sized === undefined ? [] : sizeMarkdown(sized)), ...(o === undefined ? [] : overheadMarkdown(o))].join('\n'));
    return { ...sized, ...(o === undefined ? {} : { overhead: o }) };
  }
  const result = { ...sized, overhead: o };
  const section = checkpointMarkdown(machine, result);
  console.log(section);
  if (options.write && !options.quick) {
    writeSection(BENCHMARKS_FILE, 'checkpoint', section);
    console.log('Wrote the checkpoint results to BENCHMARKS.md.');
  }
  return result;
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, write: { type: 'boolean', default: true }, mb: { type: 'string' }, rounds: { type: 'string' }, only: { type: 'string' } },
    allowNegative: true,
  });
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 1)) throw new Error(`--rounds needs a positive integer, got '${values.rounds}'`);
  if (values.only !== undefined && values.only !== 'size' && values.only !== 'overhead') throw new Error(`--only takes 'size' or 'overhead', got '${values.only}'`);
  await runCheckpointSuite({
    quick: values.quick,
    write: values.write,
    ...(values.mb === undefined ? {} : { stateMB: Number(values.mb) }),
    ...(rounds === undefined ? {} : { rounds }),
    ...(values.only === undefined ? {} : { only: values.only }),
  });
  process.exit(0);
}
