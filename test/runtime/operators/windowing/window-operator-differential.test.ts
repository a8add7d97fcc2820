/*
 * Differential test of the window operator against the reference of Flink's window semantics
 * (window-reference.ts): for every assigner × trigger × lateness combination, many random
 * out-of-order inputs with explicit watermarks, evaluated with a ProcessWindowFunction (elements
 * in ListState) or incrementally (AggregatingState), with and without a late side output. The
 * multisets of fired panes, late elements and the dropped-element count must be equal.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTag } from '../../../../src/api/common/output-tag.ts';
import type { Window } from '../../../../src/api/windowing/windows/window.ts';
import { processWindowFunctionCall } from '../../../../src/runtime/operators/windowing/internal-window-function.ts';
import { WindowOperatorBuilder } from '../../../../src/runtime/operators/windowing/window-operator-builder.ts';
import { LATE_ELEMENTS_DROPPED_METRIC_NAME, type WindowOperator } from '../../../../src/runtime/operators/windowing/window-operator.ts';
import { OneInputOperatorTestHarness } from '../harness.ts';
import {
  IdsAggregate,
  allCases,
  assignerOf,
  caseName,
  describeAggregate,
  describePane,
  randomEvents,
  reference,
  triggerOf,
  type Case,
  type Element,
  type Event,
  type Outcome,
} from './window-reference.ts';

const SEEDS_PER_CASE = 12;
const late = new OutputTag<Element>('late');

async function engine(events: readonly Event[], c: Case, incremental: boolean, withLateTag: boolean): Promise<Outcome> {
  const assigner = assignerOf(c.assigner);
  const builder = new WindowOperatorBuilder<Element, string, Window>(assigner, (e) => e.key);
  const trigger = triggerOf(c.trigger, assigner);
  if (trigger !== undefined) builder.trigger(trigger);
  builder.allowedLateness(c.lateness);
  if (withLateTag) builder.sideOutputLateData(late);
  const factory = incremental
    ? builder.aggregate(new IdsAggregate(), { fn: { process: describeAggregate }, call: processWindowFunctionCall })
    : builder.apply({ fn: { process: describePane }, call: processWindowFunctionCall });
  const operator = factory(0) as WindowOperator<string, Element, unknown, string, Window>;
  const harness = new OneInputOperatorTestHarness<Element, string>(operator, { keyed: true });
  await harness.open();
  try {
    for (const event of events) {
      if (event.kind === 'record') harness.processElement(event.element, event.ts);
      else harness.processWatermark(event.ts);
    }
    const records = harness.getOutput().map((r) => `${r.value}@${r.timestamp}`);
    for (const r of harness.getSideOutput(late)) records.push(`late|${r.value.key}|${r.value.id}@${r.timestamp}`);
    return { records: records.sort(), dropped: harness.runtimeContext.getMetricGroup().counter(LATE_ELEMENTS_DROPPED_METRIC_NAME).getCount() };
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
