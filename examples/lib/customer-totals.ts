/*
 * The per-customer aggregate of the order-aggregation example, and the sink that keeps the latest
 * aggregate of every customer and prints the top customers by revenue. Amounts are added as
 * integer cents, so the totals are exact whatever the order in which parallel subtasks add them.
 */
import { RichSinkFunction, type SinkContext } from 'flink-ts';
import type { Order } from './order-generator.ts';

export interface CustomerTotals {
  readonly customerId: string;
  readonly currency: string;
  readonly orderCount: number;
  readonly totalCents: number;
  readonly maxOrderCents: number;
  readonly lastOrderTime: number;
}

export function totalsOfOrder(order: Order): CustomerTotals {
  const cents = Math.round(order.amount * 100);
  return { customerId: order.customerId, currency: order.currency, orderCount: 1, totalCents: cents, maxOrderCents: cents, lastOrderTime: order.orderTime };
}

export function mergeTotals(a: CustomerTotals, b: CustomerTotals): CustomerTotals {
  return {
    customerId: a.customerId,
    currency: a.currency,
    orderCount: a.orderCount + b.orderCount,
    totalCents: a.totalCents + b.totalCents,
    maxOrderCents: Math.max(a.maxOrderCents, b.maxOrderCents),
    lastOrderTime: Math.max(a.lastOrderTime, b.lastOrderTime),
  };
}

/** 123456789 cents → "1,234,567.89". */
export function formatCents(cents: number): string {
  const whole = Math.floor(cents / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${whole}.${String(cents % 100).padStart(2, '0')}`;
}

/** The report: the top customers by revenue (ties by customer id), then revenue per currency. */
export function formatReport(latest: Iterable<CustomerTotals>, top: number): string[] {
  const all = [...latest].sort((a, b) => b.totalCents - a.totalCents || (a.customerId < b.customerId ? -1 : 1));
  const orders = all.reduce((n, t) => n + t.orderCount, 0);
  const lines = [`Top ${Math.min(top, all.length)} of ${all.length} customers by revenue (${orders} paid orders):`];
  lines.push(`${'#'.padStart(3)}  ${'customer'.padEnd(13)} ${'orders'.padStart(7)} ${'revenue'.padStart(17)} ${'largest order'.padStart(14)}`);
  all.slice(0, top).forEach((t, i) => {
    lines.push(
      `${String(i + 1).padStart(3)}  ${t.customerId.padEnd(13)} ${String(t.orderCount).padStart(7)} ` +
        `${`${formatCents(t.totalCents)} ${t.currency}`.padStart(17)} ${`${formatCents(t.maxOrderCents)} ${t.currency}`.padStart(14)}`,
    );
  });
  const byCurrency = new Map<string, number>();
  for (const t of all) byCurrency.set(t.currency, (byCurrency.get(t.currency) ?? 0) + t.totalCents);
  const revenue = [...byCurrency.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, cents]) => `${formatCents(cents)} ${currency}`);
  lines.push(`Revenue: ${revenue.join(', ')}`);
  return lines;
}

/**
 * Keeps the latest aggregate per customer (a reduce emits one per order) and prints the report at
 * the end of input. On an unbounded stream it prints the report every `reportIntervalMs` instead.
 * Runs with parallelism 1, so that it sees every customer.
 */
export class TopCustomersSink extends RichSinkFunction<CustomerTotals> {
  readonly top: number;
  readonly reportIntervalMs: number;
  private readonly latest = new Map<string, CustomerTotals>();
  private nextReportAt = 0;

  constructor(top: number, reportIntervalMs: number) {
    super();
    this.top = top;
    this.reportIntervalMs = reportIntervalMs;
  }

  invoke(totals: CustomerTotals, context: SinkContext): void {
    this.latest.set(totals.customerId, totals);
    if (this.reportIntervalMs <= 0) return;
    const now = context.currentProcessingTime();
    if (this.nextReportAt === 0) this.nextReportAt = now + this.reportIntervalMs;
    if (now >= this.nextReportAt) {
      this.nextReportAt = now + this.reportIntervalMs;
      this.report();
    }
  }

  override finish(): void {
    this.report();
  }

  private report(): void {
    console.log(formatReport(this.latest.values(), this.top).join('\n'));
  }
}
