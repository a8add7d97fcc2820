/*
 * Differential test of the window operator behind several input channels, as a task with three
 * upstream subtasks runs it: each channel has its own out-of-order records and watermarks (one of
 * them lagging), channels go idle and come back, and the channels interleave at random. The
 * engine side is the runtime's StatusWatermarkValve feeding the operator; the reference side
 * computes the combined watermark with an independent statement of Flink's rule (the minimum over
 * active channels that have caught up; idle channels drop out; the output never goes back) and
 * runs the reference of window semantics over the merged stream. Fired panes, late elements and
 * dropped counts must be equal for every assigner × trigger × lateness combination.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusWatermarkValve } from '../../../../src/runtime/watermark/status-watermark-valve.ts';
import { openCaseHarness, outcomeOf } from './window-engine-harness.ts';
import { allCases, caseName, random, randomEvents, reference, type Case, type Event, type Outcome } from './window-reference.ts';

const CHANNELS = 3;
const SEEDS_PER_CASE = 4;

type ChannelEvent = { readonly channel: number } & ({ readonly kind: 'event'; readonly event: Event } | { readonly kind: 'idle' | 'active' });

/**
 * Three channels' inputs merged at random. Channel ids are disjoint (ids of channel c are
 * c * 1000 + i); channel 2 lags 150 ms behind; channels 1 and 2 (never 0, so the valve as a whole
 * never goes idle) have idle stretches without records.
 */
function multiChannelInput(seed: number): ChannelEvent[] {
  const rnd = random(seed);
  const perChannel: ChannelEvent[][] = [];
  for (let channel = 0; channel < CHANNELS; channel++) {
    const lag = channel === 2 ? 150 : 0;
    const out: ChannelEvent[] = [];
    let idle = false;
    for (const event of randomEvents(seed * 31 + channel, 40, 4)) {
      if (channel !== 0 && rnd() < 0.08) {
        idle = !idle;
        out.push({ channel, kind: idle ? 'idle' : 'active' });
      }
      if (idle && event.kind === 'record') continue; // an idle channel sends no records
      const shifted: Event =
        event.kind === 'record' ? { kind: 'record', element: { ...event.element, id: channel * 1000 + event.element.id }, ts: event.ts - lag } : { kind: 'watermark', ts: event.ts - lag };
      out.push({ channel, kind: 'event', event: shifted });
    }
    if (idle) out.push({ channel, kind: 'active' });
    perChannel.push(out);
  }
  const merged: ChannelEvent[] = [];
  const at = perChannel.map(() => 0);
  for (;;) {
    const open = perChannel.map((events, c) => (at[c]! < events.length ? c : -1)).filter((c) => c >= 0);
    if (open.length === 0) return merged;
    const c = open[Math.floor(rnd() * open.length)]!;
    merged.push(perChannel[c]![at[c]!++]!);
  }
}

/** Flink's combined watermark, stated independently of the valve: the merged stream the operator sees. */
function referenceStream(input: readonly ChannelEvent[]): Event[] {
  const wm = new Array<number>(CHANNELS).fill(Number.MIN_SAFE_INTEGER);
  const idle = new Array<boolean>(CHANNELS).fill(false);
  // A channel counts once it is active and its watermark has reached the output since it came back.
  const counts = new Array<boolean>(CHANNELS).fill(true);
  let out = Number.MIN_SAFE_INTEGER;
  const events: Event[] = [];
  const advance = (): void => {
    const live = wm.filter((_, c) => !idle[c] && counts[c]);
    if (live.length === 0) return;
    const min = Math.min(...live);
    if (min > out) {
      out = min;
      events.push({ kind: 'watermark', ts: out });
    }
  };
  for (const e of input) {
    const c = e.channel;
    if (e.kind === 'idle') {
      idle[c] = true;
      counts[c] = false;
      advance();
    } else if (e.kind === 'active') {
      idle[c] = false;
      counts[c] = wm[c]! >= out;
    } else if (e.kind !== 'event') {
      throw new Error('unreachable');
    } else if (e.event.kind === 'record') {
      events.push(e.event);
    } else if (e.event.ts > wm[c]! && !idle[c]) {
      wm[c] = e.event.ts;
      if (wm[c]! >= out) counts[c] = true;
      advance();
    }
  }
  return [...events, { kind: 'watermark', ts: Number.MAX_SAFE_INTEGER }];
}

async function engine(input: readonly ChannelEvent[], c: Case, incremental: boolean): Promise<Outcome> {
  const harness = await openCaseHarness(c, incremental, true);
  const valve = new StatusWatermarkValve(CHANNELS);
  const output = { emitWatermark: (ts: number) => harness.processWatermark(ts), emitWatermarkStatus: () => {} };
  try {
    for (const e of input) {
      if (e.kind !== 'event') valve.inputWatermarkStatus(e.kind === 'idle', e.channel, output);
      else if (e.event.kind === 'record') harness.processElement(e.event.element, e.event.ts);
      else valve.inputWatermark(e.event.ts, e.channel, output);
    }
    // End of input: every channel ends with MAX_WATERMARK.
    for (let ch = 0; ch < CHANNELS; ch++) valve.inputWatermark(Number.MAX_SAFE_INTEGER, ch, output);
    return outcomeOf(harness);
  } finally {
    await harness.close();
  }
}

describe('WindowOperator behind several channels with different watermark progress and idleness', () => {
  allCases().forEach((c, caseIndex) => {
    it(caseName(c), async () => {
      let lateOrFired = 0;
      for (let i = 0; i < SEEDS_PER_CASE; i++) {
        const seed = 7000 + 100 * caseIndex + i;
        const input = multiChannelInput(seed);
        assert.ok(input.some((e) => e.kind === 'idle'), 'the input has idle stretches');
        const expected = reference(referenceStream(input), c, true);
        const actual = await engine(input, c, i % 2 === 1);
        assert.deepEqual(actual, expected, `seed ${seed}`);
        lateOrFired += expected.records.length;
      }
      // GlobalWindows' default trigger never fires; everything else must produce output to compare.
      if (!(c.assigner === 'global' && (c.trigger === 'default' || c.trigger === 'purging-default'))) assert.ok(lateOrFired > 0, 'the inputs fire windows');
    });
  });
});
