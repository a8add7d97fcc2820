/*
 * Runs the examples as a user would, through `flink-ts run` and with plain node, on small inputs,
 * and checks their output against the same results computed directly in the test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runNode, summaryLine } from '../cli/cli-helpers.ts';
import { orderAt, parseOrderCount } from '../../examples/lib/order-generator.ts';
import { formatCents, formatReport, type CustomerTotals } from '../../examples/lib/customer-totals.ts';
import { HAMLET } from '../../examples/lib/hamlet.ts';

const TIMEOUT = { timeout: 30_000 };

/** The customers' totals over the first `count` orders, added up in a plain loop. */
function expectedTotals(count: number): Map<string, CustomerTotals> {
  const totals = new Map<string, CustomerTotals>();
  for (let i = 0; i < count; i++) {
    const order = orderAt(i);
    const cents = Math.round(order.amount * 100);
    if (cents === 0) continue;
    const t = totals.get(order.customerId);
    totals.set(order.customerId, {
      customerId: order.customerId,
      currency: order.currency,
      orderCount: (t?.orderCount ?? 0) + 1,
      totalCents: (t?.totalCents ?? 0) + cents,
      maxOrderCents: Math.max(t?.maxOrderCents ?? 0, cents),
      lastOrderTime: Math.max(t?.lastOrderTime ?? 0, order.orderTime),
    });
  }
  return totals;
}

/** Word counts of a text, counted the plain way. */
function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}']+/gu)) {
    const word = match[0].replace(/^'+|'+$/g, '');
    if (word !== '') counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

describe('order-aggregation example', () => {
  it('prints the top customers of the generated orders, the same at parallelism 1 and 2', TIMEOUT, async (t) => {
    const env = { ORDER_COUNT: '3000' };
    const [direct, parallel] = await Promise.all([runNode(t, ['examples/order-aggregation.ts'], env), runCli(t, ['run', '-p', '2', 'examples/order-aggregation.ts'], env)]);
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(parallel.code, 0, parallel.stderr);

    const totals = expectedTotals(3000);
    const paid = [...totals.values()].reduce((n, c) => n + c.orderCount, 0);
    const expected = formatReport(totals.values(), 10);
    assert.deepEqual(direct.stdout.trimEnd().split('\n'), expected);
    assert.deepEqual(parallel.stdout.trimEnd().split('\n'), expected);
    assert.equal(expected.length, 13);
    assert.match(expected[0]!, new RegExp(`^Top 10 of ${totals.size} customers by revenue \\(${paid} paid orders\\):$`));
    // Some orders are empty and dropped, but not many.
    assert.ok(paid < 3000 && paid > 2900, String(paid));

    const summary = summaryLine(parallel.stderr, 'Order Aggregation');
    assert.equal(summary?.status, 'FINISHED');
    assert.equal(summary?.recordsOut, paid);
  });

  it('reports revenue as exact cents', () => {
    assert.equal(formatCents(0), '0.00');
    assert.equal(formatCents(5), '0.05');
    assert.equal(formatCents(123_456_789), '1,234,567.89');
  });

  it('reads ORDER_COUNT', () => {
    assert.equal(parseOrderCount(undefined, 7), 7);
    assert.equal(parseOrderCount('12', 7), 12);
    assert.equal(parseOrderCount('Unbounded', 7), null);
    assert.throws(() => parseOrderCount('-1', 7), /ORDER_COUNT must be a non-negative integer or 'unbounded'/);
  });

  it('generates the same orders for the same index', () => {
    assert.deepEqual(orderAt(41), orderAt(41));
    assert.notDeepEqual(orderAt(41), orderAt(42));
    assert.match(orderAt(0).customerId, /^customer-\d{4}$/);
  });
});

describe('word-count example', () => {
  it('counts the words of the built-in text', TIMEOUT, async (t) => {
    const r = await runCli(t, ['run', '-p', '2', 'examples/word-count.ts']);
    assert.equal(r.code, 0, r.stderr);
    const counts = countWords(HAMLET);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const top = [...counts.entries()].sort(([w1, c1], [w2, c2]) => c2 - c1 || (w1 < w2 ? -1 : 1)).slice(0, 10);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `${total} words, ${counts.size} distinct. The 10 most frequent:`);
    assert.deepEqual(
      lines.slice(1).map((line) => line.trim().split(/\s+/)),
      top.map(([word, count]) => [String(count), word]),
    );
    assert.deepEqual(lines[1]!.trim().split(/\s+/), ['22', 'the']);
    assert.equal(summaryLine(r.stderr, 'Word Count')?.status, 'FINISHED');
  });

  it('counts the words of an input file given after --', TIMEOUT, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'flink-ts-wc-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const input = join(dir, 'input.txt');
    writeFileSync(input, "Stream, batch; stream!\nA stream's state\nbatch STREAM\n");
    const [viaCli, direct] = await Promise.all([
      runCli(t, ['run', 'examples/word-count.ts', '--', '--input', input, '--top', '3']),
      runNode(t, ['examples/word-count.ts', '--input', input, '--top', '3']),
    ]);
    // stream ×3, batch ×2, then a, state and stream's once each (ties by word).
    const expected = ['8 words, 5 distinct. The 3 most frequent:', '     3  stream', '     2  batch', '     1  a'];
    for (const r of [viaCli, direct]) {
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trimEnd().split('\n'), expected);
    }
  });
});
