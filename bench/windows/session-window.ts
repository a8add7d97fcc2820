/*
 * The session window benchmark: readings of 100,000 keys in which every key is active every other
 * 5 s of event time (one reading per second while active, so five readings a session) →
 * keyBy(key) → event-time session windows with a 2 s gap → aggregate (count, sum, max) → sink.
 * Every reading opens a window that merges into its key's session, which is Flink's merging path
 * (MergingWindowSet, state and trigger merges) on every record. The hand-written loop keeps one
 * open session per key in a Map ordered by the session's end and fires sessions as the watermark
 * passes them.
 */
import { Duration, EventTimeSessionWindows, StreamExecutionEnvironment } from 'flink-ts';
import type { RunOutcome } from '../harness.ts';
import { Checksum, KEYS, RECORDS_PER_MS, byKey, checkSize, checksumSink, keyedReadings, timestampOf, windowStats, type Reading, type StatsAccumulator } from './window-workload.ts';

export const name = 'windows/session';
export const description = 'readings (100K keys, active every other 5 s) → keyBy → event-time session windows (gap 2 s) → aggregate (count, sum, max) → sink';
/** No target: reported next to the loop only (the tumbling case carries the target). */
export const target = 0;
/** 500K readings: 10 s of event time, two rounds of 50,000 sessions (the first fires mid-run). */
export const records = 500_000;
export const quickRecords = 100_000;

const GAP_MS = 2_000;
/** Keys take turns in halves: one half is active for this long, then the other. */
const PHASE_MS = 5_000;
const ACTIVE_KEYS = KEYS / 2;

/**
 * The i-th reading: the same clock as the other benchmarks, but only half the keys are active in
 * each 5 s phase, so a key's readings come 1 s apart within a phase and 6 s apart across the
 * phase it sits out: sessions never touch, whatever the watermark's pace.
 */
export const toSessionReading = (i: number): Reading => {
  const ts = Math.floor(i / RECORDS_PER_MS);
  const half = Math.floor(ts / PHASE_MS) & 1;
  return { key: (i % ACTIVE_KEYS) + half * ACTIVE_KEYS, value: i, ts };
};

export async function engine(parallelism: number, n: number): Promise<RunOutcome> {
  checkSize(name, n);
  const acc = new Checksum();
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  keyedReadings(env, n, toSessionReading)
    .window(EventTimeSessionWindows.withGap(Duration.ofMillis(GAP_MS)))
    .aggregate(windowStats)
    .addSink(checksumSink(acc))
    .name('Checksum');
  await env.execute('bench: session windows');
  return acc.outcome();
}

interface Session {
  /** The end of [start, end): the last reading's time plus the gap. */
  end: number;
  accumulator: StatsAccumulator;
}

export function loop(n: number): RunOutcome {
  checkSize(name, n);
  const acc = new Checksum();
  const sink = checksumSink(acc);
  const aggregate = windowStats;
  // Key → open session. A session moves to the back whenever it grows, and time only grows, so
  // the Map's order is the order of the sessions' ends: the ones to fire are at the front.
  const sessions = new Map<number, Session>();
  let watermark = Number.NEGATIVE_INFINITY;

  const fire = (): void => {
    for (const [key, session] of sessions) {
      if (session.end - 1 > watermark) break;
      sink(aggregate.getResult(session.accumulator));
      sessions.delete(key);
    }
  };

  for (let i = 1; i <= n; i++) {
    const r = toSessionReading(i);
    const ts = timestampOf(r);
    const key = byKey(r);
    const session = sessions.get(key);
    // [ts, ts + gap) overlaps or touches the session: it merges into it.
    if (session !== undefined && ts <= session.end) {
      session.accumulator = aggregate.add(r, session.accumulator);
      session.end = Math.max(session.end, ts + GAP_MS);
      sessions.delete(key);
      sessions.set(key, session);
    } else {
      if (session !== undefined) {
        // Past its end and not yet fired by the watermark: it fires now, before the new one.
        sink(aggregate.getResult(session.accumulator));
        sessions.delete(key);
      }
      sessions.set(key, { end: ts + GAP_MS, accumulator: aggregate.add(r, aggregate.createAccumulator()) });
    }
    if (ts - 1 > watermark) {
      watermark = ts - 1;
      fire();
    }
  }
  watermark = Number.POSITIVE_INFINITY;
  fire();
  return acc.outcome();
}
