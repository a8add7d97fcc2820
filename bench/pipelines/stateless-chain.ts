/*
 * Benchmark (a), the stateless chain: sequence source → map → filter → flatMap → sink, all chained
 * into one task per subtask. The hand-written loop generates the same numbers and calls the very
 * same function objects, so the ratio of the two rates is the engine's per-record overhead.
 */
import { StreamExecutionEnvironment, type Collector } from 'flink-ts';
import type { RunOutcome } from '../harness.ts';

export const name = 'stateless-chain';
export const description = 'fromSequence → map → filter → flatMap → sink';
/** The engine must reach this fraction of the loop's rate. */
export const target = 0.35;
/** Source records of a full run: about a second of engine time on one core. */
export const records = 40_000_000;
export const quickRecords = 200_000;

const map = (x: number): number => x * 3 + 1;
// x*3+1 alternates between even and odd, so this keeps exactly half.
const filter = (v: number): boolean => (v & 1) === 0;
const flatMap = (v: number, out: Collector<number>): void => {
  out.collect(v);
  out.collect(v + 1);
};

/** The sink's work: count, and a sum modulo 2^32 that does not depend on the order of arrival. */
class Checksum {
  records = 0;
  sum = 0;

  outcome(): RunOutcome {
    return { records: this.records, checksum: this.sum };
  }
}

function checksumSink(acc: Checksum): (v: number) => void {
  return (v) => {
    acc.records++;
    acc.sum = (acc.sum + v) | 0;
  };
}

export async function engine(parallelism: number, n: number): Promise<RunOutcome> {
  const acc = new Checksum();
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  env.fromSequence(1, n).map(map).filter(filter).flatMap(flatMap).addSink(checksumSink(acc)).name('Checksum');
  await env.execute('bench: stateless chain');
  return acc.outcome();
}

export function loop(n: number): RunOutcome {
  const acc = new Checksum();
  const sink = checksumSink(acc);
  const out: Collector<number> = { collect: sink };
  for (let x = 1; x <= n; x++) {
    const v = map(x);
    if (filter(v)) flatMap(v, out);
  }
  return acc.outcome();
}
