/*
 * Entry point of `npm run bench`: the engine's core benchmarks (the stateless chain and the keyed
 * reduce, each at parallelism 1 and 4) against their hand-written loops. Each case runs in a fresh
 * Node process (with --expose-gc), so what one pipeline taught the JIT does not colour the next;
 * the results are printed as a table and written into BENCHMARKS.md.
 *
 *   npm run bench                      all cases, full size; updates BENCHMARKS.md
 *   npm run bench -- keyed             only cases whose id (e.g. keyed-reduce/p4) contains "keyed"
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

const BENCHMARKS: readonly PipelineBenchmark[] = [statelessChain, keyedReduce];
const SECTION = 'spine';
const SECTION_TITLE = 'Results';
const BENCHMARKS_FILE = path.join(import.meta.dirname, '..', 'BENCHMARKS.md');

const USAGE = `Usage: npm run bench -- [options] [filter...]

  filter               run only the cases whose id contains one of these (ids: ${BENCHMARKS.flatMap((b) => [1, 4].map((p) => caseId(b.name, p))).join(', ')})
  --quick              small inputs and one round (also BENCH_QUICK=1); does not update BENCHMARKS.md
  --rounds <n>         alternating engine/loop rounds (default 5)
  --records <n>        source records per run instead of each benchmark's default
  --parallelism <list> comma-separated parallelisms (default 1,4)
  --min-sample <s>     repeat a run within a sample until it took this many seconds (default 0.5)
  --in-process         run every case in this process (e.g. under node --cpu-prof)
  --engine-only        with --in-process: only engine runs (after one loop run for the checksum), to profile
  --write, --no-write  update BENCHMARKS.md or not (default: only for a full, unfiltered run)
  --check-targets      exit with code 1 when a case is below its target
  -h, --help           this text`;

interface CaseSpec {
  readonly bench: PipelineBenchmark;
  readonly parallelism: number;
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
  /** Only some of the cases run (a filter or other parallelisms). */
  readonly partial: boolean;
}

function parse(): Invocation | null {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    allowNegative: true,
    options: {
      quick: { type: 'boolean', default: ['1', 'true', 'yes'].includes(process.env['BENCH_QUICK'] ?? '') },
      rounds: { type: 'string' },
      records: { type: 'string' },
      parallelism: { type: 'string', default: '1,4' },
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
  if (values.child !== undefined) return { ...common, cases: [childCase(values.child)], mode: 'child', partial: true };
  const all = BENCHMARKS.flatMap((bench) => parallelismList(values.parallelism).map((parallelism) => ({ bench, parallelism })));
  const cases = all.filter((c) => positionals.length === 0 || positionals.some((f) => caseId(c.bench.name, c.parallelism).includes(f)));
  if (cases.length === 0) {
    throw new Error(`No benchmark matches ${positionals.map((f) => `'${f}'`).join(', ')}; the cases are ${all.map((c) => caseId(c.bench.name, c.parallelism)).join(', ')}`);
  }
  const partial = cases.length < BENCHMARKS.length * 2 || values.parallelism !== '1,4';
  return { ...common, cases, mode: values['engine-only'] ? 'engine-only' : 'compare', partial };
}

function parallelismList(list: string): number[] {
  return list.split(',').map((p) => {
    const n = Number(p.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`--parallelism needs positive integers, got '${list}'`);
    return n;
  });
}

/** The case a child process runs, from its id (e.g. keyed-reduce/p4). */
function childCase(id: string): CaseSpec {
  const match = /^(.+)\/p(\d+)$/.exec(id);
  const bench = BENCHMARKS.find((b) => b.name === match?.[1]);
  if (match === null || bench === undefined) throw new Error(`Unknown benchmark case '${id}'`);
  return { bench, parallelism: Number(match[2]) };
}

function measureOptions(spec: CaseSpec, config: RunConfig): MeasureOptions {
  return {
    records: config.records ?? (config.quick ? spec.bench.quickRecords : spec.bench.records),
    rounds: config.rounds,
    minSampleSeconds: config.minSampleSeconds,
    log: (line) => console.error(line),
  };
}

/** Runs one case in a fresh process; resolves with its result, rejects with why it failed. */
function runInChild(spec: CaseSpec, config: RunConfig): Promise<CaseResult> {
  const args = ['--child', caseId(spec.bench.name, spec.parallelism), '--rounds', String(config.rounds), '--min-sample', String(config.minSampleSeconds)];
  if (config.records !== undefined) args.push('--records', String(config.records));
  if (config.quick) args.push('--quick');
  const execArgv = process.execArgv.includes('--expose-gc') ? process.execArgv : [...process.execArgv, '--expose-gc'];
  const child = fork(import.meta.filename, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: CaseResult | undefined;
    let failure: string | undefined;
    child.on('message', (message: { result?: CaseResult; error?: string }) => {
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
    const result = await measureCase(spec.bench, spec.parallelism, measureOptions(spec, config));
    process.send!({ result });
  } catch (e) {
    const message = e instanceof ChecksumMismatchError ? `CHECKSUM MISMATCH: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.send!({ error: message });
  }
  process.disconnect();
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
      const rates = await runEngineOnly(spec.bench, spec.parallelism, measureOptions(spec, config));
      console.log(`${caseId(spec.bench.name, spec.parallelism)}: engine median ${formatRate(rates.median)} (${formatRate(rates.min)} – ${formatRate(rates.max)})`);
    }
    return;
  }
  const machine = machineInfo();
  console.log(`Machine: ${formatMachine(machine)}${config.quick ? ' · QUICK run' : ''}`);
  const results: CaseResult[] = [];
  const failures: string[] = [];
  for (const spec of cases) {
    const id = caseId(spec.bench.name, spec.parallelism);
    try {
      results.push(invocation.inProcess ? await measureCase(spec.bench, spec.parallelism, measureOptions(spec, config)) : await runInChild(spec, config));
    } catch (e) {
      const message = e instanceof ChecksumMismatchError ? `CHECKSUM MISMATCH: ${e.message}` : e instanceof Error ? e.message : String(e);
      failures.push(`${id}: ${message}`);
      console.error(`\n*** ${id} FAILED: ${message}\n`);
    }
  }
  machine.loadAverageAtEnd = os.loadavg()[0]!;
  if (results.length > 0) console.log(`\n${formatTable(results)}\n\nLoad average ${machine.loadAverage.toFixed(2)} at start, ${machine.loadAverageAtEnd.toFixed(2)} at end.`);
  for (const f of failures) console.log(`FAILED ${f}`);

  const write = invocation.write ?? (!config.quick && !invocation.partial && config.records === undefined && failures.length === 0);
  if (write && results.length > 0) {
    writeSection(BENCHMARKS_FILE, SECTION, markdownSection(SECTION_TITLE, machine, results, []));
    console.log(`Results written to ${path.relative(process.cwd(), BENCHMARKS_FILE)}.`);
  } else {
    console.log('BENCHMARKS.md not updated (quick, partial or failed run; --write forces it).');
  }
  if (failures.length > 0) process.exitCode = 1;
  else if (invocation.checkTargets && results.some((r) => !passes(r))) process.exitCode = 1;
}

await main();
