/*
 * The keyed sliding window benchmark: the readings of the tumbling benchmark (100,000 keys, one
 * reading per key every 2 s) → keyBy(key) → sliding event-time windows of 10 s every 2 s, so
 * that each reading updates five panes → aggregate (count, sum, max) → sink. The hand-written
 * loop adds each reading to the same five accumulators in Maps.
 */
import { Duration, SlidingEventTimeWindows, StreamExecutionEnvironment } from 'flink-ts';
import type { RunOutcome } from '../harness.ts';
import { alignedWindowLoop } from './aligned-window-loop.ts';
import { Checksum, checkSize, checksumSink, keyedReadings, toReading, windowStats } from './window-workload.ts';

export const name = 'windows/sliding';
export const description = 'readings (100K keys) → keyBy → sliding event-time windows (10 s / 2 s) → aggregate (count, sum, max) → sink';
/** No target: reported next to the loop only (the tumbling case carries the target). */
export const target = 0;
/** 400K readings: 8 s of event time, eight windows of up to five readings per key, each reading in five. */
export const records = 400_000;
export const quickRecords = 100_000;

const SIZE_MS = 10_000;
const SLIDE_MS = 2_000;

export async function engine(parallelism: number, n: number): Promise<RunOutcome> {
  checkSize(name, n);
  const acc = new Checksum();
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  keyedReadings(env, n, toReading)
    .window(SlidingEventTimeWindows.of(Duration.ofMillis(SIZE_MS), Duration.ofMillis(SLIDE_MS)))
    .aggregate(windowStats)
    .addSink(checksumSink(acc))
    .name('Checksum');
  await env.execute('bench: sliding windows');
  return acc.outcome();
}

export function loop(n: number): RunOutcome {
  checkSize(name, n);
  return alignedWindowLoop(n, SIZE_MS, SLIDE_MS, toReading);
}
