/*
 * The keyed tumbling window benchmark: readings of 100,000 keys (each key one reading every 2 s of
 * event time) → keyBy(key) → 10 s tumbling event-time windows → aggregate (count, sum, max per
 * key and window) → sink. The keyBy is a hash exchange between the source task and the window
 * task; the window operator and the sink are chained. The hand-written loop keeps the same
 * accumulators in Maps and fires each window when the watermark passes it.
 */
import { Duration, StreamExecutionEnvironment, TumblingEventTimeWindows } from 'flink-ts';
import type { RunOutcome } from '../harness.ts';
import { alignedWindowLoop } from './aligned-window-loop.ts';
import { Checksum, checkSize, checksumSink, keyedReadings, toReading, windowStats } from './window-workload.ts';

export const name = 'windows/tumbling';
export const description = 'readings (100K keys) → keyBy → tumbling event-time windows (10 s) → aggregate (count, sum, max) → sink';
export const target = 0.2;
/** 1.5M readings: 30 s of event time, three windows of five readings per key. */
export const records = 1_500_000;
export const quickRecords = 200_000;

const SIZE_MS = 10_000;

export async function engine(parallelism: number, n: number): Promise<RunOutcome> {
  checkSize(name, n);
  const acc = new Checksum();
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  keyedReadings(env, n, toReading)
    .window(TumblingEventTimeWindows.of(Duration.ofMillis(SIZE_MS)))
    .aggregate(windowStats)
    .addSink(checksumSink(acc))
    .name('Checksum');
  await env.execute('bench: tumbling windows');
  return acc.outcome();
}

export function loop(n: number): RunOutcome {
  checkSize(name, n);
  return alignedWindowLoop(n, SIZE_MS, SIZE_MS, toReading);
}
