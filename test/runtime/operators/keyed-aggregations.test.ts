/*
 * Tests of the keyed aggregations' reduce functions: Flink's semantics of sum/min/max (first
 * record with the field updated) versus minBy/maxBy (the extreme record, first or last on ties),
 * fields by name or index, plain number streams, copies, and errors for non-numeric fields.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import {
  maxAggregation,
  maxByAggregation,
  minAggregation,
  minByAggregation,
  sumAggregation,
} from '../../../src/runtime/operators/keyed-aggregations.ts';
import { StreamGroupedReduceOperator } from '../../../src/runtime/operators/stream-grouped-reduce-operator.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

function fold<T>(reduce: (a: T, b: T) => T, values: T[]): T[] {
  const out: T[] = [values[0]!];
  for (let i = 1; i < values.length; i++) out.push(reduce(out[i - 1]!, values[i]!));
  return out;
}

interface Reading {
  sensor: string;
  temp: number;
  seq: number;
}

const readings: Reading[] = [
  { sensor: 's', temp: 5, seq: 1 },
  { sensor: 's', temp: 3, seq: 2 },
  { sensor: 's', temp: 3, seq: 3 },
  { sensor: 's', temp: 9, seq: 4 },
];

describe('keyed aggregations', () => {
  it('sum adds the field into a copy of the first record', () => {
    const out = fold(sumAggregation<Reading>('temp'), readings);
    assert.deepEqual(
      out.map((r) => [r.temp, r.seq]),
      [
        [5, 1],
        [8, 1],
        [11, 1],
        [20, 1],
      ],
    );
    assert.deepEqual(readings[0], { sensor: 's', temp: 5, seq: 1 }, 'inputs are not modified');
    assert.notEqual(out[1], readings[0]);
  });

  it('min and max update only the field of the first record', () => {
    assert.deepEqual(
      fold(minAggregation<Reading>('temp'), readings).map((r) => [r.temp, r.seq]),
      [
        [5, 1],
        [3, 1],
        [3, 1],
        [3, 1],
      ],
    );
    assert.deepEqual(
      fold(maxAggregation<Reading>('temp'), readings).map((r) => [r.temp, r.seq]),
      [
        [5, 1],
        [5, 1],
        [5, 1],
        [9, 1],
      ],
    );
  });

  it('minBy and maxBy return the whole extreme record, the first on ties by default', () => {
    assert.deepEqual(
      fold(minByAggregation<Reading>('temp'), readings).map((r) => r.seq),
      [1, 2, 2, 2],
    );
    assert.deepEqual(
      fold(minByAggregation<Reading>('temp', false), readings).map((r) => r.seq),
      [1, 2, 3, 3],
    );
    const ties = [
      { sensor: 's', temp: 9, seq: 1 },
      { sensor: 's', temp: 9, seq: 2 },
      { sensor: 's', temp: 1, seq: 3 },
    ];
    assert.deepEqual(
      fold(maxByAggregation<Reading>('temp'), ties).map((r) => r.seq),
      [1, 1, 1],
    );
    assert.deepEqual(
      fold(maxByAggregation<Reading>('temp', false), ties).map((r) => r.seq),
      [1, 2, 2],
    );
    const out = fold(maxByAggregation<Reading>('temp'), readings);
    assert.equal(out[3], readings[3], 'the record itself, not a copy');
  });

  it('addresses tuple fields by index and copies arrays', () => {
    const tuples: [string, number][] = [
      ['a', 1],
      ['a', 2],
      ['a', 3],
    ];
    const out = fold(sumAggregation<[string, number]>(1), tuples);
    assert.deepEqual(out, [
      ['a', 1],
      ['a', 3],
      ['a', 6],
    ]);
    assert.ok(Array.isArray(out[2]));
    assert.deepEqual(tuples[0], ['a', 1]);
    assert.deepEqual(fold(minByAggregation<[string, number]>(1), [['x', 2], ['y', 1], ['z', 3]] as [string, number][]), [
      ['x', 2],
      ['y', 1],
      ['y', 1],
    ]);
  });

  it('aggregates plain numbers and bigints by their values', () => {
    assert.deepEqual(fold(sumAggregation<number>(), [1, 2, 3]), [1, 3, 6]);
    assert.deepEqual(fold(sumAggregation<number>(0), [1, 2, 3]), [1, 3, 6]);
    assert.deepEqual(fold(minAggregation<number>(), [4, 2, 3]), [4, 2, 2]);
    assert.deepEqual(fold(maxAggregation<number>('*'), [4, 2, 7]), [4, 4, 7]);
    assert.deepEqual(fold(sumAggregation<bigint>(), [1n, 2n]), [1n, 3n]);
    assert.deepEqual(fold(maxByAggregation<bigint>(), [1n, 5n, 2n]), [1n, 5n, 5n]);
  });

  it('keeps the prototype of class instances in copies', () => {
    class Point {
      x: number;
      constructor(x: number) {
        this.x = x;
      }
      double(): number {
        return this.x * 2;
      }
    }
    const out = sumAggregation<Point>('x')(new Point(1), new Point(2));
    assert.ok(out instanceof Point);
    assert.equal(out.double(), 6);
  });

  it('names the field when its value is not a number', () => {
    const reduce = sumAggregation<Record<string, unknown>>('temp');
    assert.throws(() => reduce({ temp: 1 }, { temp: 'hot' }), (e: unknown) => e instanceof TypeError && /sum: the field 'temp' of record \{"temp":"hot"\} is "hot", not a number/.test(e.message));
    assert.throws(() => minByAggregation<Record<string, unknown>>('t')({ x: 1 }, { x: 2 }), /minBy: the field 't' .* is undefined, not a number/);
    assert.throws(() => maxAggregation<number[]>(3)([1], [2]), /max: the field 3 of record \[1\]/);
    assert.throws(() => sumAggregation<unknown>()({ a: 1 }, { a: 2 }), /records that are not plain numbers need a field/);
    assert.throws(() => sumAggregation<unknown>('a')(1, 2), /the record has no field 'a'/);
    assert.throws(() => sumAggregation<unknown>()(1, 2n), /a number in one record and a bigint in another/);
  });

  it('rejects an invalid field when the aggregation is defined', () => {
    for (const bad of [-1, 1.5, '', Number.NaN]) {
      assert.throws(() => sumAggregation(bad), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_INVALID_PIPELINE);
    }
  });

  it('runs in the grouped reduce operator per key, and its failure names operator and field', async () => {
    const op = new StreamGroupedReduceOperator<{ k: string; n: unknown }>(sumAggregation('n'), (r) => r.k);
    const h = new OneInputOperatorTestHarness(op, { keyed: true, operatorName: 'Keyed Aggregation' });
    await h.open();
    h.processElement({ k: 'a', n: 1 }, 1);
    h.processElement({ k: 'b', n: 5 }, 2);
    h.processElement({ k: 'a', n: 2 }, 3);
    assert.deepEqual(h.getOutput(), [
      { value: { k: 'a', n: 1 }, timestamp: 1 },
      { value: { k: 'b', n: 5 }, timestamp: 2 },
      { value: { k: 'a', n: 3 }, timestamp: 3 },
    ]);
    assert.throws(
      () => h.processElement({ k: 'a', n: null }),
      (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_USER_FUNCTION && /'Keyed Aggregation'.*field 'n'.*is null, not a number/.test(e.message),
    );
  });
});
