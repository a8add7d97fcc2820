/*
 * CoBroadcastWithNonKeyedOperator driven record by record: the broadcast side (input 2) writes the
 * broadcast state, the other side reads it; writes from the read-only side and unknown states fail
 * clearly; contexts report timestamps, watermarks and time; the broadcast state survives a
 * snapshot and a restore at another parallelism.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BroadcastProcessFunction,
  ErrorCodes,
  FlinkError,
  OutputTag,
  type BroadcastContext,
  type Collector,
  type FunctionInitializationContext,
  type ReadOnlyBroadcastContext,
} from 'flink-ts';
import { MapStateDescriptor } from '../../../src/api/state/state-descriptor.ts';
import { CoBroadcastWithNonKeyedOperator } from '../../../src/runtime/operators/co-broadcast-with-non-keyed-operator.ts';
import { assertFlinkError, thrown } from '../../helpers.ts';
import { TwoInputOperatorTestHarness } from './harness.ts';
import { restoreRescaled, snapshotOperatorState } from './operator-state-harness.ts';

const RULES = new MapStateDescriptor<string, number>('thresholds');

/** Events are "name:value"; thresholds are [name, limit]; emits events above their threshold. */
class ThresholdAlert extends BroadcastProcessFunction<string, [string, number], string> {
  processElement(event: string, ctx: ReadOnlyBroadcastContext, out: Collector<string>): void {
    const [name, value] = event.split(':') as [string, string];
    const limit = ctx.getBroadcastState(RULES).get(name);
    if (limit !== undefined && Number(value) > limit) out.collect(`${name} ${value} > ${limit}`);
  }
  processBroadcastElement(rule: [string, number], ctx: BroadcastContext, _out: Collector<string>): void {
    ctx.getBroadcastState(RULES).put(rule[0], rule[1]);
  }
}

function harness<F extends ThresholdAlert>(fn: F, subtask = 0, parallelism = 1): TwoInputOperatorTestHarness<string, [string, number], string> {
  return new TwoInputOperatorTestHarness(new CoBroadcastWithNonKeyedOperator(fn, [RULES]), { operatorName: 'alerts', subtaskIndex: subtask, parallelism });
}

describe('CoBroadcastWithNonKeyedOperator', () => {
  it('the broadcast side writes the state, the other side reads the latest value', async () => {
    const h = harness(new ThresholdAlert());
    await h.open();
    h.processElement1('cpu:90', 1);
    h.processElement2(['cpu', 80], 2);
    h.processElement1('cpu:90', 3);
    h.processElement1('mem:90', 4);
    h.processElement2(['cpu', 95], 5);
    h.processElement1('cpu:90', 6);
    assert.deepEqual(h.getOutput(), [{ value: 'cpu 90 > 80', timestamp: 3 }]);
  });

  it('writing through the read-only side fails, naming the state and the operator', async () => {
    for (const write of [
      (ctx: ReadOnlyBroadcastContext) => (ctx.getBroadcastState(RULES) as unknown as { put(k: string, v: number): void }).put('x', 1),
      (ctx: ReadOnlyBroadcastContext) => (ctx.getBroadcastState(RULES) as unknown as { remove(k: string): void }).remove('x'),
      (ctx: ReadOnlyBroadcastContext) => (ctx.getBroadcastState(RULES) as unknown as { clear(): void }).clear(),
    ]) {
      class Writer extends ThresholdAlert {
        override processElement(_event: string, ctx: ReadOnlyBroadcastContext): void {
          write(ctx);
        }
      }
      const h = harness(new Writer());
      await h.open();
      const error = assertFlinkError(
        thrown(() => h.processElement1('cpu:1')),
        ErrorCodes.FLINK_TS_USER_FUNCTION,
        /operator 'alerts' \(subtask 1\/1\)/,
        /Broadcast state 'thresholds' .* is read-only in processElement\(\)/,
        /only allowed in processBroadcastElement\(\)/,
      );
      assert.ok(FlinkError.isFlinkError(error.cause));
      assert.equal(error.cause.code, ErrorCodes.FLINK_TS_ILLEGAL_STATE);
    }
  });

  it('a state that was not given to broadcast() does not exist', async () => {
    class Typo extends ThresholdAlert {
      override processBroadcastElement(rule: [string, number], ctx: BroadcastContext): void {
        ctx.getBroadcastState(new MapStateDescriptor<string, number>('tresholds')).put(rule[0], rule[1]);
      }
    }
    const h = harness(new Typo());
    await h.open();
    assertFlinkError(
      thrown(() => h.processElement2(['cpu', 1])),
      ErrorCodes.FLINK_TS_USER_FUNCTION,
      /broadcast state 'tresholds' does not exist in operator 'alerts' \(subtask 1\/1\) \(registered: 'thresholds'\)/,
      /datastream\.broadcast\(\.\.\.\)/,
    );
  });

  it('contexts report the record timestamp, the combined watermark and processing time', async () => {
    const seen: unknown[] = [];
    const side = new OutputTag<string>('side');
    class Probe extends ThresholdAlert {
      override processElement(event: string, ctx: ReadOnlyBroadcastContext): void {
        seen.push(['element', ctx.timestamp(), ctx.currentWatermark(), ctx.currentProcessingTime()]);
        ctx.output(side, event);
      }
      override processBroadcastElement(rule: [string, number], ctx: BroadcastContext): void {
        seen.push(['broadcast', ctx.timestamp(), ctx.currentWatermark()]);
        ctx.output(side, rule[0]);
      }
    }
    const h = harness(new Probe());
    await h.open();
    h.setProcessingTime(42);
    h.processElement1('a');
    h.processWatermark1(10);
    h.processWatermark2(5);
    h.processElement1('b', 7);
    h.processElement2(['r', 1], 8);
    assert.deepEqual(seen, [
      ['element', null, Number.MIN_SAFE_INTEGER, 42],
      ['element', 7, 5, 42],
      ['broadcast', 8, 5],
    ]);
    assert.deepEqual(h.getWatermarks(), [5]);
    assert.deepEqual(h.getSideOutput(side).map((r) => r.value), ['a', 'b', 'r']);
  });

  it('keeps the broadcast state through a snapshot and a restore at parallelism 3', async () => {
    const h = harness(new ThresholdAlert());
    await h.open();
    h.processElement2(['cpu', 80]);
    h.processElement2(['mem', 50]);
    const snapshot = await snapshotOperatorState(h);
    const restored = await restoreRescaled([snapshot], 3, (subtask, parallelism) => harness(new ThresholdAlert(), subtask, parallelism));
    for (const r of restored) {
      r.processElement1('cpu:81');
      r.processElement1('mem:10');
      assert.deepEqual(r.getValues(), ['cpu 81 > 80']);
    }
  });

  it('a CheckpointedFunction is initialized before open() and sees the same broadcast state', async () => {
    const calls: string[] = [];
    class Checkpointed extends ThresholdAlert {
      initializeState(ctx: FunctionInitializationContext): void {
        calls.push(`initializeState restored=${ctx.isRestored()} keyed=${ctx.getKeyedStateStore() !== undefined}`);
        ctx.getOperatorStateStore().getBroadcastState(RULES).put('preset', 1);
      }
      snapshotState(): void {}
      override open(): void {
        calls.push('open');
      }
    }
    const h = harness(new Checkpointed());
    await h.open();
    h.processElement1('preset:2');
    assert.deepEqual(calls, ['initializeState restored=false keyed=false', 'open']);
    assert.deepEqual(h.getValues(), ['preset 2 > 1']);
  });

  it('rejects a function without processBroadcastElement', () => {
    assert.throws(
      () => new CoBroadcastWithNonKeyedOperator({ processElement() {} } as never, [RULES]),
      /BroadcastProcessFunction must be an object with processElement\(\) and processBroadcastElement\(\) methods/,
    );
  });
});
