/*
 * The keyed-state benchmark cases (each workload on the heap and on the RocksDB backend), found
 * by id for bench/run.ts, and their results as console tables and as the `state` section of
 * BENCHMARKS.md: one row per case, then the raw binding's single puts against its batch path.
 */
import { formatCount, formatMachine, type MachineInfo, type RateStats } from '../harness.ts';
import { keyedCounter } from './keyed-counter.ts';
import { list } from './list-state.ts';
import { map } from './map-state.ts';
import { BACKEND_KINDS, type BackendKind } from './state-backends.ts';
import {
  bindingWritesPerSecond,
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

const HEADER = [
  'Case',
  'Backend',
  'Records',
  'Records/s',
  'State ops/s',
  'Spread',
  'Map ops/s',
  'Spread',
  'State / Map',
  'Writes/s',
  'Binding writes/s',
  'Spread',
  'Backend / binding',
  'Write p50 / p99 / p99.9 / max',
  'Target',
  'Result',
];

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

function rows(results: readonly StateCaseResult[]): string[][] {
  return results.map((r) => {
    const binding = bindingWritesPerSecond(r);
    return [
      r.workload,
      r.backend,
      formatCount(r.records),
      formatPerSecond(r.state.median),
      formatPerSecond(opsPerSecond(r)),
      spread(r.state),
      formatPerSecond(r.loop.median * r.opsPerRecord),
      spread(r.loop),
      percent(r.ratio),
      formatPerSecond(writesPerSecond(r)),
      binding === null ? '—' : formatPerSecond(binding),
      r.binding === null ? '—' : spread(r.binding),
      r.bindingRatio === null ? '—' : percent(r.bindingRatio),
      `${r.writeCall} ${formatNanos(r.latency.p50)} / ${formatNanos(r.latency.p99)} / ${formatNanos(r.latency.p999)} / ${formatNanos(r.latency.max)}`,
      describeTarget(r.backend),
      formatVerdict(r),
    ];
  });
}

const BATCH_HEADER = ['Case', 'Writes', 'Single put() writes/s', 'Spread', 'Batch of', 'Batch writes/s', 'Spread', 'Batch / single'];

/** The binding's batch path (a transaction of N puts, then commit) next to its single puts, from the same rounds. */
function batchRows(results: readonly StateCaseResult[]): string[][] {
  return results.flatMap((r) =>
    r.batches.map((b) => [
      r.id,
      formatCount(r.records * r.writesPerRecord),
      formatPerSecond(bindingWritesPerSecond(r)!),
      spread(r.binding!),
      String(b.batchSize),
      formatPerSecond(b.rates.median * r.writesPerRecord),
      spread(b.rates),
      percent(b.rates.median / r.binding!.median),
    ]),
  );
}

function textTable(header: readonly string[], body: readonly string[][], leftColumns: number): string {
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: readonly string[]): string => row.map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function markdownTable(header: readonly string[], body: readonly string[][]): string[] {
  return [header, header.map(() => '---'), ...body].map((row) => `| ${row.join(' | ')} |`);
}

export function formatStateTable(results: readonly StateCaseResult[]): string {
  const tables = [textTable(HEADER, rows(results), 3)];
  const batches = batchRows(results);
  if (batches.length > 0) tables.push(textTable(BATCH_HEADER, batches, 1));
  return tables.join('\n\n');
}

export function stateMarkdownSection(title: string, machine: MachineInfo, results: readonly StateCaseResult[]): string {
  const rounds = results[0]?.rounds ?? 0;
  const batches = batchRows(results);
  const lines = [
    `### ${title}`,
    '',
    `Machine: ${formatMachine(machine)}.`,
    `Median of ${rounds} alternating rounds after a warm-up trial of each; records/s and ops/s count only the timed part of each trial; ` +
      'spread is ±half of (max − min) over the median; state / Map is the ratio of the medians; ' +
      'binding writes/s is the raw binding making the same native calls with prebuilt keys and values in the same rounds, ' +
      'backend / binding the ratio of the medians; ' +
      'write latency is a separate pass timing every single write of one trial.',
    '',
    ...markdownTable(HEADER, rows(results)),
  ];
  if (batches.length > 0) {
    lines.push(
      '',
      "The binding's batch path, measured in the same rounds as its single puts: the same blind writes, " +
        'as transactions of N `putSync` calls and one `commitSync` each (the wrapper NativeWriteBatch).',
      '',
      ...markdownTable(BATCH_HEADER, batches),
    );
  }
  return lines.join('\n');
}
