/*
 * End-to-end tests of the broadcast state pattern: a rules stream broadcast to every subtask of a
 * KeyedBroadcastProcessFunction that matches keyed events against the latest rules (at
 * parallelism 1 and 3), a non-keyed BroadcastProcessFunction, writes from the read-only side
 * failing the job clearly, and the pipeline checks of broadcast() and connect().
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BroadcastConnectedStream,
  BroadcastProcessFunction,
  BroadcastStream,
  ErrorCodes,
  FlinkError,
  KeyedBroadcastProcessFunction,
  MapStateDescriptor,
  RichSourceFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type BroadcastContext,
  type Collector,
  type KeyedBroadcastContext,
  type KeyedReadOnlyBroadcastContext,
  type ReadOnlyBroadcastContext,
  type SourceContext,
} from 'flink-ts';
import { assignKeyToParallelOperator } from '../../../src/runtime/state/key-group-range-assignment.ts';
import { assertFlinkError, rejection, thrown } from '../../helpers.ts';

const env = (parallelism: number): StreamExecutionEnvironment =>
  StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism, 'execution.buffer-timeout.interval': 1 });

/** A count that sources can wait on, so that the test decides what each subtask has seen. */
class Progress {
  private count = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  increment(): void {
    this.count++;
    this.waiters = this.waiters.filter((w) => (this.count >= w.n ? (w.resolve(), false) : true));
  }

  until(n: number): Promise<void> {
    return this.count >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

/** A non-parallel source that runs `script` with an emit function; cancel() ends the waits. */
function scriptedSource<T>(script: (emit: (value: T) => void, waitFor: (p: Promise<void>) => Promise<void>) => Promise<void>): RichSourceFunction<T> {
  let cancel = (): void => {};
  const cancelled = new Promise<void>((resolve) => (cancel = resolve));
  class Scripted extends RichSourceFunction<T> {
    async run(ctx: SourceContext<T>): Promise<void> {
      await script(
        (v) => ctx.collect(v),
        (p) => Promise.race([p, cancelled]),
      );
    }
    cancel(): void {
      cancel();
    }
  }
  return new Scripted();
}

interface Rule {
  readonly name: string;
  readonly action: string;
  readonly minAmount: number;
  readonly remove?: boolean;
}

interface Event {
  readonly user: string;
  readonly action: string;
  readonly amount: number;
}

const RULES = new MapStateDescriptor<string, Rule>('rules');
/** Keyed state: how many matches each user had so far. */
const MATCHES = new ValueStateDescriptor<number>('matches', 0);

async function rulesAndEvents(parallelism: number): Promise<{ out: { subtask: number; match: string }[]; rulesSeen: number[] }> {
  const applied = new Progress();
  const processed = new Progress();
  const rulesSeen = new Array<number>(parallelism).fill(0);
  let phase1Done = (): void => {};
  const phase1 = new Promise<void>((resolve) => (phase1Done = resolve));

  const batch1: Event[] = [
    { user: 'ann', action: 'buy', amount: 120 },
    { user: 'bob', action: 'buy', amount: 60 },
    { user: 'cid', action: 'refund', amount: 5 },
    { user: 'dan', action: 'buy', amount: 300 },
    { user: 'eve', action: 'view', amount: 0 },
  ];
  const batch2: Event[] = [
    { user: 'ann', action: 'buy', amount: 60 },
    { user: 'bob', action: 'refund', amount: 70 },
    { user: 'cid', action: 'buy', amount: 49 },
    { user: 'fay', action: 'buy', amount: 50 },
  ];

  class MatchRules extends KeyedBroadcastProcessFunction<string, Event, Rule, { subtask: number; match: string }> {
    processElement(event: Event, ctx: KeyedReadOnlyBroadcastContext<string>, out: Collector<{ subtask: number; match: string }>): void {
      const subtask = this.getRuntimeContext().getIndexOfThisSubtask();
      const matches = this.getRuntimeContext().getState(MATCHES);
      for (const rule of ctx.getBroadcastState(RULES).values()) {
        if (rule.action !== event.action || event.amount < rule.minAmount) continue;
        const n = (matches.value() ?? 0) + 1;
        matches.update(n);
        out.collect({ subtask, match: `${ctx.getCurrentKey()}:${event.amount}:${rule.name}#${n}` });
      }
      processed.increment();
    }
    processBroadcastElement(rule: Rule, ctx: KeyedBroadcastContext<string>): void {
      const state = ctx.getBroadcastState(RULES);
      if (rule.remove === true) state.remove(rule.name);
      else state.put(rule.name, rule);
      rulesSeen[this.getRuntimeContext().getIndexOfThisSubtask()]!++;
      applied.increment();
    }
  }

  const e = env(parallelism);
  const rules = e
    .addSource(
      scriptedSource<Rule>(async (emit, waitFor) => {
        emit({ name: 'big-buy', action: 'buy', minAmount: 100 });
        emit({ name: 'any-refund', action: 'refund', minAmount: 0 });
        await waitFor(phase1);
        emit({ name: 'big-buy', action: 'buy', minAmount: 50 });
        emit({ name: 'any-refund', action: 'refund', minAmount: 0, remove: true });
      }),
    )
    .name('rules');
  const events = e
    .addSource(
      scriptedSource<Event>(async (emit, waitFor) => {
        await waitFor(applied.until(2 * parallelism));
        for (const ev of batch1) emit(ev);
        await waitFor(processed.until(batch1.length));
        phase1Done();
        await waitFor(applied.until(4 * parallelism));
        for (const ev of batch2) emit(ev);
      }),
    )
    .name('events');
  const out = await events
    .keyBy((ev) => ev.user)
    .connect(rules.broadcast(RULES))
    .process(new MatchRules())
    .executeAndCollect();
  return { out, rulesSeen };
}

describe('broadcast state: KeyedBroadcastProcessFunction', () => {
  for (const parallelism of [1, 3]) {
    it(`matches keyed events against the latest rules at parallelism ${parallelism}`, { timeout: 30_000 }, async () => {
      const { out, rulesSeen } = await rulesAndEvents(parallelism);
      assert.deepEqual(out.map((r) => r.match).sort(), [
        // With the first rules: buys of 100 or more, any refund.
        'ann:120:big-buy#1',
        'cid:5:any-refund#1',
        'dan:300:big-buy#1',
        // With the updated rules: buys of 50 or more; refunds no longer match. The count is per user.
        'ann:60:big-buy#2',
        'fay:50:big-buy#1',
      ].sort());
      // Every subtask received every rule, and each event was matched on the subtask owning its key.
      assert.deepEqual(rulesSeen, new Array(parallelism).fill(4));
      for (const { subtask, match } of out) assert.equal(subtask, assignKeyToParallelOperator(match.split(':')[0], 128, parallelism), match);
    });
  }
});

describe('broadcast state: BroadcastProcessFunction', () => {
  it('converts a rebalanced stream with rates broadcast to every subtask', { timeout: 30_000 }, async () => {
    const RATES = new MapStateDescriptor<string, number>('rates');
    const applied = new Progress();
    class Convert extends BroadcastProcessFunction<[string, number], [string, number], string> {
      processElement(value: [string, number], ctx: ReadOnlyBroadcastContext, out: Collector<string>): void {
        const rate = ctx.getBroadcastState(RATES).get(value[0]);
        out.collect(rate === undefined ? `${value[0]} ${value[1]} unknown` : `${value[1] * rate} EUR`);
      }
      processBroadcastElement(rate: [string, number], ctx: BroadcastContext): void {
        ctx.getBroadcastState(RATES).put(rate[0], rate[1]);
        applied.increment();
      }
    }
    const e = env(2);
    const rates = e.fromElements<[string, number]>(['USD', 0.5], ['GBP', 2]);
    const amounts = e.addSource(
      scriptedSource<[string, number]>(async (emit, waitFor) => {
        await waitFor(applied.until(2 * 2));
        for (const a of [['USD', 10], ['GBP', 3], ['CHF', 1], ['USD', 4]] as [string, number][]) emit(a);
      }),
    );
    const out = await amounts.rebalance().connect(rates.broadcast(RATES)).process(new Convert()).executeAndCollect();
    assert.deepEqual(out.sort(), ['2 EUR', '5 EUR', '6 EUR', 'CHF 1 unknown']);
  });

  it('accepts a plain object with both methods', { timeout: 30_000 }, async () => {
    const STATE = new MapStateDescriptor<string, number>('seen');
    const e = env(1);
    const out = await e
      .fromElements(1, 2)
      .connect(e.fromElements('x').broadcast(STATE))
      .process({
        processElement: (n: number, _ctx: ReadOnlyBroadcastContext, out: Collector<number>) => out.collect(n * 10),
        processBroadcastElement: (s: string, ctx: BroadcastContext) => ctx.getBroadcastState(STATE).put(s, 1),
      })
      .executeAndCollect();
    assert.deepEqual(out.sort(), [10, 20]);
  });

  it('writing the broadcast state from processElement fails the job clearly', { timeout: 30_000 }, async () => {
    const STATE = new MapStateDescriptor<string, number>('limits');
    class Illegal extends BroadcastProcessFunction<number, string, number> {
      processElement(n: number, ctx: ReadOnlyBroadcastContext): void {
        (ctx.getBroadcastState(STATE) as unknown as { put(k: string, v: number): void }).put('n', n);
      }
      processBroadcastElement(): void {}
    }
    const e = env(1);
    e.fromElements(1)
      .connect(e.fromElements('x').broadcast(STATE))
      .process(new Illegal())
      .addSink(() => {});
    const error = assertFlinkError(
      await rejection(e.execute()),
      ErrorCodes.FLINK_TS_USER_FUNCTION,
      /'Co-Process-Broadcast' \(subtask 1\/1\)/,
      /Broadcast state 'limits' .* is read-only in processElement\(\) and onTimer\(\): put\(\) is only allowed in processBroadcastElement\(\)/,
    );
    assert.ok(FlinkError.isFlinkError(error.cause) && error.cause.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE);
  });
});

describe('broadcast state: building the pipeline', () => {
  it('broadcast(descriptor) gives a BroadcastStream; broadcast() still partitions', () => {
    const e = env(2);
    const s = e.fromElements(1);
    const bs = s.broadcast(RULES);
    assert.ok(bs instanceof BroadcastStream);
    assert.deepEqual(bs.getBroadcastStateDescriptors(), [RULES]);
    assert.ok(!(s.broadcast() instanceof BroadcastStream));
    assert.ok(e.fromElements('a').connect(bs) instanceof BroadcastConnectedStream);
  });

  it('the broadcast input reaches every subtask of the operator, the keyed input by key', () => {
    const e = env(3);
    e.fromElements({ user: 'a', action: 'x', amount: 1 })
      .keyBy((ev) => ev.user)
      .connect(e.fromElements<Rule>({ name: 'r', action: 'x', minAmount: 0 }).broadcast(RULES))
      .process({ processElement() {}, processBroadcastElement() {} } as never)
      .addSink(() => {});
    const node = [...e.getStreamGraph(undefined, false).nodes.values()].find((n) => n.name === 'Co-Process-Broadcast-Keyed');
    assert.ok(node);
    assert.deepEqual(
      node.inEdges.map((edge) => [edge.typeNumber, edge.partitioner.kind]).sort(),
      [
        [1, 'hash'],
        [2, 'broadcast'],
      ],
    );
    assert.ok(node.keySelectors[0] !== null && node.keySelectors[1] === null, 'keyed by input 1 only');
  });

  it('rejects descriptors that are not MapStateDescriptors, and duplicate names', () => {
    const s = env(1).fromElements(1);
    assertFlinkError(thrown(() => s.broadcast({ name: 'x' } as never)), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /takes MapStateDescriptors/);
    assertFlinkError(thrown(() => s.broadcast(RULES, new MapStateDescriptor('rules'))), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /two descriptors are named 'rules'/);
  });

  it('a keyed function needs a keyed stream and a non-keyed function a non-keyed one', () => {
    const e = env(1);
    class Keyed extends KeyedBroadcastProcessFunction<string, string, string, string> {
      processElement(): void {}
      processBroadcastElement(): void {}
    }
    class NonKeyed extends BroadcastProcessFunction<string, string, string> {
      processElement(): void {}
      processBroadcastElement(): void {}
    }
    const bs = e.fromElements('r').broadcast(new MapStateDescriptor('m'));
    assertFlinkError(thrown(() => e.fromElements('a').connect(bs).process(new Keyed())), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /KeyedBroadcastProcessFunction \(Keyed\) can only be used on a keyed stream: call keyBy\(\)/);
    assertFlinkError(
      thrown(() =>
        e
          .fromElements('a')
          .keyBy((s) => s)
          .connect(bs)
          .process(new NonKeyed()),
      ),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /BroadcastProcessFunction \(NonKeyed\) can only be used on a non-keyed stream/,
    );
    assert.throws(() => e.fromElements('a').connect(bs).process({ processElement() {} } as never), /processElement\(\) and processBroadcastElement\(\) methods/);
  });
});
