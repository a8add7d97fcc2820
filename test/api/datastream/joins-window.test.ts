/*
 * End-to-end tests of the window join and coGroup (DataStream.join / DataStream.coGroup) against
 * a brute-force join and coGroup per key and window, on randomized inputs at parallelism 1 and 3:
 * tumbling windows with and without offset, sliding windows, and session windows that merge
 * across both inputs; JoinFunction, FlatJoinFunction and CoGroupFunction in plain and rich forms,
 * whose lifecycle and runtime context reach the user's function through the coGroup wrappers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EventTimeSessionWindows,
  RichCoGroupFunction,
  RichFlatJoinFunction,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  type Collector,
  type TimeWindow,
  type WindowAssigner,
} from 'flink-ts';
import { env, events, ids, mulberry32, referenceJoin, referenceTimeWindows, stamp, timestamped, type Event, type RefWindow } from './joins-helpers.ts';

/** Sessions per key over both inputs: a gap larger than `gap` after the latest element ends one. */
function referenceSessions(left: Event[], right: Event[], gap: number): RefWindow[] {
  const tagged = [...left.map((e) => ({ e, side: 'left' as const })), ...right.map((e) => ({ e, side: 'right' as const }))];
  const out: RefWindow[] = [];
  for (const key of new Set(tagged.map((t) => t.e.key))) {
    const mine = tagged.filter((t) => t.e.key === key).sort((a, b) => a.e.ts - b.e.ts);
    let current: { left: Event[]; right: Event[]; maxTs: number } | null = null;
    const close = () => current !== null && out.push({ key, maxTimestamp: current.maxTs + gap - 1, left: current.left, right: current.right });
    for (const t of mine) {
      if (current === null || t.e.ts > current.maxTs + gap) {
        close();
        current = { left: [], right: [], maxTs: t.e.ts };
      }
      current[t.side].push(t.e);
      current.maxTs = Math.max(current.maxTs, t.e.ts);
    }
    close();
  }
  return out;
}

function referenceCoGroup(windows: RefWindow[]): string[] {
  return windows.map((w) => `${w.key}|${ids(w.left)}|${ids(w.right)}@${w.maxTimestamp}`).sort();
}

/** What the flat join below emits for a pair: none, one or two records, depending on the timestamps. */
function flatJoinResults(l: Event, r: Event): string[] {
  const n = (l.ts + r.ts) % 3;
  return n === 0 ? [] : Array.from({ length: n }, (_, i) => `${l.id}:${r.id}#${i}`);
}

// ---- the tests -----------------------------------------------------------------------------------

const assigners: { name: string; make: () => WindowAssigner<unknown, TimeWindow>; reference: (l: Event[], r: Event[]) => RefWindow[] }[] = [
  { name: 'tumbling 10', make: () => TumblingEventTimeWindows.of(10), reference: (l, r) => referenceTimeWindows(l, r, 10, 10, 0) },
  { name: 'tumbling 7, offset 3', make: () => TumblingEventTimeWindows.of(7, 3), reference: (l, r) => referenceTimeWindows(l, r, 7, 7, 3) },
  { name: 'sliding 12 / 4', make: () => SlidingEventTimeWindows.of(12, 4), reference: (l, r) => referenceTimeWindows(l, r, 12, 4, 0) },
];

describe('window join and coGroup against a brute-force reference per window', () => {
  for (const parallelism of [1, 3]) {
    for (const assigner of assigners) {
      it(`join, flat join and coGroup in ${assigner.name} windows (parallelism ${parallelism})`, { timeout: 30_000 }, async () => {
        const random = mulberry32(parallelism * 1000 + assigner.name.length);
        const leftData = events(random, 'L', 100);
        const rightData = events(random, 'R', 100);
        const windows = assigner.reference(leftData, rightData);

        const e = env(parallelism);
        const left = timestamped(e, leftData);
        const right = timestamped(e, rightData);
        const joined = await left
          .join(right)
          .where((ev) => ev.key)
          .equalTo((ev) => ev.key)
          .window(assigner.make())
          .apply((l: Event, r: Event) => `${l.id}:${r.id}`)
          .process(stamp)
          .executeAndCollect();
        const expectedPairs = referenceJoin(windows);
        assert.ok(expectedPairs.length > 100, `enough pairs to mean something (${expectedPairs.length})`);
        assert.deepEqual([...joined].sort(), expectedPairs, 'join');

        const lifecycle = { opened: 0, closed: 0, subtasks: new Set<number>() };
        class FlatJoin extends RichFlatJoinFunction<Event, Event, string> {
          private opened = false;
          override open(): void {
            this.opened = true;
            lifecycle.opened++;
          }
          override close(): void {
            lifecycle.closed++;
          }
          join(l: Event, r: Event, out: Collector<string>): void {
            assert.ok(this.opened, 'open() reached the function before the first pair');
            lifecycle.subtasks.add(this.getRuntimeContext().getIndexOfThisSubtask());
            for (const v of flatJoinResults(l, r)) out.collect(v);
          }
        }
        const flat = await timestamped(e, leftData)
          .join(timestamped(e, rightData))
          .where((ev) => ev.key)
          .equalTo({ getKey: (ev: Event) => ev.key })
          .window(assigner.make())
          .apply(new FlatJoin())
          .executeAndCollect();
        const expectedFlat = windows.flatMap((w) => w.left.flatMap((l) => w.right.flatMap((r) => flatJoinResults(l, r))));
        assert.deepEqual([...flat].sort(), expectedFlat.sort(), 'flat join');
        assert.equal(lifecycle.opened, parallelism, 'each subtask opened its copy of the function');
        assert.equal(lifecycle.closed, parallelism);
        assert.ok(lifecycle.subtasks.size >= 1 && [...lifecycle.subtasks].every((s) => s < parallelism));

        const coGrouped = await timestamped(e, leftData)
          .coGroup(timestamped(e, rightData))
          .where((ev) => ev.key)
          .equalTo((ev) => ev.key)
          .window(assigner.make())
          .apply({
            coGroup(l: Iterable<Event>, r: Iterable<Event>, out: Collector<string>) {
              const all = [...l, ...r];
              out.collect(`${all[0]!.key}|${ids(l)}|${ids(r)}`);
            },
          })
          .process(stamp)
          .executeAndCollect();
        assert.deepEqual([...coGrouped].sort(), referenceCoGroup(windows), 'coGroup');
      });
    }
  }

  for (const parallelism of [1, 3]) {
    it(`join and coGroup in session windows that merge across both inputs (parallelism ${parallelism})`, { timeout: 30_000 }, async () => {
      const gap = 5;
      const random = mulberry32(77 + parallelism);
      // Bursts per key: inside a burst the next element is less than a gap away, between bursts
      // at least three gaps, so every session is unambiguous.
      const leftData: Event[] = [];
      const rightData: Event[] = [];
      for (let k = 0; k < 4; k++) {
        let ts = k;
        for (let burst = 0; burst < 6; burst++) {
          ts += 3 * gap + Math.floor(random() * 10);
          const n = 1 + Math.floor(random() * 5);
          for (let i = 0; i < n; i++) {
            ts += Math.floor(random() * gap);
            const side = random() < 0.5 ? leftData : rightData;
            side.push({ key: `k${k}`, ts, id: `${side === leftData ? 'L' : 'R'}${k}-${burst}-${i}` });
          }
        }
      }
      leftData.sort((a, b) => a.ts - b.ts);
      rightData.sort((a, b) => a.ts - b.ts);
      const windows = referenceSessions(leftData, rightData, gap);

      const e = env(parallelism);
      const joined = await timestamped(e, leftData)
        .join(timestamped(e, rightData))
        .where((ev) => ev.key)
        .equalTo((ev) => ev.key)
        .window(EventTimeSessionWindows.withGap(gap))
        .apply({ join: (l: Event, r: Event) => `${l.id}:${r.id}` })
        .process(stamp)
        .executeAndCollect();
      const expectedPairs = referenceJoin(windows);
      assert.ok(expectedPairs.length > 10, `enough pairs to mean something (${expectedPairs.length})`);
      assert.deepEqual([...joined].sort(), expectedPairs);

      const events = { opened: 0 };
      class Grouping extends RichCoGroupFunction<Event, Event, string> {
        override open(): void {
          events.opened++;
        }
        coGroup(l: Iterable<Event>, r: Iterable<Event>, out: Collector<string>): void {
          out.collect(`${[...l, ...r][0]!.key}|${ids(l)}|${ids(r)}`);
        }
      }
      const coGrouped = await timestamped(e, leftData)
        .coGroup(timestamped(e, rightData))
        .where((ev) => ev.key)
        .equalTo((ev) => ev.key)
        .window(EventTimeSessionWindows.withGap(gap))
        .apply(new Grouping())
        .process(stamp)
        .executeAndCollect();
      assert.deepEqual([...coGrouped].sort(), referenceCoGroup(windows));
      assert.equal(events.opened, parallelism);
    });
  }
});
