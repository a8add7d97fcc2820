/*
 * The keyed-state benchmark cases (each workload on the heap and on the RocksDB backend), found
 * by id for bench/run.ts, and their results as a console table and as the `state` section of
 * BENCHMARKS.md.
 */
import { formatCount, formatMachine, type MachineInfo, type RateStats } from '../harness.ts';
import { keyedCounter } from './keyed-counter.ts';
import { list } from './list-state.ts';
import { map } from './map-state.ts';
import { BACKEND_KINDS, type BackendKind } from './state-backends.ts';
import {
  describeTarget,
  formatNanos,
  formatPerSecond,
  formatVerdict,
  opsPerSecond,
  stateCaseId,
  writesPerSecond,
  type StateCaseResult,
  type StateWorkload,
} from './state-harness.ts';
import { value, valueUpdate } from './value-state.ts';

export { formatPerSecond, measureStateCase, passesStateTarget, runStateOnly, type StateCaseResult } from './state-harness.ts';

export const STATE_WORKLOADS: readonly StateWorkload[] = [value, valueUpdate, list, map, keyedCounter];

export interface StateCase {
  readonly id: string;
  readonly workload: StateWorkload;
  readonly backend: BackendKind;
}

export const STATE_CASES: readonly StateCase[] = STATE_WORKLOADS.flatMap((workload) =>
  BACKEND_KINDS.map((backend) => ({ id: stateCaseId(workload.name, backend), workload, backend })),
);

export function findStateCase(id: string): StateCase | undefined {
  return STATE_CASES.find((c) => c.id === id);
}

export function stateCaseRecords(c: StateCase, quick: boolean): number {
  return quick ? c.workload.quickRecords(c.backend) : c.workload.records(c.backend);
}

// ---- formatting -------------------------------------------------------------------------------

function spread(s: RateStats): string {
  return `±${(((s.max - s.min) / 2 / s.median) * 100).toFixed(1)}%`;
}

const HEADER = ['Case', 'Backend', 'Records', 'Records/s', 'State ops/s', 'Spread', 'Map ops/s', 'Spread', 'State / Map', 'Writes/s', 'Write p50 / p99 / p99.9 / max', 'Target', 'Result'];

function rows(results: readonly StateCaseResult[]): string[][] {
  return results.map((r) => [
    r.workload,
    r.backend,
    formatCount(r.records),
    formatPerSecond(r.state.median),
    formatPerSecond(opsPerSecond(r)),
    spread(r.state),
    formatPerSecond(r.loop.median * r.opsPerRecord),
    spread(r.loop),
    `${(r.ratio * 100).toFixed(1)}%`,
    formatPerSecond(writesPerSecond(r)),
    `${r.writeCall} ${formatNanos(r.latency.p50)} / ${formatNanos(r.latency.p99)} / ${formatNanos(r.latency.p999)} / ${formatNanos(r.latency.max)}`,
    describeTarget(r.backend),
    formatVerdict(r),
  ]);
}

export function formatStateTable(results: readonly StateCaseResult[]): string {
  const all = [HEADER, ...rows(results)];
  const widths = HEADER.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]): string => row.map((cell, c) => (c <= 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows(results).map(line)].join('\n');
}

export function stateMarkdownSection(title: string, machine: MachineInfo, results: readonly StateCaseResult[]): string {
  const rounds = results[0]?.rounds ?? 0;
  const table = [HEADER, HEADER.map(() => '---'), ...rows(results)].map((row) => `| ${row.join(' | ')} |`);
  return [
    `### ${title}`,
    '',
    `Machine: ${formatMachine(machine)}.`,
    `Median of ${rounds} alternating rounds after a warm-up trial of each; records/s and ops/s count only the timed part of each trial; ` +
      'spread is ±half of (max − min) over the median; state / Map is the ratio of the medians; ' +
      'write latency is a separate pass timing every single write of one trial.',
    '',
    ...table,
  ].join('\n');
}
