/*
 * The benchmark harness: runs one pipeline through the engine and as its hand-written loop in the
 * same process, alternating, and reports median rates, their spread and the ratio of the medians.
 * Every run's result is checked against the loop's, so a benchmark that computes the wrong thing
 * fails instead of reporting a rate. Also formats the results as a table and writes them into a
 * marked section of BENCHMARKS.md, leaving the rest of the file (other sections) as it is.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';

/** What a run of a pipeline computed: the sink's record count and checksum. */
export interface RunOutcome {
  readonly records: number;
  readonly checksum: number;
}

/** A benchmark module under bench/pipelines/. */
export interface PipelineBenchmark {
  readonly name: string;
  readonly description: string;
  /** The minimum engine/loop ratio the engine should reach. */
  readonly target: number;
  /** Source records of a full run and of a quick run. */
  readonly records: number;
  readonly quickRecords: number;
  engine(parallelism: number, n: number): Promise<RunOutcome>;
  loop(n: number): RunOutcome;
  /** A closed form of the checksum, when there is one: checks the loop itself. */
  expectedChecksum?(n: number): number;
}

export interface MeasureOptions {
  readonly records: number;
  readonly rounds: number;
  /** A sample repeats its run until it has taken this long, so short runs are not all noise. */
  readonly minSampleSeconds: number;
  readonly log: (line: string) => void;
}

/** Rates in source records per second. */
export interface RateStats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export interface CaseResult {
  readonly id: string;
  readonly benchmark: string;
  readonly description: string;
  readonly parallelism: number;
  readonly records: number;
  readonly rounds: number;
  readonly engine: RateStats;
  readonly loop: RateStats;
  /** median(engine) / median(loop). */
  readonly ratio: number;
  readonly target: number;
  readonly outcome: RunOutcome;
}

export class ChecksumMismatchError extends Error {
  override readonly name = 'ChecksumMismatchError';
}

const gc = (globalThis as { gc?: () => void }).gc;

export function caseId(benchmark: string, parallelism: number): string {
  return `${benchmark}/p${parallelism}`;
}

function check(what: string, actual: RunOutcome, expected: RunOutcome): void {
  if (actual.records !== expected.records || actual.checksum !== expected.checksum) {
    throw new ChecksumMismatchError(
      `${what} computed records=${actual.records} checksum=${actual.checksum}, ` +
        `but the hand-written loop computed records=${expected.records} checksum=${expected.checksum}`,
    );
  }
}

/** Runs `run` until minSeconds have passed (at least once), checking each outcome; the rate of it all. */
async function sample(what: string, run: () => RunOutcome | Promise<RunOutcome>, n: number, minSeconds: number, expected: RunOutcome): Promise<number> {
  gc?.();
  let repetitions = 0;
  let elapsed: number;
  const start = performance.now();
  do {
    check(what, await run(), expected);
    repetitions++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < minSeconds);
  return (repetitions * n) / elapsed;
}

export function stats(samples: readonly number[]): RateStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples };
}

/**
 * Only the engine, `rounds` times after one reference run of the loop: for profiling, where the
 * loop's samples would only dilute the profile. Returns the engine's rates.
 */
export async function runEngineOnly(bench: PipelineBenchmark, parallelism: number, options: MeasureOptions): Promise<RateStats> {
  const id = caseId(bench.name, parallelism);
  const reference = bench.loop(options.records);
  const rates: number[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    rates.push(await sample(`${id}: the engine`, () => bench.engine(parallelism, options.records), options.records, 0, reference));
    options.log(`${id}: engine run ${round}/${options.rounds}  ${formatRate(rates.at(-1)!)}`);
  }
  return stats(rates);
}

/** One pipeline at one parallelism: a warm-up run of each side, then `rounds` alternating samples. */
export async function measureCase(bench: PipelineBenchmark, parallelism: number, options: MeasureOptions): Promise<CaseResult> {
  const { records: n, rounds, minSampleSeconds, log } = options;
  const id = caseId(bench.name, parallelism);
  const engineRun = (): Promise<RunOutcome> => bench.engine(parallelism, n);
  const loopRun = (): RunOutcome => bench.loop(n);

  const reference = bench.loop(n);
  if (bench.expectedChecksum !== undefined && reference.checksum !== bench.expectedChecksum(n)) {
    throw new ChecksumMismatchError(`${id}: the hand-written loop computed checksum ${reference.checksum}, expected ${bench.expectedChecksum(n)}`);
  }
  check(`${id}: the engine (warm-up)`, await engineRun(), reference);
  log(`${id}: warmed up (${formatCount(n)} records, records out ${formatCount(reference.records)}, checksum ${reference.checksum})`);

  const engineRates: number[] = [];
  const loopRates: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    engineRates.push(await sample(`${id}: the engine`, engineRun, n, minSampleSeconds, reference));
    loopRates.push(await sample(`${id}: the loop`, loopRun, n, minSampleSeconds, reference));
    log(`${id}: round ${round}/${rounds}  engine ${formatRate(engineRates.at(-1)!)}  loop ${formatRate(loopRates.at(-1)!)}`);
  }
  const engine = stats(engineRates);
  const loop = stats(loopRates);
  return {
    id,
    benchmark: bench.name,
    description: bench.description,
    parallelism,
    records: n,
    rounds,
    engine,
    loop,
    ratio: engine.median / loop.median,
    target: bench.target,
    outcome: reference,
  };
}

// ---- formatting -------------------------------------------------------------------------------

export function formatCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatRate(perSecond: number): string {
  return `${(perSecond / 1e6).toFixed(2)} M/s`;
}

function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** max − min over the median, as ±half of it: how far samples strayed. */
function formatSpread(s: RateStats): string {
  return `±${(((s.max - s.min) / 2 / s.median) * 100).toFixed(1)}%`;
}

export function passes(result: CaseResult): boolean {
  return result.ratio >= result.target;
}

const HEADER = ['Benchmark', 'p', 'Records', 'Engine', 'Spread', 'Loop', 'Spread', 'Engine / loop', 'Target', 'Result'];

function rows(results: readonly CaseResult[]): string[][] {
  return results.map((r) => [
    r.benchmark,
    String(r.parallelism),
    formatCount(r.records),
    formatRate(r.engine.median),
    formatSpread(r.engine),
    formatRate(r.loop.median),
    formatSpread(r.loop),
    formatPercent(r.ratio),
    `≥ ${formatPercent(r.target)}`,
    passes(r) ? 'pass' : 'FAIL',
  ]);
}

export function formatTable(results: readonly CaseResult[]): string {
  const all = [HEADER, ...rows(results)];
  const widths = HEADER.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]): string => row.map((cell, c) => (c <= 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows(results).map(line)].join('\n');
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly date: string;
  /** One-minute load average when the run started, and when it ended (once known). */
  readonly loadAverage: number;
  loadAverageAtEnd?: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    node: process.version,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    loadAverage: os.loadavg()[0]!,
  };
}

export function formatMachine(m: MachineInfo): string {
  const load = m.loadAverageAtEnd === undefined ? `${m.loadAverage.toFixed(2)} at start` : `${m.loadAverage.toFixed(2)} at start, ${m.loadAverageAtEnd.toFixed(2)} at end`;
  return `${m.cpu}, ${m.cores} cores · Node ${m.node} · ${m.date} · load average ${load}`;
}

// ---- BENCHMARKS.md ----------------------------------------------------------------------------

export function markdownSection(title: string, machine: MachineInfo, results: readonly CaseResult[], notes: readonly string[]): string {
  const rounds = results[0]?.rounds ?? 0;
  const table = [HEADER, HEADER.map(() => '---'), ...rows(results)].map((row) => `| ${row.join(' | ')} |`);
  return [
    `### ${title}`,
    '',
    `Machine: ${formatMachine(machine)}.`,
    `Median of ${rounds} alternating rounds after a warm-up run of each; rates count source records; ` +
      'spread is ±half of (max − min) over the median; engine / loop is the ratio of the medians.',
    '',
    ...table,
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}

const startMarker = (section: string): string => `<!-- bench:${section}:start -->`;
const endMarker = (section: string): string => `<!-- bench:${section}:end -->`;

/**
 * Replaces what lies between the section's markers (appending the markers at the end if they are
 * missing, creating the file if needed), so each benchmark family owns its own section.
 */
export function writeSection(file: string, section: string, content: string): void {
  const block = `${startMarker(section)}\n${content}\n${endMarker(section)}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(startMarker(section));
  const end = text.indexOf(endMarker(section));
  let updated: string;
  if (start >= 0 && end > start) {
    updated = text.slice(0, start) + block + text.slice(end + endMarker(section).length);
  } else if (start >= 0 || end >= 0) {
    throw new Error(`${file}: the markers of section '${section}' are incomplete or out of order; fix them by hand`);
  } else {
    updated = `${text.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(file, updated);
}
