/*
 * What the end-to-end join tests share: a seeded random generator, inputs in timestamp order with
 * monotonous watermarks (so that nothing is late and a brute-force join is the exact answer), and
 * a brute-force reference of Flink's time windows (tumbling and sliding, with offset) per key.
 */
import { StreamExecutionEnvironment, WatermarkStrategy, type Collector, type DataStream, type ProcessFunctionContext } from 'flink-ts';

export interface Event {
  readonly key: string;
  readonly ts: number;
  readonly id: string;
}

export const env = (parallelism: number): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Events in timestamp order per input, so that with monotonous watermarks nothing is late. */
export function events(random: () => number, prefix: string, n: number, keys = 5): Event[] {
  const out: Event[] = [];
  let ts = 0;
  for (let i = 0; i < n; i++) {
    ts += Math.floor(random() * 3);
    out.push({ key: `k${Math.floor(random() * keys)}`, ts, id: `${prefix}${i}` });
  }
  return out;
}

export function timestamped(e: StreamExecutionEnvironment, data: Event[]): DataStream<Event> {
  return e.fromCollection(data).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((ev) => ev.ts));
}

/** Appends each record's timestamp (the window's maxTimestamp()) to it. */
export const stamp = (v: string, ctx: ProcessFunctionContext, out: Collector<string>): void => out.collect(`${v}@${ctx.timestamp()}`);

export const ids = (events: Iterable<Event>): string => [...events].map((e) => e.id).sort().join(',');

export interface RefWindow {
  readonly key: string;
  readonly maxTimestamp: number;
  readonly left: Event[];
  readonly right: Event[];
}

/** Flink's time windows of a timestamp: start = ts - (ts - offset + slide) % slide, back by slide while it still covers ts. */
function timeWindows(ts: number, size: number, slide: number, offset: number): [number, number][] {
  const out: [number, number][] = [];
  const lastStart = ts - ((((ts - offset) % slide) + slide) % slide);
  for (let start = lastStart; start > ts - size; start -= slide) out.push([start, start + size]);
  return out;
}

export function referenceTimeWindows(left: Event[], right: Event[], size: number, slide: number, offset: number): RefWindow[] {
  const windows = new Map<string, { key: string; maxTimestamp: number; left: Event[]; right: Event[] }>();
  const add = (e: Event, side: 'left' | 'right') => {
    for (const [, end] of timeWindows(e.ts, size, slide, offset)) {
      const id = `${e.key}|${end}`;
      let w = windows.get(id);
      if (w === undefined) windows.set(id, (w = { key: e.key, maxTimestamp: end - 1, left: [], right: [] }));
      w[side].push(e);
    }
  };
  for (const e of left) add(e, 'left');
  for (const e of right) add(e, 'right');
  return [...windows.values()];
}

export function referenceJoin(windows: RefWindow[]): string[] {
  const out: string[] = [];
  for (const w of windows) for (const l of w.left) for (const r of w.right) out.push(`${l.id}:${r.id}@${w.maxTimestamp}`);
  return out.sort();
}
