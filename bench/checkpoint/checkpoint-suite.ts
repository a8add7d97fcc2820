/*
 * The checkpoint benchmarks (not timed tests; `npm run bench -- checkpoint/`, or run this file):
 *   size      a keyed job loads about 1 GB of RocksDB state (1 KB random values); checkpoints are
 *             taken by hand after the load and again after ~5% of the keys changed, first with
 *             incremental checkpoints, then — in a job restored from the incremental one — full;
 *             duration (trigger to completion) and bytes written are reported.
 *   recovery  a job restored from a retained checkpoint of that state ('execution.savepoint.path'):
 *             time from submission until its keyed operator processes a record again (from the
 *             incremental checkpoint; the full one is reported too).
 *   overhead  checkpoint-overhead.ts: the throughput cost of checkpointing every second (with the
 *             state changelog, and incremental alone) against none, in alternating rounds.
 * Results go to the `checkpoint` section of BENCHMARKS.md on a full run.
 *
 *   npx node bench/checkpoint/checkpoint-suite.ts [--quick] [--no-write] [--mb <state MB>] [--rounds <n>] [--only size|overhead]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { parseArgs } from 'node:util';
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
import { overhead, overheadMarkdown, type OverheadFigure } from './checkpoint-overhead.ts';

const VALUE_BYTES = 1024;
const POOL = 4096;
const CHANGED = 0.05;
const KEYED_PARALLELISM = 2;
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

const mb = (bytes: number): string => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

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
  const o = options.only === 'size' ? undefined : await overhead(options.quick ? 200_000 : 4_500_000, options.rounds ?? (options.quick ? 1 : 5), log);
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
