/*
 * Order aggregation: a stream of shop orders keyed by customer, with a running aggregate per
 * customer (order count, revenue, largest order) and the top customers by revenue at the end.
 *
 *   npx flink-ts run examples/order-aggregation.ts            # 200,000 orders
 *   ORDER_COUNT=5000 npx node examples/order-aggregation.ts   # fewer orders
 *   ORDER_COUNT=unbounded npx flink-ts run -p 2 examples/order-aggregation.ts   # until Ctrl-C
 *
 * The orders come from a built-in generator instead of a Kafka topic; the pipeline is the same.
 */
import { StreamExecutionEnvironment } from 'flink-ts';
import { OrderGenerator, parseOrderCount } from './lib/order-generator.ts';
import { TopCustomersSink, mergeTotals, totalsOfOrder } from './lib/customer-totals.ts';

const orderCount = parseOrderCount(process.env.ORDER_COUNT, 200_000);
const TOP_CUSTOMERS = 10;

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .addSource(new OrderGenerator(orderCount), 'Order Generator')
  .uid('order-generator')
  .filter((order) => order.amount > 0)
  .name('Drop Empty Orders')
  .uid('drop-empty-orders')
  .map(totalsOfOrder)
  .name('Order To Totals')
  .uid('order-to-totals')
  .keyBy((totals) => totals.customerId)
  .reduce(mergeTotals)
  .name('Per-Customer Totals')
  .uid('per-customer-totals')
  .addSink(new TopCustomersSink(TOP_CUSTOMERS, orderCount === null ? 5_000 : 0))
  .name('Top Customers')
  .uid('top-customers')
  .setParallelism(1);

await env.execute('Order Aggregation');
