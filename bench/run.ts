/*
 * Entry point of `npm run bench`: the engine's core benchmarks (the stateless chain and the keyed
 * reduce, each at parallelism 1 and 4) against their hand-written loops, and the keyed-state
 * benchmarks (bench/state/: value, list and map state and a keyed-counter job, on the heap and the
 * RocksDB backend) against a plain Map, and the window benchmarks (bench/windows/: keyed tumbling,
 * sliding and session window aggregation, at parallelism 1) against their loops, and the checkpoint
 * family (bench/checkpoint/checkpoint-suite.ts: checkpoint size and duration and recovery time for
 * about 1 GB of RocksDB state, the throughput cost of checkpointing every second). Each case runs in
 * a fresh Node process (with --expose-gc), so what one case taught the JIT does not colour the
 * next; the results are printed as tables and written into their sections of BENCHMARKS.md.
 *
 *   npm run bench                      all cases, full size; updates BENCHMARKS.md
 *   npm run bench -- keyed             only cases whose id (e.g. keyed-reduce/p4) contains "keyed"
 *   npm run bench -- state/            only the state cases (e.g. state/value/rocksdb)
 *   npm run bench -- windows/          only the window cases (e.g. windows/session/p1)
 *   npm run bench -- checkpoint/       only the checkpoint family (a few minutes)
 *   BENCH_QUICK=1 npm run bench        smoke run: small inputs, one round, BENCHMARKS.md untouched
 *   npm run bench -- --help            every option
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ChecksumMismatchError,
  caseId,
  formatMachine,
  formatRate,
  formatTable,
  machineInfo,
  markdownSection,
  measureCase,
  passes,
  runEngineOnly,
  writeSection,
  type CaseResult,
  type MeasureOptions,
  type PipelineBenchmark,
} from './harness.ts';
import * as statelessChain from './pipelines/stateless-chain.ts';
import * as keyedReduce from './pipelines/keyed-reduce.ts';
import { WINDOW_BENCHMARKS, WINDOW_PARALLELISMS, formatWindowTable, windowMarkdownSection } from './windows/window-suite.ts';
import {
  STATE_CASES,
  findStateCase,
  formatPerSecond,
  formatStateTable,
  measureStateCase,
  passesStateTarget,
  runStateOnly,
  stateCaseRecords,
  stateMarkdownSection,
  type StateCase,
  type StateCaseResult,
} from './state/state-suite.ts';

const BENCHMARKS: readonly PipelineBenchmark[] = [statelessChain, keyedReduce];
const SECTION = 'spine';
const SECTION_TITLE = 'Results';
const STATE_SECTION = 'state';
const STATE_SECTION_TITLE = 'Results';
const WINDOW_SECTION = 'windows';
const WINDOW_SECTION_TITLE = 'Results';
const SPINE_PARALLELISMS = [1, 4];
const BENCHMARKS_FILE = path.join(import.meta.dirname, '..', 'BENCHMARKS.md');
const CHECKPOINT_FAMILY = 'checkpoint/';
const CHECKPOINT_SUITE = path.join(import.meta.dirname, 'checkpoint', 'checkpoint-suite.ts');

const USAGE = `Usage: npm run bench -- [options] [filter...]

  filter               run only the cases whose id contains one of these (ids: ${BENCHMARKS.flatMap((b) => SPINE_PARALLELISMS.map((p) => caseId(b.name, p))).join(', ')},
                       ${STATE_CASES.map((c) => c.id).join(', ')},
                       ${WINDOW_BENCHMARKS.flatMap((b) => WINDOW_PARALLELISMS.map((p) => caseId(b.name, p))).join(', ')},
                       ${CHECKPOINT_FAMILY} (one family, run as a whole)
  --quick              small inputs and one round (also BENCH_QUICK=1); does not update BENCHMARKS.md
  --rounds <n>         alternating engine/loop rounds (default 5)
  --records <n>        source records per run instead of each benchmark's default
  --parallelism <list> comma-separated parallelisms of the pipeline and window cases (default 1,4 and 1)
  --min-sample <s>     repeat a run within a sample until it took this many seconds (default 0.5)
  --in-process         run every case in this process (e.g. under node --cpu-prof)
  --engine-only        with --in-process: only engine (or state backend) runs after one loop run for the checksum, to profile
  --write, --no-write  update BENCHMARKS.md or not (default: a family's section, when all its cases ran at full size)
  --check-targets      exit with code 1 when a case is below its target
  -h, --help           this text`;

/** The pipeline harness serves two families, each with its own section of BENCHMARKS.md. */
type PipelineFamily = 'spine' | 'windows';

type CaseSpec =
  | { readonly kind: 'pipeline'; readonly family: PipelineFamily; readonly id: string; readonly bench: PipelineBenchmark; readonly parallelism: number }
  | { readonly kind: 'state'; readonly id: string; readonly stateCase: StateCase };

type CaseOutcome = { readonly kind: 'pipeline'; readonly result: CaseResult } | { readonly kind: 'state'; readonly result: StateCaseResult };

function pipelineSpec(bench: PipelineBenchmark, parallelism: number): CaseSpec {
  const family = WINDOW_BENCHMARKS.includes(bench) ? 'windows' : 'spine';
  return { kind: 'pipeline', family, id: caseId(bench.name, parallelism), bench, parallelism };
}

function stateSpec(stateCase: StateCase): CaseSpec {
  return { kind: 'state', id: stateCase.id, stateCase };
}

interface RunConfig {
  readonly rounds: number;
  readonly records: number | undefined;
  readonly quick: boolean;
  readonly minSampleSeconds: number;
}

interface Invocation {
  readonly config: RunConfig;
  readonly cases: CaseSpec[];
  /** compare: the normal run; child: one case for a parent process; engine-only: for profiling. */
  readonly mode: 'compare' | 'child' | 'engine-only';
  readonly inProcess: boolean;
  /** Whether to update BENCHMARKS.md; undefined lets the run decide. */
  readonly write: boolean | undefined;
  readonly checkTargets: boolean;
  /** Only some of the pipeline cases run (a filter or other parallelisms). */
  readonly partial: boolean;
  /** Only some of the state cases run. */
  readonly statePartial: boolean;
  /** Only some of the window cases run (a filter or other parallelisms). */
  readonly windowPartial: boolean;
  /** The checkpoint family runs (bench/checkpoint/checkpoint-suite.ts, in its own process). */
  readonly checkpoint: boolean;
}

function parse(): Invocation | null {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    allowNegative: true,
    options: {
      quick: { type: 'boolean', default: ['1', 'true', 'yes'].includes(process.env['BENCH_QUICK'] ?? '') },
      rounds: { type: 'string' },
      records: { type: 'string' },
      parallelism: { type: 'string' },
      'min-sample': { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      'engine-only': { type: 'boolean', default: false },
      write: { type: 'boolean' },
      'check-targets': { type: 'boolean', default: false },
      child: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const positiveInt = (option: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value.replaceAll('_', ''));
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${option} needs a positive integer, got '${value}'`);
    return n;
  };
  const quick = values.quick;
  const minSample = values['min-sample'] === undefined ? (quick ? 0 : 0.5) : Number(values['min-sample']);
  if (!(minSample >= 0)) throw new Error(`--min-sample needs a number of seconds, got '${values['min-sample']}'`);
  if (values['engine-only'] && !values['in-process']) throw new Error('--engine-only needs --in-process');
  const config: RunConfig = {
    rounds: positiveInt('rounds', values.rounds) ?? (quick ? 1 : 5),
    records: positiveInt('records', values.records),
    quick,
    minSampleSeconds: minSample,
  };
  const common = { config, inProcess: values['in-process'], write: values.write, checkTargets: values['check-targets'] };
  if (values.child !== undefined) return { ...common, cases: [childCase(values.child)], mode: 'child', partial: true, statePartial: true, windowPartial: true, checkpoint: false };
  const parallelisms = values.parallelism === undefined ? null : parallelismList(values.parallelism);
  const all = [
    ...BENCHMARKS.flatMap((bench) => (parallelisms ?? SPINE_PARALLELISMS).map((parallelism) => pipelineSpec(bench, parallelism))),
    ...STATE_CASES.map(stateSpec),
    ...WINDOW_BENCHMARKS.flatMap((bench) => (parallelisms ?? WINDOW_PARALLELISMS).map((parallelism) => pipelineSpec(bench, parallelism))),
  ];
  const cases = all.filter((c) => positionals.length === 0 || positionals.some((f) => c.id.includes(f)));
  const checkpoint = !values['engine-only'] && (positionals.length === 0 || positionals.some((f) => CHECKPOINT_FAMILY.includes(f) || f.startsWith(CHECKPOINT_FAMILY)));
  if (cases.length === 0 && !checkpoint) {
    throw new Error(`No benchmark matches ${positionals.map((f) => `'${f}'`).join(', ')}; the cases are ${all.map((c) => c.id).join(', ')}`);
  }
  const familyCases = (family: PipelineFamily): number => cases.filter((c) => c.kind === 'pipeline' && c.family === family).length;
  const otherParallelisms = (defaults: readonly number[]): boolean => parallelisms !== null && parallelisms.join() !== defaults.join();
  const partial = familyCases('spine') < BENCHMARKS.length * SPINE_PARALLELISMS.length || otherParallelisms(SPINE_PARALLELISMS);
  const statePartial = cases.filter((c) => c.kind === 'state').length < STATE_CASES.length;
  const windowPartial = familyCases('windows') < WINDOW_BENCHMARKS.length * WINDOW_PARALLELISMS.length || otherParallelisms(WINDOW_PARALLELISMS);
  return { ...common, cases, mode: values['engine-only'] ? 'engine-only' : 'compare', partial, statePartial, windowPartial, checkpoint };
}

function parallelismList(list: string): number[] {
  return list.split(',').map((p) => {
    const n = Number(p.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`--parallelism needs positive integers, got '${list}'`);
    return n;
  });
}

/** The case a child process runs, from its id (e.g. keyed-reduce/p4 or state/value/heap). */
function childCase(id: string): CaseSpec {
  const stateCase = findStateCase(id);
  if (stateCase !== undefined) return stateSpec(stateCase);
  const match = /^(.+)\/p(\d+)$/.exec(id);
  const bench = [...BENCHMARKS, ...WINDOW_BENCHMARKS].find((b) => b.name === match?.[1]);
  if (match === null || bench === undefined) throw new Error(`Unknown benchmark case '${id}'`);
  return pipelineSpec(bench, Number(match[2]));
}

function defaultRecords(spec: CaseSpec, quick: boolean): number {
  if (spec.kind === 'state') return stateCaseRecords(spec.stateCase, quick);
  return quick ? spec.bench.quickRecords : spec.bench.records;
}

function measureOptions(spec: CaseSpec, config: RunConfig): MeasureOptions {
  return {
    records: config.records ?? defaultRecords(spec, config.quick),
    rounds: config.rounds,
    minSampleSeconds: config.minSampleSeconds,
    log: (line) => console.error(line),
  };
}

async function measure(spec: CaseSpec, config: RunConfig): Promise<CaseOutcome> {
  if (spec.kind === 'pipeline') return { kind: 'pipeline', result: await measureCase(spec.bench, spec.parallelism, measureOptions(spec, config)) };
  return { kind: 'state', result: await measureStateCase(spec.stateCase.workload, spec.stateCase.backend, measureOptions(spec, config)) };
}

/** Runs one case in a fresh process; resolves with its result, rejects with why it failed. */
function runInChild(spec: CaseSpec, config: RunConfig): Promise<CaseOutcome> {
  const args = ['--child', spec.id, '--rounds', String(config.rounds), '--min-sample', String(config.minSampleSeconds)];
  if (config.records !== undefined) args.push('--records', String(config.records));
  if (config.quick) args.push('--quick');
  const execArgv = process.execArgv.includes('--expose-gc') ? process.execArgv : [...process.execArgv, '--expose-gc'];
  const child = fork(import.meta.filename, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: CaseOutcome | undefined;
    let failure: string | undefined;
    child.on('message', (message: { result?: CaseOutcome; error?: string }) => {
      result = message.result;
      failure = message.error;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(failure ?? `the benchmark process exited with ${signal ?? `code ${code}`}`));
    });
  });
}

async function runChild(spec: CaseSpec, config: RunConfig): Promise<void> {
  try {
    const result = await measure(spec, config);
    process.send!({ result });
  } catch (e) {
    const message = e instanceof ChecksumMismatchError ? `CHECKSUM MISMATCH: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.send!({ error: message });
  }
  process.disconnect();
}

/** Runs the checkpoint family in its own process (its jobs hold about 1 GB of state); resolves with its exit code. */
function runCheckpointFamily(quick: boolean, write: boolean | undefined): Promise<number> {
  const args = [...(quick ? ['--quick'] : []), ...(write === false ? ['--no-write'] : [])];
  const child = fork(CHECKPOINT_SUITE, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  let invocation: Invocation | null;
  try {
    invocation = parse();
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (invocation === null) {
    console.log(USAGE);
    return;
  }
  const { config, cases, mode } = invocation;
  if (mode === 'child') {
    await runChild(cases[0]!, config);
    return;
  }
  if (mode === 'engine-only') {
    for (const spec of cases) {
      const rates =
        spec.kind === 'pipeline'
          ? await runEngineOnly(spec.bench, spec.parallelism, measureOptions(spec, config))
          : await runStateOnly(spec.stateCase.workload, spec.stateCase.backend, measureOptions(spec, config));
      const format = spec.kind === 'pipeline' ? formatRate : formatPerSecond;
      console.log(`${spec.id}: ${spec.kind === 'pipeline' ? 'engine' : 'state backend'} median ${format(rates.median)} (${format(rates.min)} – ${format(rates.max)}) records`);
    }
    return;
  }
  const machine = machineInfo();
  console.log(`Machine: ${formatMachine(machine)}${config.quick ? ' · QUICK run' : ''}`);
  const results: CaseResult[] = [];
  const stateResults: StateCaseResult[] = [];
  const windowResults: CaseResult[] = [];
  type Family = PipelineFamily | 'state';
  const failures: { readonly family: Family; readonly line: string }[] = [];
  for (const spec of cases) {
    try {
      const outcome = invocation.inProcess ? await measure(spec, config) : await runInChild(spec, config);
      if (outcome.kind === 'state') stateResults.push(outcome.result);
      else if (spec.kind === 'pipeline' && spec.family === 'windows') windowResults.push(outcome.result);
      else results.push(outcome.result);
    } catch (e) {
      const message = e instanceof ChecksumMismatchError ? `CHECKSUM MISMATCH: ${e.message}` : e instanceof Error ? e.message : String(e);
      failures.push({ family: spec.kind === 'pipeline' ? spec.family : 'state', line: `${spec.id}: ${message}` });
      console.error(`\n*** ${spec.id} FAILED: ${message}\n`);
    }
  }
  machine.loadAverageAtEnd = os.loadavg()[0]!;
  if (results.length > 0) console.log(`\n${formatTable(results)}`);
  if (stateResults.length > 0) console.log(`\n${formatStateTable(stateResults)}`);
  if (windowResults.length > 0) console.log(`\n${formatWindowTable(windowResults)}`);
  console.log(`\nLoad average ${machine.loadAverage.toFixed(2)} at start, ${machine.loadAverageAtEnd.toFixed(2)} at end.`);
  for (const f of failures) console.log(`FAILED ${f.line}`);

  const complete = (partial: boolean, family: Family): boolean =>
    !config.quick && !partial && config.records === undefined && !failures.some((f) => f.family === family);
  const written: string[] = [];
  if ((invocation.write ?? complete(invocation.partial, 'spine')) && results.length > 0) {
    writeSection(BENCHMARKS_FILE, SECTION, markdownSection(SECTION_TITLE, machine, results, []));
    written.push('the pipeline results');
  }
  if ((invocation.write ?? complete(invocation.statePartial, 'state')) && stateResults.length > 0) {
    writeSection(BENCHMARKS_FILE, STATE_SECTION, stateMarkdownSection(STATE_SECTION_TITLE, machine, stateResults));
    written.push('the state results');
  }
  if ((invocation.write ?? complete(invocation.windowPartial, 'windows')) && windowResults.length > 0) {
    writeSection(BENCHMARKS_FILE, WINDOW_SECTION, windowMarkdownSection(WINDOW_SECTION_TITLE, machine, windowResults));
    written.push('the window results');
  }
  if (written.length > 0) console.log(`Wrote ${written.join(' and ')} to ${path.relative(process.cwd(), BENCHMARKS_FILE)}.`);
  else if (cases.length > 0) console.log('BENCHMARKS.md not updated (quick, partial or failed run; --write forces it).');
  if (invocation.checkpoint) {
    console.log('\nCheckpoint family (bench/checkpoint/checkpoint-suite.ts):');
    const code = await runCheckpointFamily(config.quick, invocation.write);
    if (code !== 0) failures.push({ family: 'spine', line: `${CHECKPOINT_FAMILY}: the suite exited with code ${code}` });
  }
  if (failures.length > 0) process.exitCode = 1;
  else if (invocation.checkTargets && ([...results, ...windowResults].some((r) => !passes(r)) || stateResults.some((r) => !passesStateTarget(r)))) process.exitCode = 1;
}

await main();
