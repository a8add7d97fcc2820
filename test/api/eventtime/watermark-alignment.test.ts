/*
 * End-to-end tests of watermark alignment (Flink's FLIP-182/217): sources in one group report
 * their watermarks, the coordinators announce the group's minimum plus the maximum drift, and a
 * reader that runs ahead stops polling (or pauses the split that runs ahead) until the others
 * catch up; a finished source no longer holds the group back. Two sources of different speeds:
 * with alignment the fast one never gets more than the drift (plus one record) ahead of the slow
 * one; without it, it runs away.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Boundedness,
  InputStatus,
  JsonSplitSerializer,
  StreamExecutionEnvironment,
  Watermark,
  WatermarkStrategy,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from 'flink-ts';

interface Rec {
  readonly split: string;
  readonly ts: number;
}

interface Pace {
  readonly id: string;
  /** Timestamps 0, step, 2 step, ... (count records). */
  readonly step: number;
  readonly count: number;
  /** Wall-clock pause between records (0: as fast as the reader is polled). */
  readonly pauseMs: number;
  /** Pause after the first record, so that alignment is in place before the split runs. */
  readonly warmupMs?: number;
}

class PacedSplit {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }
  splitId(): string {
    return this.id;
  }
}

/** One subtask reads every split, each at its pace, each through its own split output. */
class PacedSource implements Source<Rec, PacedSplit, null> {
  readonly paces: readonly Pace[];
  readonly onEmit: (rec: Rec) => void;
  readonly pauseCalls: string[] = [];

  constructor(paces: readonly Pace[], onEmit: (rec: Rec) => void) {
    this.paces = paces;
    this.onEmit = onEmit;
  }

  getBoundedness(): Boundedness {
    return Boundedness.BOUNDED;
  }

  createEnumerator(context: SplitEnumeratorContext<PacedSplit>): SplitEnumerator<PacedSplit, null> {
    const paces = this.paces;
    return {
      start() {},
      handleSplitRequest() {},
      addSplitsBack() {},
      addReader(subtask: number) {
        context.assignSplits(new Map([[subtask, paces.map((p) => new PacedSplit(p.id))]]));
        context.signalNoMoreSplits(subtask);
      },
      snapshotState: () => null,
      close() {},
    };
  }

  restoreEnumerator(context: SplitEnumeratorContext<PacedSplit>): SplitEnumerator<PacedSplit, null> {
    return this.createEnumerator(context);
  }

  createReader(): SourceReader<Rec, PacedSplit> {
    return new PacedReader(this);
  }

  getSplitSerializer(): JsonSplitSerializer<PacedSplit> {
    return new JsonSplitSerializer((json: { id: string }) => new PacedSplit(json.id));
  }

  getEnumeratorCheckpointSerializer(): JsonSplitSerializer<null> {
    return new JsonSplitSerializer(() => null);
  }
}

class PacedReader implements SourceReader<Rec, PacedSplit> {
  private readonly source: PacedSource;
  private readonly state = new Map<string, { pace: Pace; next: number; due: number }>();
  private readonly paused = new Set<string>();
  private noMoreSplits = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;

  constructor(source: PacedSource) {
    this.source = source;
  }

  start(): void {}

  pollNext(output: ReaderOutput<Rec>): InputStatus {
    const now = performance.now();
    let emitted = false;
    for (const [id, s] of this.state) {
      if (this.paused.has(id) || s.due > now) continue;
      const rec = { split: id, ts: s.next * s.pace.step };
      this.source.onEmit(rec);
      output.createOutputForSplit(id).collect(rec, rec.ts);
      emitted = true;
      s.next++;
      s.due = now + (s.next === 1 ? (s.pace.warmupMs ?? 0) : s.pace.pauseMs);
      if (s.next === s.pace.count) {
        output.releaseOutputForSplit(id);
        this.state.delete(id);
      }
    }
    if (this.state.size === 0 && this.noMoreSplits) return InputStatus.END_OF_INPUT;
    return emitted ? InputStatus.MORE_AVAILABLE : InputStatus.NOTHING_AVAILABLE;
  }

  isAvailable(): Promise<void> {
    const now = performance.now();
    let due = Number.POSITIVE_INFINITY;
    for (const [id, s] of this.state) if (!this.paused.has(id)) due = Math.min(due, s.due);
    if (due <= now || (this.state.size === 0 && this.noMoreSplits)) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
      if (Number.isFinite(due)) this.timer = setTimeout(() => this.signal(), due - now);
    });
  }

  private signal(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  pauseOrResumeSplits(toPause: readonly string[], toResume: readonly string[]): void {
    for (const id of toPause) {
      this.paused.add(id);
      this.source.pauseCalls.push(`pause ${id}`);
    }
    for (const id of toResume) {
      this.paused.delete(id);
      this.source.pauseCalls.push(`resume ${id}`);
    }
    if (toResume.length > 0) this.signal();
  }

  addSplits(splits: PacedSplit[]): void {
    for (const split of splits) {
      const pace = this.source.paces.find((p) => p.id === split.id)!;
      this.state.set(split.id, { pace, next: 0, due: 0 });
    }
    this.signal();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.signal();
  }

  snapshotState(): PacedSplit[] {
    return [...this.state.keys()].map((id) => new PacedSplit(id));
  }

  close(): void {
    this.signal();
  }
}

const DRIFT = 100;
const STEP = 10;
const SLOW: Pace = { id: 'slow', step: STEP, count: 80, pauseMs: 4 };
const FAST: Pace = { id: 'fast', step: STEP, count: 150, pauseMs: 0, warmupMs: 150 };

/** Punctuated: each record's timestamp is its split's watermark, so the reader's watermark is exact. */
function strategy(aligned: boolean): WatermarkStrategy<Rec> {
  const base = WatermarkStrategy.forGenerator<Rec>(() => ({ onEvent: (_e, ts, out) => out.emitWatermark(new Watermark(ts)), onPeriodicEmit: () => {} }));
  return aligned ? base.withWatermarkAlignment('group', DRIFT, 10) : base;
}

/** Watches how far the fast split gets ahead of the slow one while the slow one runs. */
function progress() {
  const p = { slowMax: -1, slowDone: false, fastWhileSlowRuns: -1, maxLead: Number.NEGATIVE_INFINITY, fastCount: 0 };
  const onEmit = (rec: Rec): void => {
    if (rec.split === 'slow') {
      p.slowMax = rec.ts;
      if (rec.ts === (SLOW.count - 1) * STEP) p.slowDone = true;
    } else if (!p.slowDone) {
      p.fastCount++;
      p.fastWhileSlowRuns = rec.ts;
      // The first record comes before the warm-up, when nothing is announced yet.
      if (p.fastCount > 1) p.maxLead = Math.max(p.maxLead, rec.ts - p.slowMax);
    }
  };
  return { p, onEmit };
}

function env(): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1, 'pipeline.auto-watermark-interval': 10 });
}

describe('Watermark alignment', () => {
  for (const aligned of [true, false]) {
    it(`two sources of different speeds in one group: ${aligned ? 'the fast one waits for the slow one' : 'without alignment the fast one runs away'}`, { timeout: 30_000 }, async () => {
      const { p, onEmit } = progress();
      const e = env();
      const slow = e.fromSource(new PacedSource([SLOW], onEmit), strategy(aligned), 'slow');
      const fast = e.fromSource(new PacedSource([FAST], onEmit), strategy(aligned), 'fast');
      const seen: number[] = [];
      slow.union(fast).addSink((r: Rec) => void seen.push(r.ts));
      await e.execute();
      assert.equal(seen.length, SLOW.count + FAST.count, 'every record arrives, also after the slow source finished');
      if (aligned) {
        assert.ok(p.maxLead <= DRIFT + STEP, `the fast source led by ${p.maxLead}`);
        assert.ok(p.fastWhileSlowRuns < (FAST.count - 1) * STEP, 'the fast source finished only after the slow one');
      } else {
        assert.ok(p.maxLead > DRIFT + STEP, `the fast source led by only ${p.maxLead}`);
      }
    });
  }

  it('one reader, two splits: the split that runs ahead is paused while the other goes on', { timeout: 30_000 }, async () => {
    const { p, onEmit } = progress();
    const source = new PacedSource([SLOW, FAST], onEmit);
    const e = env();
    const seen: number[] = [];
    e.fromSource(source, strategy(true), 'two splits').addSink((r: Rec) => void seen.push(r.ts));
    await e.execute();
    assert.equal(seen.length, SLOW.count + FAST.count);
    assert.ok(p.maxLead <= DRIFT + STEP, `the fast split led by ${p.maxLead}`);
    // (While the fast split warms up, the slow one is ahead and may be paused too.)
    assert.ok(source.pauseCalls.includes('pause fast'), source.pauseCalls.join(', '));
    assert.ok(source.pauseCalls.includes('resume fast'));
  });
});
