/*
 * Helpers of the window operator tests: operators built the way WindowedStream builds them
 * (WindowOperatorBuilder), driven through the operator test harness with a keyed heap backend,
 * on (key, value) tuples as Flink's WindowOperatorTest uses.
 */
import type { TestContext } from 'node:test';
import type { OutputTag } from '../../../../src/api/common/output-tag.ts';
import type { AggregateFunction } from '../../../../src/api/state/state.ts';
import type { WindowAssigner } from '../../../../src/api/windowing/assigners/window-assigner.ts';
import type { Evictor } from '../../../../src/api/windowing/evictors/evictor.ts';
import type { Trigger } from '../../../../src/api/windowing/triggers/trigger.ts';
import type { Window } from '../../../../src/api/windowing/windows/window.ts';
import type { ProcessWindowFunctionLike, WindowFunction } from '../../../../src/api/functions/window-functions.ts';
import { windowFunctionSpec } from '../../../../src/api/datastream/windowed-stream.ts';
import { passThroughWindowFunctionCall, processWindowFunctionCall } from '../../../../src/runtime/operators/windowing/internal-window-function.ts';
import { WindowOperatorBuilder } from '../../../../src/runtime/operators/windowing/window-operator-builder.ts';
import type { WindowOperator } from '../../../../src/runtime/operators/windowing/window-operator.ts';
import { OneInputOperatorTestHarness, type HarnessOptions } from '../harness.ts';

export type Tuple = [string, number];

export const keyOf = (t: Tuple): string => t[0];
export const sum = (a: Tuple, b: Tuple): Tuple => [a[0], a[1] + b[1]];

/** Sums the values of a pane: accumulator [key, sum]. */
export class SumAggregator implements AggregateFunction<Tuple, Tuple, Tuple> {
  createAccumulator(): Tuple {
    return ['', 0];
  }
  add(value: Tuple, acc: Tuple): Tuple {
    return [value[0], acc[1] + value[1]];
  }
  getResult(acc: Tuple): Tuple {
    return acc;
  }
  merge(a: Tuple, b: Tuple): Tuple {
    return [a[0] || b[0], a[1] + b[1]];
  }
}

/** Emits `key-sum` with the window's bounds, as Flink's SessionWindowFunction. */
export function windowSummary(key: string, window: { start: number; end: number }, input: Iterable<Tuple>): string {
  let total = 0;
  for (const t of input) total += t[1];
  return `${key}-${total}:${window.start}-${window.end}`;
}

export interface WindowSetup<W extends Window> {
  readonly assigner: WindowAssigner<Tuple, W>;
  readonly trigger?: Trigger<any, W>;
  readonly evictor?: Evictor<any, W>;
  readonly allowedLateness?: number;
  readonly lateTag?: OutputTag<Tuple>;
}

function builderFor<W extends Window>(setup: WindowSetup<W>): WindowOperatorBuilder<Tuple, string, W> {
  const builder = new WindowOperatorBuilder<Tuple, string, W>(setup.assigner, keyOf);
  if (setup.trigger !== undefined) builder.trigger(setup.trigger);
  if (setup.evictor !== undefined) builder.evictor(setup.evictor);
  if (setup.allowedLateness !== undefined) builder.allowedLateness(setup.allowedLateness);
  if (setup.lateTag !== undefined) builder.sideOutputLateData(setup.lateTag);
  return builder;
}

export function reduceOperator<W extends Window>(setup: WindowSetup<W>): WindowOperator<string, Tuple, any, Tuple, W> {
  return builderFor(setup).reduce(sum, { fn: null, call: () => passThroughWindowFunctionCall() })(0) as WindowOperator<string, Tuple, any, Tuple, W>;
}

export function reduceWithFunctionOperator<W extends Window, R>(setup: WindowSetup<W>, fn: ProcessWindowFunctionLike<Tuple, R, string, W> | WindowFunction<Tuple, R, string, W>) {
  return builderFor(setup).reduce(sum, windowFunctionSpec(fn))(0) as WindowOperator<string, Tuple, any, R, W>;
}

export function aggregateOperator<W extends Window>(setup: WindowSetup<W>): WindowOperator<string, Tuple, any, Tuple, W> {
  return builderFor(setup).aggregate(new SumAggregator(), { fn: null, call: () => passThroughWindowFunctionCall() })(0) as WindowOperator<string, Tuple, any, Tuple, W>;
}

export function processOperator<W extends Window, R>(setup: WindowSetup<W>, fn: ProcessWindowFunctionLike<Tuple, R, string, W>): WindowOperator<string, Tuple, any, R, W> {
  return builderFor(setup).apply({ fn, call: processWindowFunctionCall })(0) as WindowOperator<string, Tuple, any, R, W>;
}

export function applyOperator<W extends Window, R>(setup: WindowSetup<W>, fn: WindowFunction<Tuple, R, string, W>): WindowOperator<string, Tuple, any, R, W> {
  return builderFor(setup).apply(windowFunctionSpec(fn))(0) as WindowOperator<string, Tuple, any, R, W>;
}

/** Opens a keyed harness around the operator and closes it when the test ends. */
export async function openHarness<OUT>(t: TestContext, operator: WindowOperator<string, Tuple, any, OUT, any>, options: HarnessOptions = {}): Promise<OneInputOperatorTestHarness<Tuple, OUT>> {
  const harness = new OneInputOperatorTestHarness<Tuple, OUT>(operator, { keyed: true, ...options });
  await harness.open();
  t.after(() => harness.close());
  return harness;
}

/** The main output as sorted "value@timestamp" strings (order among equal timestamps is not defined). */
export function outputOf<OUT>(harness: OneInputOperatorTestHarness<Tuple, OUT>, render: (v: OUT) => string = (v) => JSON.stringify(v)): string[] {
  return harness.getOutput().map((r) => `${render(r.value)}@${r.timestamp}`).sort();
}

/** Takes (and clears) the main output, sorted. */
export function drain<OUT>(harness: OneInputOperatorTestHarness<Tuple, OUT>, render?: (v: OUT) => string): string[] {
  const out = outputOf(harness, render);
  harness.clearOutput();
  return out;
}

export const tuple = (v: Tuple): string => `${v[0]}:${v[1]}`;
