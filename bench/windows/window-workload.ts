/*
 * What the window benchmarks share: the readings (100,000 keys, event time from the record's
 * position in the sequence, so every run sees the same timestamps), the AggregateFunction that
 * summarizes a pane, the checksum sink, and the engine's source part (sequence → map → timestamps
 * and monotonous watermarks → keyBy). The engine and the hand-written loops call these very
 * function objects, so both do the same user work and must compute the same checksum.
 */
import { StreamExecutionEnvironment, WatermarkStrategy, type AggregateFunction, type KeyedStream } from 'flink-ts';
import type { RunOutcome } from '../harness.ts';

export const KEYS = 100_000;
/** Records per millisecond of event time: each key gets one reading every 2 s. */
export const RECORDS_PER_MS = 50;

export interface Reading {
  readonly key: number;
  readonly value: number;
  /** Event time in milliseconds. */
  readonly ts: number;
}

/** The i-th reading: keys round-robin, time advancing one millisecond every RECORDS_PER_MS records. */
export const toReading = (i: number): Reading => ({ key: i % KEYS, value: i, ts: Math.floor(i / RECORDS_PER_MS) });

export const byKey = (r: Reading): number => r.key;
export const timestampOf = (r: Reading): number => r.ts;

/** A pane's accumulator, updated in place. */
export interface StatsAccumulator {
  count: number;
  sum: number;
  max: number;
}

export interface WindowStats {
  readonly count: number;
  readonly sum: number;
  readonly max: number;
}

/** Count, sum and maximum of the values of a pane: one small accumulator per key and window. */
export class WindowStatsAggregate implements AggregateFunction<Reading, StatsAccumulator, WindowStats> {
  createAccumulator(): StatsAccumulator {
    return { count: 0, sum: 0, max: Number.NEGATIVE_INFINITY };
  }

  add(value: Reading, accumulator: StatsAccumulator): StatsAccumulator {
    accumulator.count++;
    accumulator.sum += value.value;
    if (value.value > accumulator.max) accumulator.max = value.value;
    return accumulator;
  }

  getResult(accumulator: StatsAccumulator): WindowStats {
    return { count: accumulator.count, sum: accumulator.sum, max: accumulator.max };
  }

  merge(a: StatsAccumulator, b: StatsAccumulator): StatsAccumulator {
    a.count += b.count;
    a.sum += b.sum;
    if (b.max > a.max) a.max = b.max;
    return a;
  }
}

/** The one instance the engine and the loops use. */
export const windowStats = new WindowStatsAggregate();

/**
 * The sink's work: count the fired panes and add a mix of each one's result modulo 2^32. The sum
 * does not depend on the order in which panes fire, but the mix is not linear, so grouping the
 * records into other panes changes it.
 */
export class Checksum {
  records = 0;
  sum = 0;

  outcome(): RunOutcome {
    return { records: this.records, checksum: this.sum >>> 0 };
  }
}

export function checksumSink(acc: Checksum): (s: WindowStats) => void {
  return (s) => {
    acc.records++;
    acc.sum = (acc.sum + (Math.imul(s.count, 0x9e3779b1) ^ Math.imul(s.sum | 0, 0x85ebca6b) ^ s.max)) | 0;
  };
}

/** Pane sums stay exact doubles, and values fit the int32 mix, up to this many records. */
export function checkSize(benchmark: string, n: number): void {
  if (n > 1_000_000_000) throw new RangeError(`${benchmark} supports at most 1,000,000,000 records, got ${n}`);
}

/**
 * The engine's source part: readings with event time assigned from `ts` and monotonous
 * watermarks (emitted every pipeline.auto-watermark-interval), keyed by `key`.
 */
export function keyedReadings(env: StreamExecutionEnvironment, n: number, reading: (i: number) => Reading): KeyedStream<Reading, number> {
  return env
    .fromSequence(1, n)
    .map(reading)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Reading>().withTimestampAssigner(timestampOf))
    .keyBy(byKey);
}
