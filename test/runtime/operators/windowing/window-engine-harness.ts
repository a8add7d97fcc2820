/*
 * The engine side of the differential window tests: a window operator for a case of the
 * reference (assigner x trigger x lateness), incremental (AggregateFunction) or not (elements in
 * ListState), with or without a late side output, in a keyed harness; and its outcome in the
 * reference's terms.
 */
import { OutputTag } from '../../../../src/api/common/output-tag.ts';
import type { Window } from '../../../../src/api/windowing/windows/window.ts';
import { processWindowFunctionCall } from '../../../../src/runtime/operators/windowing/internal-window-function.ts';
import { WindowOperatorBuilder } from '../../../../src/runtime/operators/windowing/window-operator-builder.ts';
import { LATE_ELEMENTS_DROPPED_METRIC_NAME, type WindowOperator } from '../../../../src/runtime/operators/windowing/window-operator.ts';
import { OneInputOperatorTestHarness } from '../harness.ts';
import { IdsAggregate, assignerOf, describeAggregate, describePane, triggerOf, type Case, type Element, type Outcome } from './window-reference.ts';

const late = new OutputTag<Element>('late');

/** An opened harness around the window operator of case `c`. */
export async function openCaseHarness(c: Case, incremental: boolean, withLateTag: boolean): Promise<OneInputOperatorTestHarness<Element, string>> {
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
  return harness;
}

/** Fired panes and late elements as "key|window|ids@timestamp" / "late|key|id@timestamp", sorted, and the dropped count. */
export function outcomeOf(harness: OneInputOperatorTestHarness<Element, string>): Outcome {
  const records = harness.getOutput().map((r) => `${r.value}@${r.timestamp}`);
  for (const r of harness.getSideOutput(late)) records.push(`late|${r.value.key}|${r.value.id}@${r.timestamp}`);
  return { records: records.sort(), dropped: harness.runtimeContext.getMetricGroup().counter(LATE_ELEMENTS_DROPPED_METRIC_NAME).getCount() };
}
