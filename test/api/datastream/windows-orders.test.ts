/*
 * The seed's production example, with the order generator instead of Kafka:
 *   source → assignTimestampsAndWatermarks(forBoundedOutOfOrderness) → keyBy(customerId)
 *          → window(TumblingEventTimeWindows.of(15 minutes)) → aggregate(new OrderAggregator())
 * checked against the same aggregates computed by hand from the generator's orders.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy, type AggregateFunction } from 'flink-ts';
import { OrderGenerator, orderAt, type Order } from '../../../examples/lib/order-generator.ts';
import { collectingSink } from '../../helpers.ts';

interface AggregatedOrder {
  readonly customerId: string;
  readonly orderCount: number;
  readonly totalCents: number;
  readonly maxOrderCents: number;
}

interface OrderAccumulator {
  customerId: string;
  orderCount: number;
  totalCents: number;
  maxOrderCents: number;
}

/** Per customer and window: the number of orders, the revenue and the largest order (in cents, exact). */
class OrderAggregator implements AggregateFunction<Order, OrderAccumulator, AggregatedOrder> {
  createAccumulator(): OrderAccumulator {
    return { customerId: '', orderCount: 0, totalCents: 0, maxOrderCents: 0 };
  }
  add(order: Order, acc: OrderAccumulator): OrderAccumulator {
    const cents = Math.round(order.amount * 100);
    return { customerId: order.customerId, orderCount: acc.orderCount + 1, totalCents: acc.totalCents + cents, maxOrderCents: Math.max(acc.maxOrderCents, cents) };
  }
  getResult(acc: OrderAccumulator): AggregatedOrder {
    return { ...acc };
  }
  merge(a: OrderAccumulator, b: OrderAccumulator): OrderAccumulator {
    return { customerId: a.customerId || b.customerId, orderCount: a.orderCount + b.orderCount, totalCents: a.totalCents + b.totalCents, maxOrderCents: Math.max(a.maxOrderCents, b.maxOrderCents) };
  }
}

const WINDOW = Duration.ofMinutes(15).toMillis();
const ORDERS = 10_000;

function render(customerId: string, windowEnd: number, orderCount: number, totalCents: number, maxOrderCents: number): string {
  return `${customerId} ${new Date(windowEnd).toISOString()} orders=${orderCount} total=${totalCents} max=${maxOrderCents}`;
}

/** The same aggregates by hand: a loop over the orders, grouped by customer and 15-minute window. */
function byHand(count: number): string[] {
  const groups = new Map<string, { customerId: string; end: number; n: number; total: number; max: number }>();
  for (let i = 0; i < count; i++) {
    const order = orderAt(i);
    const start = order.orderTime - (order.orderTime % WINDOW);
    const cents = Math.round(order.amount * 100);
    const id = `${order.customerId}@${start}`;
    const g = groups.get(id) ?? { customerId: order.customerId, end: start + WINDOW, n: 0, total: 0, max: 0 };
    g.n++;
    g.total += cents;
    g.max = Math.max(g.max, cents);
    groups.set(id, g);
  }
  return [...groups.values()].map((g) => render(g.customerId, g.end, g.n, g.total, g.max)).sort();
}

describe('The order aggregation example with 15-minute event-time windows', () => {
  it('aggregates the orders of each customer per window, as a hand computation does', { timeout: 30_000 }, async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    const sink = collectingSink<AggregatedOrder>();
    env
      .addSource(new OrderGenerator(ORDERS), 'Order Generator')
      .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Order>(Duration.ofSeconds(1)).withTimestampAssigner((order) => order.orderTime))
      .keyBy((order) => order.customerId)
      .window(TumblingEventTimeWindows.of(Duration.ofMinutes(15)))
      .aggregate(new OrderAggregator())
      .addSink(sink.function);
    await env.execute('Order Processing');

    const expected = byHand(ORDERS);
    const windows = new Set(expected.map((line) => line.split(' ')[1]));
    assert.ok(windows.size >= 3, 'the orders span several windows');
    const actual = sink.records.map((r) => render(r.value.customerId, r.timestamp! + 1, r.value.orderCount, r.value.totalCents, r.value.maxOrderCents)).sort();
    assert.equal(actual.length, expected.length);
    assert.deepEqual(actual, expected);
    assert.equal(
      sink.values().reduce((n, a) => n + a.orderCount, 0),
      ORDERS,
      'every order is counted once',
    );
  });
});
