/*
 * End-to-end tests of ConnectedStreams: co-map, co-flatMap and co-process over two inputs of
 * different types, and keyed connect (both inputs keyed, or connected.keyBy(k1, k2)) with a
 * KeyedCoProcessFunction whose inputs meet per key, on the subtask Flink's key groups choose.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CoProcessFunction,
  ErrorCodes,
  KeyedCoProcessFunction,
  RichCoFlatMapFunction,
  RichCoMapFunction,
  StreamExecutionEnvironment,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type ProcessFunctionContext,
  type SourceContext,
} from 'flink-ts';
import { assignKeyToParallelOperator } from '../../../src/runtime/state/key-group-range-assignment.ts';
import { assertFlinkError, range, thrown } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

describe('connect: co-map and co-flatMap', () => {
  it('co-map maps each input with its own function into one stream', async () => {
    const e = env(2);
    const numbers = e.fromElements(1, 2, 3);
    const words = e.fromElements('x', 'yy');
    const out = await numbers
      .connect(words)
      .map({ map1: (n: number) => `n${n}`, map2: (w: string) => `w${w.length}` })
      .executeAndCollect();
    assert.deepEqual(out.sort(), ['n1', 'n2', 'n3', 'w1', 'w2']);
  });

  it('co-map keeps the order of each input', async () => {
    const e = env();
    const out = await e
      .fromSequence(1, 300)
      .connect(e.fromSequence(1001, 1300))
      .map({ map1: (n: number) => n, map2: (n: number) => n })
      .executeAndCollect();
    assert.deepEqual(out.filter((n) => n <= 300), range(1, 300));
    assert.deepEqual(out.filter((n) => n > 1000), range(1001, 1300));
  });

  it('a RichCoMapFunction shares its fields between both inputs of a subtask', async () => {
    class Counting extends RichCoMapFunction<number, string, string> {
      private seen = 0;
      map1(n: number): string {
        return `1:${n}:${++this.seen}`;
      }
      map2(s: string): string {
        return `2:${s}:${++this.seen}`;
      }
    }
    const e = env();
    const out = await e.fromElements(1, 2).connect(e.fromElements('a')).map(new Counting()).executeAndCollect();
    assert.equal(out.length, 3);
    assert.deepEqual(out.map((s) => Number(s.split(':')[2])).sort(), [1, 2, 3]);
  });

  it('co-flatMap emits any number of records per input', async () => {
    class Split extends RichCoFlatMapFunction<string, number, string> {
      flatMap1(line: string, out: Collector<string>): void {
        for (const w of line.split(' ')) out.collect(w);
      }
      flatMap2(n: number, out: Collector<string>): void {
        for (let i = 0; i < n; i++) out.collect(`#${n}`);
      }
    }
    const e = env(3);
    const out = await e.fromElements('a b', 'c').connect(e.fromElements(0, 2)).flatMap(new Split()).executeAndCollect();
    assert.deepEqual(out.sort(), ['#2', '#2', 'a', 'b', 'c']);
  });

  it('co-flatMap accepts a plain object', async () => {
    const e = env();
    const out = await e
      .fromElements(1)
      .connect(e.fromElements(2))
      .flatMap({
        flatMap1: (n: number, c: Collector<number>) => c.collect(n * 100),
        flatMap2: (n: number, c: Collector<number>) => c.collect(n * 1000),
      })
      .executeAndCollect();
    assert.deepEqual(out.sort((a, b) => a - b), [100, 2000]);
  });
});

describe('connect: CoProcessFunction', () => {
  it('sees each input with its timestamp and can emit to a side output', async () => {
    const e = env();
    const left = e.addSource({
      run(ctx: SourceContext<string>) {
        ctx.collectWithTimestamp('L', 11);
      },
      cancel() {},
    });
    const right = e.fromElements(7);
    class Tagging extends CoProcessFunction<string, number, string> {
      processElement1(v: string, ctx: ProcessFunctionContext, out: Collector<string>): void {
        out.collect(`${v}@${ctx.timestamp()}`);
      }
      processElement2(v: number, ctx: ProcessFunctionContext, out: Collector<string>): void {
        out.collect(`${v}@${ctx.timestamp()}`);
      }
    }
    const out = await left.connect(right).process(new Tagging()).executeAndCollect();
    assert.deepEqual(out.sort(), ['7@null', 'L@11']);
  });
});

describe('keyed connect: KeyedCoProcessFunction', () => {
  interface Order {
    readonly item: string;
    readonly qty: number;
  }
  interface Price {
    readonly item: string;
    readonly price: number;
  }

  /** Joins orders with the price of their item, whichever arrives first; records where it ran. */
  class Enrich extends KeyedCoProcessFunction<string, Order, Price, string> {
    private readonly prices = new Map<string, number>();
    private readonly waiting = new Map<string, Order[]>();
    readonly placement: (key: string, input: number, subtask: number) => void;

    constructor(placement: (key: string, input: number, subtask: number) => void) {
      super();
      this.placement = placement;
    }

    processElement1(order: Order, ctx: KeyedProcessFunctionContext<string>, out: Collector<string>): void {
      this.placement(ctx.getCurrentKey(), 1, this.getRuntimeContext().getIndexOfThisSubtask());
      const price = this.prices.get(ctx.getCurrentKey());
      if (price === undefined) this.waiting.set(order.item, [...(this.waiting.get(order.item) ?? []), order]);
      else out.collect(`${order.item}:${order.qty * price}`);
    }

    processElement2(p: Price, ctx: KeyedProcessFunctionContext<string>, out: Collector<string>): void {
      this.placement(ctx.getCurrentKey(), 2, this.getRuntimeContext().getIndexOfThisSubtask());
      this.prices.set(ctx.getCurrentKey(), p.price);
      for (const order of this.waiting.get(p.item) ?? []) out.collect(`${order.item}:${order.qty * p.price}`);
      this.waiting.delete(p.item);
    }
  }

  const items = ['apple', 'pear', 'plum', 'fig', 'kiwi', 'lime', 'date'];
  const orders: Order[] = items.flatMap((item, i) => [
    { item, qty: i + 1 },
    { item, qty: 10 * (i + 1) },
  ]);
  const prices: Price[] = items.map((item, i) => ({ item, price: 100 + i }));
  const expected = orders.map((o) => `${o.item}:${o.qty * (100 + items.indexOf(o.item))}`).sort();

  for (const form of ['a.keyBy().connect(b.keyBy())', 'a.connect(b).keyBy(k1, k2)'] as const) {
    it(`joins both inputs per key at parallelism 3 (${form})`, async () => {
      const placement = new Map<string, Set<number>>();
      const record = (key: string, _input: number, subtask: number): void => {
        placement.set(key, (placement.get(key) ?? new Set()).add(subtask));
      };
      const e = env(3);
      const a = e.fromCollection(orders);
      const b = e.fromCollection(prices);
      const connected = form === 'a.keyBy().connect(b.keyBy())' ? a.keyBy((o) => o.item).connect(b.keyBy((p) => p.item)) : a.connect(b).keyBy((o) => o.item, (p) => p.item);
      const out = await connected.process(new Enrich(record)).executeAndCollect();
      assert.deepEqual(out.sort(), expected);
      for (const item of items) {
        // Both inputs of a key meet on the one subtask that owns the key's key group.
        assert.deepEqual([...placement.get(item)!], [assignKeyToParallelOperator(item, 128, 3)], `placement of ${item}`);
      }
    });
  }

  it('fires event-time timers of both inputs at end of input, with the key set', async () => {
    const e = env(2);
    const left = e.addSource({
      run(ctx: SourceContext<string>) {
        ctx.collectWithTimestamp('a', 5);
        ctx.collectWithTimestamp('b', 6);
      },
      cancel() {},
    });
    const right = e.addSource({
      run(ctx: SourceContext<string>) {
        ctx.collectWithTimestamp('a', 50);
      },
      cancel() {},
    });
    const out = await left
      .connect(right)
      .keyBy(
        (s) => s,
        (s) => s,
      )
      .process({
        processElement1(_v: string, ctx: KeyedProcessFunctionContext<string>) {
          ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 1);
        },
        processElement2(_v: string, ctx: KeyedProcessFunctionContext<string>) {
          ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 2);
        },
        onTimer(ts: number, ctx: KeyedOnTimerContext<string>, c: Collector<string>) {
          c.collect(`${ctx.getCurrentKey()}@${ts}`);
        },
      })
      .executeAndCollect();
    assert.deepEqual(out.sort(), ['a@52', 'a@6', 'b@7']);
  });

  it('connecting a keyed with a non-keyed stream is rejected when the operator is added', () => {
    const e = env();
    const keyed = e.fromElements(1).keyBy((x) => x);
    const error = thrown(() => keyed.connect(e.fromElements(2)).process({ processElement1() {}, processElement2() {} }));
    assertFlinkError(error, ErrorCodes.FLINK_TS_INVALID_PIPELINE, /both connected streams must be keyed/);
  });
});
