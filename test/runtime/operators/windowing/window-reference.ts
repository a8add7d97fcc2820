/*
 * A small reference of Flink's event-time window semantics, independent of the engine, for
 * differential tests: per key, panes (or sessions) with their elements, a trigger (fire when the
 * watermark reaches the window's max timestamp, every n elements, purging or not), allowed
 * lateness (a late element in a live window fires it again at once; a window disappears at
 * maxTimestamp + lateness), the late-data rule (side output only when no window took the
 * element and the element is late) and session merging. It is written as a plain simulation of
 * the rules, not as timers and state namespaces, so that it shares no structure with the
 * operator. Also: random inputs with explicit watermarks, and the engine's setup for a case.
 */
import type { Collector } from '../../../../src/api/common/functions.ts';
import type { ProcessWindowFunctionContext } from '../../../../src/api/functions/window-functions.ts';
import type { AggregateFunction } from '../../../../src/api/state/state.ts';
import { DynamicEventTimeSessionWindows } from '../../../../src/api/windowing/assigners/dynamic-event-time-session-windows.ts';
import { EventTimeSessionWindows } from '../../../../src/api/windowing/assigners/event-time-session-windows.ts';
import { GlobalWindows } from '../../../../src/api/windowing/assigners/global-windows.ts';
import { SlidingEventTimeWindows } from '../../../../src/api/windowing/assigners/sliding-event-time-windows.ts';
import { TumblingEventTimeWindows } from '../../../../src/api/windowing/assigners/tumbling-event-time-windows.ts';
import type { WindowAssigner } from '../../../../src/api/windowing/assigners/window-assigner.ts';
import { CountTrigger } from '../../../../src/api/windowing/triggers/count-trigger.ts';
import { PurgingTrigger } from '../../../../src/api/windowing/triggers/purging-trigger.ts';
import type { Trigger } from '../../../../src/api/windowing/triggers/trigger.ts';
import type { Window } from '../../../../src/api/windowing/windows/window.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';

export type AssignerKind = 'tumbling' | 'sliding' | 'session' | 'dynamic-session' | 'global';
export type TriggerKind = 'default' | 'count' | 'purging-default' | 'purging-count';

export const ASSIGNERS: readonly AssignerKind[] = ['tumbling', 'sliding', 'session', 'dynamic-session', 'global'];
export const TRIGGERS: readonly TriggerKind[] = ['default', 'count', 'purging-default', 'purging-count'];

const SIZE = 100;
const SLIDE = 40;
const GAP = 50;
const COUNT = 3;
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

export interface Element {
  readonly key: string;
  readonly id: number;
  /** The session gap of this element, for dynamic session windows. */
  readonly gap: number;
}

export type Event = { readonly kind: 'record'; readonly element: Element; readonly ts: number } | { readonly kind: 'watermark'; readonly ts: number };

export interface Case {
  readonly assigner: AssignerKind;
  readonly trigger: TriggerKind;
  readonly lateness: number;
}

export interface Outcome {
  /** Main output and late side output, as "key|window|ids@timestamp" and "late|key|id@timestamp", sorted. */
  readonly records: string[];
  readonly dropped: number;
}

/** A deterministic pseudo-random generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records out of order around an advancing clock, with watermarks that sometimes run ahead of late records. */
export function randomEvents(seed: number, records: number, keys = 4): Event[] {
  const rnd = random(seed);
  const events: Event[] = [];
  let clock = Math.floor(rnd() * 50);
  let watermark = Number.MIN_SAFE_INTEGER;
  for (let id = 1; id <= records; id++) {
    clock += Math.floor(rnd() * 25);
    // Mostly a little out of order, sometimes far behind (late even with allowed lateness).
    const ts = clock - Math.floor(rnd() * (rnd() < 0.1 ? 400 : 120));
    events.push({ kind: 'record', element: { key: `k${Math.floor(rnd() * keys)}`, id, gap: 10 + Math.floor(rnd() * 80) }, ts });
    if (rnd() < 0.3) {
      const next = clock - Math.floor(rnd() * 60);
      if (next > watermark) {
        watermark = next;
        events.push({ kind: 'watermark', ts: watermark });
      }
    }
  }
  return events;
}

// ---- the reference ------------------------------------------------------------------------------

interface Pane {
  readonly start: number;
  readonly end: number;
  readonly maxTs: number;
  readonly label: string;
  ids: number[];
  count: number;
  /** A pending firing at maxTs (the default trigger's timer). */
  timer: boolean;
}

function pane(start: number, end: number, label?: string): Pane {
  return { start, end, maxTs: label === 'global' ? END_OF_TIME : end - 1, label: label ?? `${start},${end}`, ids: [], count: 0, timer: false };
}

function floorTo(ts: number, step: number): number {
  return ts - (((ts % step) + step) % step);
}

export function reference(events: readonly Event[], c: Case, withLateTag: boolean): Outcome {
  const eventTime = c.assigner !== 'global';
  const merging = c.assigner === 'session' || c.assigner === 'dynamic-session';
  const purging = c.trigger === 'purging-default' || c.trigger === 'purging-count';
  const byCount = c.trigger === 'count' || c.trigger === 'purging-count';
  // GlobalWindows' default trigger never fires.
  const byTime = !byCount && c.assigner !== 'global';
  const records: string[] = [];
  let dropped = 0;
  let wm = Number.MIN_SAFE_INTEGER;
  const panesByKey = new Map<string, Map<string, Pane>>();

  const cleanup = (p: Pane) => (eventTime ? Math.min(p.maxTs + c.lateness, END_OF_TIME) : END_OF_TIME);
  const isLate = (p: Pane) => eventTime && cleanup(p) <= wm;
  const emit = (key: string, p: Pane) => {
    if (p.ids.length === 0) return;
    records.push(`${key}|${p.label}|${[...p.ids].sort((a, b) => a - b).join(',')}@${p.maxTs}`);
    if (purging) p.ids = [];
  };
  /** An element added to a live pane: the trigger's decision. */
  const onElement = (key: string, p: Pane) => {
    let fire = false;
    if (byCount) {
      p.count++;
      if (p.count >= COUNT) {
        p.count = 0;
        fire = true;
      }
    } else if (byTime) {
      if (p.maxTs <= wm) fire = true;
      else p.timer = true;
    }
    if (fire) emit(key, p);
  };

  for (const event of events) {
    if (event.kind === 'watermark') {
      wm = event.ts;
      for (const [key, panes] of panesByKey) {
        for (const [label, p] of panes) {
          if (p.timer && p.maxTs <= wm) {
            p.timer = false;
            emit(key, p);
          }
          if (eventTime && cleanup(p) <= wm) panes.delete(label);
        }
      }
      continue;
    }
    const { element, ts } = event;
    let panes = panesByKey.get(element.key);
    if (panes === undefined) panesByKey.set(element.key, (panes = new Map()));
    let taken = false;
    if (merging) {
      const gap = c.assigner === 'session' ? GAP : element.gap;
      let start = ts;
      let end = ts + gap;
      const merged: Pane[] = [];
      for (let changed = true; changed; ) {
        changed = false;
        for (const p of panes.values()) {
          if (!merged.includes(p) && p.start <= end && p.end >= start) {
            merged.push(p);
            start = Math.min(start, p.start);
            end = Math.max(end, p.end);
            changed = true;
          }
        }
      }
      let session: Pane;
      if (merged.length === 1 && merged[0].start === start && merged[0].end === end) {
        session = merged[0];
      } else {
        session = pane(start, end);
        for (const p of merged) {
          session.ids.push(...p.ids);
          session.count += p.count;
          panes.delete(p.label);
        }
        // The default trigger sets the merged session's timer while its end is ahead of the watermark.
        if (merged.length > 0 && byTime && session.maxTs > wm) session.timer = true;
      }
      if (!isLate(session)) {
        panes.set(session.label, session);
        session.ids.push(element.id);
        taken = true;
        onElement(element.key, session);
      }
    } else {
      const windows: Pane[] = [];
      if (c.assigner === 'tumbling') windows.push(pane(floorTo(ts, SIZE), floorTo(ts, SIZE) + SIZE));
      else if (c.assigner === 'sliding') for (let s = floorTo(ts, SLIDE); s > ts - SIZE; s -= SLIDE) windows.push(pane(s, s + SIZE));
      else windows.push(pane(0, 0, 'global'));
      for (const w of windows) {
        if (isLate(w)) continue;
        const p = panes.get(w.label) ?? w;
        panes.set(p.label, p);
        p.ids.push(element.id);
        taken = true;
        onElement(element.key, p);
      }
    }
    if (!taken && eventTime && ts + c.lateness <= wm) {
      if (withLateTag) records.push(`late|${element.key}|${element.id}@${ts}`);
      else dropped++;
    }
  }
  return { records: records.sort(), dropped };
}

// ---- the engine's side of a case ----------------------------------------------------------------

export function assignerOf(kind: AssignerKind): WindowAssigner<Element, Window> {
  switch (kind) {
    case 'tumbling':
      return TumblingEventTimeWindows.of(SIZE);
    case 'sliding':
      return SlidingEventTimeWindows.of(SIZE, SLIDE);
    case 'session':
      return EventTimeSessionWindows.withGap(GAP);
    case 'dynamic-session':
      return DynamicEventTimeSessionWindows.withDynamicGap<Element>((e) => e.gap) as WindowAssigner<Element, Window>;
    case 'global':
      return GlobalWindows.create();
  }
}

/** The trigger of a case; undefined for the assigner's default. */
export function triggerOf(kind: TriggerKind, assigner: WindowAssigner<Element, Window>): Trigger<any, any> | undefined {
  switch (kind) {
    case 'default':
      return undefined;
    case 'count':
      return CountTrigger.of(COUNT);
    case 'purging-default':
      return PurgingTrigger.of(assigner.getDefaultTrigger());
    case 'purging-count':
      return PurgingTrigger.of(CountTrigger.of(COUNT));
  }
}

export function windowLabel(window: Window): string {
  return window instanceof TimeWindow ? `${window.start},${window.end}` : 'global';
}

/** "key|window|ids" of a fired pane, from its elements (process). */
export function describePane(key: string, context: ProcessWindowFunctionContext<Window>, elements: Iterable<Element>, out: Collector<string>): void {
  const ids = [...elements].map((e) => e.id).sort((a, b) => a - b);
  out.collect(`${key}|${windowLabel(context.window())}|${ids.join(',')}`);
}

/** The ids of a pane as an accumulator, for the incremental (aggregate) variant. */
export class IdsAggregate implements AggregateFunction<Element, number[], number[]> {
  createAccumulator(): number[] {
    return [];
  }
  add(value: Element, accumulator: number[]): number[] {
    return [...accumulator, value.id];
  }
  getResult(accumulator: number[]): number[] {
    return [...accumulator].sort((a, b) => a - b);
  }
  merge(a: number[], b: number[]): number[] {
    return [...a, ...b];
  }
}

export function describeAggregate(key: string, context: ProcessWindowFunctionContext<Window>, results: Iterable<number[]>, out: Collector<string>): void {
  for (const ids of results) out.collect(`${key}|${windowLabel(context.window())}|${ids.join(',')}`);
}

/** Every case of the matrix. */
export function allCases(latenesses: readonly number[] = [0, 70]): Case[] {
  const cases: Case[] = [];
  for (const assigner of ASSIGNERS) for (const trigger of TRIGGERS) for (const lateness of latenesses) cases.push({ assigner, trigger, lateness });
  return cases;
}

export function caseName(c: Case): string {
  return `${c.assigner} × ${c.trigger} × lateness ${c.lateness}`;
}
