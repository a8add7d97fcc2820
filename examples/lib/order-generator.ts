/*
 * A source of shop orders for the examples: deterministic pseudo-random orders computed from their
 * index alone, so a run yields the same orders whatever the parallelism. Each parallel subtask
 * generates the indexes congruent to its subtask index; the source is bounded to `count` orders,
 * or unbounded when `count` is null (it then runs until the job is cancelled).
 */
import { RichParallelSourceFunction, type SourceContext } from 'flink-ts';

export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  /** In the customer's currency, with two decimals. */
  readonly amount: number;
  readonly currency: string;
  /** Epoch milliseconds. */
  readonly orderTime: number;
}

export const CUSTOMER_COUNT = 1000;
const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
const FIRST_ORDER_TIME = Date.UTC(2024, 0, 1);

/** A 32-bit integer hash (the finalizer of MurmurHash3), spreading consecutive indexes apart. */
function hash32(n: number): number {
  let h = n | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function customerIdOf(customer: number): string {
  return `customer-${String(customer).padStart(4, '0')}`;
}

/** The order with this index. About one order in fifty is empty (amount 0), abandoned at checkout. */
export function orderAt(index: number): Order {
  const u = hash32(index * 2 + 1) / 2 ** 32;
  // Squaring skews the draw towards low customer numbers: a few customers order a lot.
  const customer = Math.floor(u * u * CUSTOMER_COUNT);
  const h = hash32(index * 2 + 2);
  const cents = h % 50 === 0 ? 0 : 500 + (h % 49_501);
  return {
    orderId: `order-${index}`,
    customerId: customerIdOf(customer),
    amount: cents / 100,
    currency: CURRENCIES[customer % CURRENCIES.length]!,
    orderTime: FIRST_ORDER_TIME + index * 250 + (h % 250),
  };
}

/** The ORDER_COUNT setting: a number of orders, or 'unbounded'. */
export function parseOrderCount(value: string | undefined, defaultCount: number): number | null {
  if (value === undefined || value.trim() === '') return defaultCount;
  if (value.trim().toLowerCase() === 'unbounded') return null;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`ORDER_COUNT must be a non-negative integer or 'unbounded', got '${value}'`);
  return count;
}

export class OrderGenerator extends RichParallelSourceFunction<Order> {
  readonly count: number | null;
  private running = true;

  constructor(count: number | null) {
    super();
    this.count = count;
  }

  async run(ctx: SourceContext<Order>): Promise<void> {
    const context = this.getRuntimeContext();
    const step = context.getNumberOfParallelSubtasks();
    const end = this.count ?? Number.MAX_SAFE_INTEGER;
    for (let index = context.getIndexOfThisSubtask(); index < end && this.running; index += step) {
      // collectAsync waits while downstream is busy: back pressure reaches the generator.
      await ctx.collectAsync(orderAt(index));
    }
  }

  cancel(): void {
    this.running = false;
  }
}
