/*
 * The window benchmarks (bench/windows/) for bench/run.ts: keyed tumbling, sliding and session
 * window aggregation over 100,000 keys, each against its hand-written loop through the pipeline
 * harness, and their results as a console table and as the `windows` section of BENCHMARKS.md.
 * Only the tumbling case has a target; the others (target 0) report their ratio without a verdict.
 */
import { formatCount, formatMachine, formatRate, passes, type CaseResult, type MachineInfo, type PipelineBenchmark, type RateStats } from '../harness.ts';
import * as session from './session-window.ts';
import * as sliding from './sliding-window.ts';
import * as tumbling from './tumbling-window.ts';

export const WINDOW_BENCHMARKS: readonly PipelineBenchmark[] = [tumbling, sliding, session];

/**
 * Parallelisms the window cases run at unless --parallelism says otherwise: only 1, as the local
 * executor runs all subtasks in one thread and a higher parallelism would measure the exchange
 * (which the keyed-reduce case covers) at twice the run time.
 */
export const WINDOW_PARALLELISMS: readonly number[] = [1];

// ---- formatting -------------------------------------------------------------------------------

function spread(s: RateStats): string {
  return `±${(((s.max - s.min) / 2 / s.median) * 100).toFixed(1)}%`;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

const HEADER = ['Benchmark', 'p', 'Records', 'Panes fired', 'Engine', 'Spread', 'Loop', 'Spread', 'Engine / loop', 'Target', 'Result'];

function rows(results: readonly CaseResult[]): string[][] {
  return results.map((r) => [
    r.benchmark,
    String(r.parallelism),
    formatCount(r.records),
    formatCount(r.outcome.records),
    formatRate(r.engine.median),
    spread(r.engine),
    formatRate(r.loop.median),
    spread(r.loop),
    percent(r.ratio),
    r.target > 0 ? `≥ ${percent(r.target)}` : '—',
    r.target > 0 ? (passes(r) ? 'pass' : 'FAIL') : 'report',
  ]);
}

export function formatWindowTable(results: readonly CaseResult[]): string {
  const all = [HEADER, ...rows(results)];
  const widths = HEADER.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]): string => row.map((cell, c) => (c <= 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows(results).map(line)].join('\n');
}

export function windowMarkdownSection(title: string, machine: MachineInfo, results: readonly CaseResult[]): string {
  const rounds = results[0]?.rounds ?? 0;
  const table = [HEADER, HEADER.map(() => '---'), ...rows(results)].map((row) => `| ${row.join(' | ')} |`);
  return [
    `### ${title}`,
    '',
    `Machine: ${formatMachine(machine)}.`,
    `Median of ${rounds} alternating rounds after a warm-up run of each; rates count source records (readings); ` +
      'panes fired is the number of (key, window) results both sides sent to the sink, with equal checksums; ' +
      'spread is ±half of (max − min) over the median; engine / loop is the ratio of the medians.',
    '',
    ...table,
  ].join('\n');
}
