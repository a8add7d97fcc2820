/*
 * Benchmark (b), the keyed reduce: sequence source → map to { key, value } → keyBy(key) → reduce
 * (sum of value) → sink. The keyBy is a real hash exchange between two tasks (all-to-all at
 * parallelism > 1). The hand-written loop keeps the same per-key state in a Map and calls the very
 * same map, key selector, reduce and sink functions.
 */
import { StreamExecutionEnvironment } from 'flink-ts';
import type { RunOutcome } from '../harness.ts';

export const name = 'keyed-reduce';
export const description = `fromSequence → map → keyBy (10,000 keys) → reduce (sum) → sink`;
export const target = 0.15;
export const records = 10_000_000;
export const quickRecords = 200_000;

const KEYS = 10_000;

interface Entry {
  readonly key: number;
  readonly value: number;
}

const toEntry = (x: number): Entry => ({ key: x % KEYS, value: x });
const byKey = (e: Entry): number => e.key;
const sum = (a: Entry, b: Entry): Entry => ({ key: a.key, value: a.value + b.value });

/**
 * The sink's work: count, and remember each key's latest running sum. The reduce's operator and
 * the sink are chained, so a key's last emission is its total whatever the arrival order across
 * subtasks; the checksum, the sum of those totals, is thus deterministic (and equals n(n+1)/2).
 */
class Checksum {
  records = 0;
  readonly latest = new Float64Array(KEYS);

  outcome(): RunOutcome {
    let total = 0;
    for (let k = 0; k < KEYS; k++) total += this.latest[k]!;
    return { records: this.records, checksum: total };
  }
}

function checksumSink(acc: Checksum): (e: Entry) => void {
  return (e) => {
    acc.records++;
    acc.latest[e.key] = e.value;
  };
}

function checkSize(n: number): void {
  // Totals stay exact doubles only while n(n+1)/2 < 2^53.
  if (n > 100_000_000) throw new RangeError(`keyed-reduce supports at most 100,000,000 records, got ${n}`);
}

export async function engine(parallelism: number, n: number): Promise<RunOutcome> {
  checkSize(n);
  const acc = new Checksum();
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  env.fromSequence(1, n).map(toEntry).keyBy(byKey).reduce(sum).addSink(checksumSink(acc)).name('Checksum');
  await env.execute('bench: keyed reduce');
  return acc.outcome();
}

export function loop(n: number): RunOutcome {
  checkSize(n);
  const acc = new Checksum();
  const sink = checksumSink(acc);
  const state = new Map<number, Entry>();
  for (let x = 1; x <= n; x++) {
    const entry = toEntry(x);
    const key = byKey(entry);
    const current = state.get(key);
    const result = current === undefined ? entry : sum(current, entry);
    state.set(key, result);
    sink(result);
  }
  return acc.outcome();
}

/** What both must compute: every number lands in exactly one key's total. */
export function expectedChecksum(n: number): number {
  return (n * (n + 1)) / 2;
}
