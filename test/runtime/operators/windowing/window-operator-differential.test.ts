/*
 * Differential test of the window operator against the reference of Flink's window semantics
 * (window-reference.ts): for every assigner × trigger × lateness combination, many random
 * out-of-order inputs with explicit watermarks, evaluated with a ProcessWindowFunction (elements
 * in ListState) or incrementally (AggregatingState), with and without a late side output. The
 * multisets of fired panes, late elements and the dropped-element count must be equal.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openCaseHarness, outcomeOf } from './window-engine-harness.ts';
import { allCases, caseName, randomEvents, reference, type Case, type Event, type Outcome } from './window-reference.ts';

const SEEDS_PER_CASE = 12;

async function engine(events: readonly Event[], c: Case, incremental: boolean, withLateTag: boolean): Promise<Outcome> {
  const harness = await openCaseHarness(c, incremental, withLateTag);
  try {
    for (const event of events) {
      if (event.kind === 'record') harness.processElement(event.element, event.ts);
      else harness.processWatermark(event.ts);
    }
    return outcomeOf(harness);
  } finally {
    await harness.close();
  }
}

describe('WindowOperator against the reference of Flink window semantics', () => {
  allCases().forEach((c, caseIndex) => {
    it(caseName(c), async () => {
      let fired = 0;
      for (let i = 0; i < SEEDS_PER_CASE; i++) {
        const seed = 1000 * caseIndex + i;
        const events: Event[] = [...randomEvents(seed, 80), { kind: 'watermark', ts: Number.MAX_SAFE_INTEGER }];
        const incremental = i % 4 >= 2;
        const withLateTag = i % 2 === 0;
        const expected = reference(events, c, withLateTag);
        const actual = await engine(events, c, incremental, withLateTag);
        assert.deepEqual(actual, expected, `seed ${seed} (${incremental ? 'aggregate' : 'process'}, ${withLateTag ? 'late side output' : 'dropping late data'})`);
        fired += expected.records.length;
      }
      // Every combination must produce output, or it would compare nothing.
      if (!(c.assigner === 'global' && (c.trigger === 'default' || c.trigger === 'purging-default'))) assert.ok(fired > 0, 'the inputs fire windows');
    });
  });
});
