/*
 * End-to-end tests of keyed state through the public API: a KeyedProcessFunction using every
 * state kind through getRuntimeContext() at parallelism 1 and 3, the state backend chosen by
 * setStateBackend(), keyed state asked for in a non-keyed operator or outside a keyed context,
 * and state TTL.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AggregatingStateDescriptor,
  ErrorCodes,
  FlinkError,
  HashMapStateBackend,
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  RichMapFunction,
  StateTtlConfig,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type AggregateFunction,
  type AggregatingState,
  type Collector,
  type KeyedProcessFunctionContext,
  type ListState,
  type MapState,
  type ReducingState,
  type TtlTimeProvider,
  type ValueState,
} from 'flink-ts';
import { assertFlinkError, rejection } from '../../helpers.ts';

const env = (parallelism: number): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

interface Purchase {
  readonly user: string;
  readonly amount: number;
}

interface Summary {
  readonly user: string;
  readonly count: number;
  readonly amounts: number[];
  readonly byParity: Record<string, number>;
  readonly total: number;
  readonly average: number;
}

const averageOf: AggregateFunction<number, { sum: number; n: number }, number> = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
  getResult: (acc) => acc.sum / acc.n,
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
};

/** Keeps, per user, a count, the amounts, counts per parity, the total and the average. */
class PurchaseSummary extends KeyedProcessFunction<string, Purchase, Summary> {
  private count!: ValueState<number>;
  private amounts!: ListState<number>;
  private byParity!: MapState<string, number>;
  private total!: ReducingState<number>;
  private average!: AggregatingState<number, number>;

  override open(): void {
    const ctx = this.getRuntimeContext();
    this.count = ctx.getState(new ValueStateDescriptor<number>('count', 0));
    this.amounts = ctx.getListState(new ListStateDescriptor<number>('amounts'));
    this.byParity = ctx.getMapState(new MapStateDescriptor<string, number>('by-parity'));
    this.total = ctx.getReducingState(new ReducingStateDescriptor<number>('total', (a, b) => a + b));
    this.average = ctx.getAggregatingState(new AggregatingStateDescriptor('average', averageOf));
  }

  processElement(p: Purchase, ctx: KeyedProcessFunctionContext<string>, out: Collector<Summary>): void {
    assert.equal(ctx.getCurrentKey(), p.user);
    this.count.update(this.count.value()! + 1);
    this.amounts.add(p.amount);
    const parity = p.amount % 2 === 0 ? 'even' : 'odd';
    this.byParity.put(parity, (this.byParity.get(parity) ?? 0) + 1);
    this.total.add(p.amount);
    this.average.add(p.amount);
    out.collect({
      user: p.user,
      count: this.count.value()!,
      amounts: [...this.amounts.get()!],
      byParity: Object.fromEntries(this.byParity.entries()),
      total: this.total.get()!,
      average: this.average.get()!,
    });
  }
}

function purchases(): Purchase[] {
  const out: Purchase[] = [];
  for (let i = 0; i < 300; i++) out.push({ user: `user-${(i * 7) % 23}`, amount: (i * 13) % 50 });
  return out;
}

function expectedSummaries(input: readonly Purchase[]): Map<string, Summary> {
  const out = new Map<string, Summary>();
  for (const p of input) {
    const previous = out.get(p.user);
    const amounts = [...(previous?.amounts ?? []), p.amount];
    const parity = p.amount % 2 === 0 ? 'even' : 'odd';
    const byParity = { ...(previous?.byParity ?? {}), [parity]: (previous?.byParity[parity] ?? 0) + 1 };
    const total = amounts.reduce((a, b) => a + b, 0);
    out.set(p.user, { user: p.user, count: amounts.length, amounts, byParity, total, average: total / amounts.length });
  }
  return out;
}

describe('keyed state through the runtime context', () => {
  for (const parallelism of [1, 3]) {
    it(`keeps value, list, map, reducing and aggregating state per key at parallelism ${parallelism}`, { timeout: 30_000 }, async () => {
      const input = purchases();
      const e = env(parallelism).setStateBackend(new HashMapStateBackend());
      const out = (await e
        .fromCollection(input)
        .keyBy((p) => p.user)
        .process(new PurchaseSummary())
        .executeAndCollect()) as Summary[];
      assert.equal(out.length, input.length);
      const last = new Map<string, Summary>();
      for (const s of out) if ((last.get(s.user)?.count ?? 0) < s.count) last.set(s.user, s);
      assert.deepEqual(last, expectedSummaries(input));
    });
  }

  it('uses the state backend set on the environment', () => {
    const backend = new HashMapStateBackend();
    const e = env(1);
    assert.equal(e.getStateBackend(), null);
    assert.equal(e.setStateBackend(backend), e);
    assert.equal(e.getStateBackend(), backend);
    assert.throws(() => e.setStateBackend({} as never), TypeError);
  });

  it('fails a job that asks for keyed state in a non-keyed operator, naming the operator', { timeout: 30_000 }, async () => {
    class Counting extends RichMapFunction<number, number> {
      override open(): void {
        this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
      }
      map(v: number): number {
        return v;
      }
    }
    const error = await rejection(env(2).fromElements(1, 2, 3).map(new Counting()).name('Not Keyed').executeAndCollect());
    const e = assertFlinkError(error, ErrorCodes.FLINK_TS_USER_FUNCTION, /Not Keyed/, /Keyed state can only be used on a 'keyed stream', i\.e\., after a 'keyBy\(\)' operation/);
    assert.ok(FlinkError.isFlinkError(e.cause));
    assert.equal(e.cause.code, ErrorCodes.FLINK_TS_ILLEGAL_STATE);
    assert.match(e.cause.message, /Operator 'Not Keyed' \(subtask \d\/2\)/);
  });

  it('fails a job that reads keyed state without a current key (in open()), naming the operator', { timeout: 30_000 }, async () => {
    class TooEarly extends KeyedProcessFunction<number, number, number> {
      override open(): void {
        this.getRuntimeContext().getState(new ValueStateDescriptor<number>('v')).value();
      }
      processElement(): void {}
    }
    const error = await rejection(
      env(1)
        .fromElements(1, 2)
        .keyBy((v) => v)
        .process(new TooEarly())
        .name('Early Reader')
        .executeAndCollect(),
    );
    assertFlinkError(error, ErrorCodes.FLINK_TS_USER_FUNCTION, /Early Reader/, /without a current key/);
  });

  it('expires state with a TTL, on the clock of the state backend', { timeout: 30_000 }, async () => {
    // Processing time as the test dictates: each record carries the time at which it is handled.
    const clock = { time: 0, currentTimestamp(): number {
      return this.time;
    } } satisfies TtlTimeProvider & { time: number };
    const ttl = StateTtlConfig.newBuilder(100).updateTtlOnCreateAndWrite().neverReturnExpired().build();
    class LastSeen extends KeyedProcessFunction<string, [string, number, string | null], string> {
      private last!: ValueState<string>;
      override open(): void {
        this.last = this.getRuntimeContext().getState(new ValueStateDescriptor<string>('last', '(none)').enableTimeToLive(ttl));
      }
      processElement([key, time, write]: [string, number, string | null], _ctx: KeyedProcessFunctionContext<string>, out: Collector<string>): void {
        clock.time = time;
        if (write !== null) this.last.update(write);
        else out.collect(`${key}@${time}: ${this.last.value()}`);
      }
    }
    const input: [string, number, string | null][] = [
      ['a', 0, 'x'],
      ['a', 50, null],
      ['b', 60, 'y'],
      ['a', 99, null],
      ['a', 100, null],
      ['b', 120, null],
      ['b', 160, null],
    ];
    const out = await env(1)
      .setStateBackend(new HashMapStateBackend({ ttlTimeProvider: clock }))
      .fromCollection(input)
      .keyBy((r) => r[0])
      .process(new LastSeen())
      .executeAndCollect();
    assert.deepEqual(out, ['a@50: x', 'a@99: x', 'a@100: (none)', 'b@120: y', 'b@160: (none)']);
  });
});
