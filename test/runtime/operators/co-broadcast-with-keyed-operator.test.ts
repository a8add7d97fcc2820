/*
 * CoBroadcastWithKeyedOperator driven record by record: keyed records see their key and the
 * broadcast state read-only, set timers whose onTimer sees the key and the broadcast state;
 * broadcast records write the state, have no key, and visit every key's keyed state with
 * applyToKeyedState.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCodes,
  KeyedBroadcastProcessFunction,
  type Collector,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedReadOnlyBroadcastContext,
} from 'flink-ts';
import { MapStateDescriptor, ValueStateDescriptor } from '../../../src/api/state/state-descriptor.ts';
import type { ValueState } from '../../../src/api/state/state.ts';
import { CoBroadcastWithKeyedOperator } from '../../../src/runtime/operators/co-broadcast-with-keyed-operator.ts';
import { assertFlinkError, thrown } from '../../helpers.ts';
import { TwoInputOperatorTestHarness } from './harness.ts';

interface Event {
  readonly user: string;
  readonly action: string;
}

const RULES = new MapStateDescriptor<string, string>('rules');

/** Emits "user:action:rule" for actions that a rule names; an event-time timer reports later. */
class MatchRules extends KeyedBroadcastProcessFunction<string, Event, [string, string], string> {
  processElement(event: Event, ctx: KeyedReadOnlyBroadcastContext<string>, out: Collector<string>): void {
    const rule = ctx.getBroadcastState(RULES).get(event.action);
    if (rule !== undefined) out.collect(`${ctx.getCurrentKey()}:${event.action}:${rule}`);
    ctx.timerService().registerEventTimeTimer((ctx.timestamp() ?? 0) + 10);
  }
  processBroadcastElement(rule: [string, string], ctx: KeyedBroadcastContext<string>, _out: Collector<string>): void {
    ctx.getBroadcastState(RULES).put(rule[0], rule[1]);
  }
  override onTimer(timestamp: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<string>): void {
    out.collect(`timer ${ctx.getCurrentKey()}@${timestamp} ${ctx.timeDomain()} rules=${[...ctx.getBroadcastState(RULES).keys()].join(',')}`);
  }
}

function harness(fn: KeyedBroadcastProcessFunction<string, Event, [string, string], string>): TwoInputOperatorTestHarness<Event, [string, string], string> {
  return new TwoInputOperatorTestHarness(new CoBroadcastWithKeyedOperator(fn, (e: Event) => e.user, [RULES]), { operatorName: 'match', keyed: true });
}

describe('CoBroadcastWithKeyedOperator', () => {
  it('keyed records read the latest rules with their key; timers fire per key', async () => {
    const h = harness(new MatchRules());
    await h.open();
    h.processElement1({ user: 'ann', action: 'login' }, 1);
    h.processElement2(['login', 'audit'], 2);
    h.processElement1({ user: 'bob', action: 'login' }, 3);
    h.processElement2(['logout', 'notify'], 4);
    h.processElement1({ user: 'ann', action: 'logout' }, 5);
    h.processWatermark(13);
    assert.deepEqual(h.getOutput(), [
      { value: 'bob:login:audit', timestamp: 3 },
      { value: 'ann:logout:notify', timestamp: 5 },
      { value: 'timer ann@11 EVENT_TIME rules=login,logout', timestamp: 11 },
      { value: 'timer bob@13 EVENT_TIME rules=login,logout', timestamp: 13 },
    ]);
    assert.deepEqual(h.getWatermarks(), [13]);
  });

  it('broadcast records have no key and set no timers', async () => {
    const errors: unknown[] = [];
    class NoKey extends MatchRules {
      override processBroadcastElement(_rule: [string, string], ctx: KeyedBroadcastContext<string>): void {
        const c = ctx as unknown as KeyedReadOnlyBroadcastContext<string>;
        errors.push(thrown(() => c.getCurrentKey()), thrown(() => c.timerService()));
      }
    }
    const h = harness(new NoKey());
    await h.open();
    h.processElement2(['a', 'b']);
    assertFlinkError(errors[0], ErrorCodes.FLINK_TS_ILLEGAL_STATE, /broadcast record has no current key; use applyToKeyedState/);
    assertFlinkError(errors[1], ErrorCodes.FLINK_TS_ILLEGAL_STATE, /Timers can only be set in processElement\(\) and onTimer\(\)/);
  });

  it('the broadcast state is read-only in onTimer too', async () => {
    class WriteOnTimer extends MatchRules {
      override onTimer(_timestamp: number, ctx: KeyedBroadcastOnTimerContext<string>): void {
        (ctx.getBroadcastState(RULES) as unknown as { put(k: string, v: string): void }).put('x', 'y');
      }
    }
    const h = harness(new WriteOnTimer());
    await h.open();
    h.processElement1({ user: 'ann', action: 'x' }, 0);
    assertFlinkError(
      thrown(() => h.processWatermark(10)),
      ErrorCodes.FLINK_TS_USER_FUNCTION,
      /firing event-time timer @ 10 of key "ann"/,
      /read-only in processElement\(\) and onTimer\(\)/,
    );
  });

  it('needs a keyed input', () => {
    const operator = new CoBroadcastWithKeyedOperator(new MatchRules(), (e: Event) => e.user, [RULES]);
    assertFlinkError(
      thrown(() => new TwoInputOperatorTestHarness(operator, { operatorName: 'match' })),
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      /runs a KeyedBroadcastProcessFunction but has no keyed state backend/,
    );
  });

  it('applyToKeyedState visits every key that has keyed state, which it may clear', async () => {
    const COUNT = new ValueStateDescriptor<number>('count', 0);
    class Count extends KeyedBroadcastProcessFunction<string, Event, string, string> {
      processElement(_event: Event, _ctx: KeyedReadOnlyBroadcastContext<string>): void {
        const count = this.getRuntimeContext().getState(COUNT);
        count.update((count.value() ?? 0) + 1);
      }
      processBroadcastElement(command: string, ctx: KeyedBroadcastContext<string>, out: Collector<string>): void {
        const found: string[] = [];
        ctx.applyToKeyedState<ValueState<number>>(COUNT, (key, state) => {
          found.push(`${String(key)}=${state.value()}`);
          if (command === 'reset') state.clear();
        });
        out.collect(`${command}: ${found.sort().join(' ')}`);
      }
    }
    const h = new TwoInputOperatorTestHarness<Event, string, string>(new CoBroadcastWithKeyedOperator(new Count(), (e: Event) => e.user, [RULES]), { operatorName: 'count', keyed: true });
    await h.open();
    for (const user of ['ann', 'bob', 'ann', 'cid', 'ann']) h.processElement1({ user, action: 'x' });
    h.processElement2('report');
    h.processElement2('reset');
    h.processElement2('report');
    h.processElement1({ user: 'bob', action: 'x' });
    h.processElement2('report');
    assert.deepEqual(h.getValues(), ['report: ann=3 bob=1 cid=1', 'reset: ann=3 bob=1 cid=1', 'report: ', 'report: bob=1']);
  });
});
