/*
 * End-to-end tests of KeyedStream: reduce and the built-in aggregations with Flink's semantics
 * (sum/min/max keep the key's first record and update one field; minBy/maxBy return whole
 * records), on objects, arrays and plain numbers, through the real engine.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RichReduceFunction, StreamExecutionEnvironment } from 'flink-ts';
import { groupBySubtask, range } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

interface Reading {
  readonly sensor: string;
  readonly value: number;
  readonly tag: string;
}

const readings: Reading[] = [
  { sensor: 'a', value: 3, tag: 'a1' },
  { sensor: 'b', value: 10, tag: 'b1' },
  { sensor: 'a', value: 1, tag: 'a2' },
  { sensor: 'a', value: 5, tag: 'a3' },
  { sensor: 'b', value: 7, tag: 'b2' },
  { sensor: 'a', value: 1, tag: 'a4' },
];

/** The emitted records of each key, in emission order. */
function byKey<T>(records: readonly T[], key: (r: T) => unknown): Map<unknown, T[]> {
  return groupBySubtask(records.map((value) => ({ subtask: key(value) as number, value })));
}

describe('reduce', () => {
  it('emits the running reduction of every key (word count at parallelism 4)', async () => {
    const words = range(1, 2000).map((i) => `w${i % 7}`);
    const out = await env(4)
      .fromCollection(words)
      .map((word) => ({ word, count: 1 }))
      .keyBy((x) => x.word)
      .reduce((a, b) => ({ word: a.word, count: a.count + b.count }))
      .executeAndCollect();
    assert.equal(out.length, words.length);
    const perKey = byKey(out, (r) => r.word);
    for (let k = 0; k < 7; k++) {
      const expected = words.filter((w) => w === `w${k}`).length;
      // One subtask owns each key and sees its records in order, so its counts run 1..n.
      assert.deepEqual(perKey.get(`w${k}`)!.map((r) => r.count), range(1, expected));
    }
  });

  it('accepts a RichReduceFunction and an object with reduce()', async () => {
    class Concat extends RichReduceFunction<string> {
      reduce(a: string, b: string): string {
        return a + b;
      }
    }
    const e = env(2);
    const letters = e.fromElements('a', 'b', 'c', 'd');
    const rich = await letters.keyBy((s) => s < 'c').reduce(new Concat()).executeAndCollect();
    assert.deepEqual(rich.sort(), ['a', 'ab', 'c', 'cd']);
    const obj = await env().fromElements(1, 2, 3).keyBy(() => 'all').reduce({ reduce: (a: number, b: number) => a * 10 + b }).executeAndCollect();
    assert.deepEqual(obj, [1, 12, 123]);
  });

  it('keeps keys of different types apart (number 1 and string "1")', async () => {
    const out = await env(3)
      .fromElements<[number | string, number]>([1, 1], ['1', 10], [1, 2], ['1', 20])
      .keyBy((t) => t[0])
      .reduce((a, b) => [a[0], a[1] + b[1]])
      .executeAndCollect();
    const finals = new Map(out.map((t) => [`${typeof t[0]}:${t[0]}`, t[1]]));
    assert.deepEqual(Object.fromEntries(finals), { 'number:1': 3, 'string:1': 30 });
  });

  it('keys by a composite (array) key', async () => {
    const out = await env(2)
      .fromElements({ a: 'x', b: 1, n: 1 }, { a: 'x', b: 2, n: 1 }, { a: 'x', b: 1, n: 1 })
      .keyBy((r) => [r.a, r.b])
      .reduce((p, q) => ({ ...p, n: p.n + q.n }))
      .executeAndCollect();
    assert.deepEqual(out.map((r) => `${r.a}${r.b}:${r.n}`).sort(), ['x1:1', 'x1:2', 'x2:1']);
  });
});

describe('sum, min, max (first record of the key, one field updated)', () => {
  const run = async (aggregate: (s: ReturnType<typeof keyed>) => ReturnType<ReturnType<typeof keyed>['sum']>) => byKey(await aggregate(keyed()).executeAndCollect(), (r) => r.sensor);
  const keyed = () => env(2).fromCollection(readings).keyBy((r) => r.sensor);

  it('sum by field name', async () => {
    const out = await run((k) => k.sum('value'));
    assert.deepEqual(out.get('a'), [
      { sensor: 'a', value: 3, tag: 'a1' },
      { sensor: 'a', value: 4, tag: 'a1' },
      { sensor: 'a', value: 9, tag: 'a1' },
      { sensor: 'a', value: 10, tag: 'a1' },
    ]);
    assert.deepEqual(out.get('b'), [
      { sensor: 'b', value: 10, tag: 'b1' },
      { sensor: 'b', value: 17, tag: 'b1' },
    ]);
  });

  it('min by field name', async () => {
    const out = await run((k) => k.min('value'));
    assert.deepEqual(
      out.get('a')!.map((r) => [r.value, r.tag]),
      [
        [3, 'a1'],
        [1, 'a1'],
        [1, 'a1'],
        [1, 'a1'],
      ],
    );
    assert.deepEqual(
      out.get('b')!.map((r) => [r.value, r.tag]),
      [
        [10, 'b1'],
        [7, 'b1'],
      ],
    );
  });

  it('max by field name', async () => {
    const out = await run((k) => k.max('value'));
    assert.deepEqual(
      out.get('a')!.map((r) => [r.value, r.tag]),
      [
        [3, 'a1'],
        [3, 'a1'],
        [5, 'a1'],
        [5, 'a1'],
      ],
    );
    assert.deepEqual(
      out.get('b')!.map((r) => [r.value, r.tag]),
      [
        [10, 'b1'],
        [10, 'b1'],
      ],
    );
  });

  it('does not change the records it has already emitted', async () => {
    const out = await env().fromElements({ k: 1, v: 1 }, { k: 1, v: 2 }, { k: 1, v: 3 }).keyBy((r) => r.k).sum('v').executeAndCollect();
    assert.deepEqual(
      out.map((r) => r.v),
      [1, 3, 6],
    );
  });

  it('aggregate array fields by index', async () => {
    const tuples: [string, number, string][] = [
      ['a', 3, 'first'],
      ['a', 8, 'second'],
      ['a', 1, 'third'],
    ];
    const e = () => env(2).fromCollection(tuples).keyBy((t) => t[0]);
    assert.deepEqual(await e().sum(1).executeAndCollect(), [
      ['a', 3, 'first'],
      ['a', 11, 'first'],
      ['a', 12, 'first'],
    ]);
    assert.deepEqual(await e().min(1).executeAndCollect(), [
      ['a', 3, 'first'],
      ['a', 3, 'first'],
      ['a', 1, 'first'],
    ]);
    assert.deepEqual(await e().max(1).executeAndCollect(), [
      ['a', 3, 'first'],
      ['a', 8, 'first'],
      ['a', 8, 'first'],
    ]);
    assert.deepEqual(await e().maxBy(1).executeAndCollect(), [
      ['a', 3, 'first'],
      ['a', 8, 'second'],
      ['a', 8, 'second'],
    ]);
  });

  it('aggregate a stream of plain numbers by the values themselves', async () => {
    // At parallelism 1 the keys' outputs interleave in input order.
    const e = () => env().fromElements(5, 2, 8, 1, 4, 6).keyBy((x) => x % 2);
    assert.deepEqual(await e().sum().executeAndCollect(), [5, 2, 10, 6, 14, 20]);
    assert.deepEqual(await e().min().executeAndCollect(), [5, 2, 2, 1, 2, 2]);
    assert.deepEqual(await e().max().executeAndCollect(), [5, 2, 8, 5, 8, 8]);
  });
});

describe('minBy, maxBy (whole records)', () => {
  const keyed = () => env(2).fromCollection(readings).keyBy((r) => r.sensor);

  it('minBy returns the record holding the smallest value; ties keep the earlier one', async () => {
    const out = byKey(await keyed().minBy('value').executeAndCollect(), (r) => r.sensor);
    assert.deepEqual(
      out.get('a')!.map((r) => r.tag),
      ['a1', 'a2', 'a2', 'a2'],
    );
    assert.deepEqual(
      out.get('b')!.map((r) => r.tag),
      ['b1', 'b2'],
    );
  });

  it('minBy(field, false) takes the later record on ties', async () => {
    const out = byKey(await keyed().minBy('value', false).executeAndCollect(), (r) => r.sensor);
    assert.deepEqual(
      out.get('a')!.map((r) => r.tag),
      ['a1', 'a2', 'a2', 'a4'],
    );
  });

  it('maxBy returns the record holding the largest value', async () => {
    const out = byKey(await keyed().maxBy('value').executeAndCollect(), (r) => r.sensor);
    assert.deepEqual(out.get('a'), [readings[0], readings[0], readings[3], readings[3]]);
    assert.deepEqual(out.get('b'), [readings[1], readings[1]]);
  });

  it('an aggregation over a field that is not a number fails the job naming the field', async () => {
    const job = env().fromElements({ k: 1, v: 'x' }, { k: 1, v: 'y' }).keyBy((r) => r.k).sum('v').executeAndCollect();
    await assert.rejects(job, /field 'v'/);
  });
});
