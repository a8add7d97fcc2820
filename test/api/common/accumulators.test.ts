/*
 * Tests of the accumulators, against Flink's semantics: add, merge (what the job does with the
 * accumulators of all subtasks), clone (independent copies), reset, and Java int arithmetic for
 * IntCounter.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AverageAccumulator, DoubleCounter, Histogram, IntCounter, ListAccumulator, LongCounter, type Accumulator } from 'flink-ts';

describe('IntCounter, LongCounter, DoubleCounter', () => {
  it('add, merge and reset', () => {
    for (const make of [() => new IntCounter(), () => new LongCounter(), () => new DoubleCounter()]) {
      const a = make();
      const b = make();
      a.add(2);
      a.add(3);
      b.add(10);
      a.merge(b);
      assert.equal(a.getLocalValue(), 15);
      assert.equal(b.getLocalValue(), 10, 'merging does not change the other accumulator');
      a.resetLocal();
      assert.equal(a.getLocalValue(), 0);
    }
  });

  it('clone is an independent copy of the same kind', () => {
    for (const make of [() => new IntCounter(), () => new LongCounter(), () => new DoubleCounter()]) {
      const a = make();
      a.add(4);
      const c = a.clone();
      assert.equal(c.constructor, a.constructor);
      assert.equal(c.getLocalValue(), 4);
      c.add(1);
      assert.equal(a.getLocalValue(), 4);
    }
  });

  it('IntCounter wraps around like a Java int, in add and in merge', () => {
    const a = new IntCounter();
    a.add(2147483647);
    a.add(1);
    assert.equal(a.getLocalValue(), -2147483648);
    const b = new IntCounter();
    b.add(2147483647);
    const c = new IntCounter();
    c.add(2);
    b.merge(c);
    assert.equal(b.getLocalValue(), -2147483647);
  });

  it('LongCounter and DoubleCounter keep large and fractional values', () => {
    const l = new LongCounter();
    l.add(2 ** 40);
    l.add(2 ** 40);
    assert.equal(l.getLocalValue(), 2 ** 41);
    const d = new DoubleCounter();
    d.add(0.5);
    d.add(0.25);
    assert.equal(d.getLocalValue(), 0.75);
  });
});

describe('AverageAccumulator', () => {
  it('averages what was added and is 0 when empty', () => {
    const a = new AverageAccumulator();
    assert.equal(a.getLocalValue(), 0);
    for (const v of [1, 2, 3, 6]) a.add(v);
    assert.equal(a.getLocalValue(), 3);
  });

  it('merges counts and sums, not averages', () => {
    const a = new AverageAccumulator();
    a.add(10);
    const b = new AverageAccumulator();
    for (const v of [1, 1, 1]) b.add(v);
    a.merge(b);
    assert.equal(a.getLocalValue(), 13 / 4);
  });

  it('clone is independent; reset empties', () => {
    const a = new AverageAccumulator();
    a.add(4);
    const c = a.clone();
    c.add(0);
    assert.equal(a.getLocalValue(), 4);
    assert.equal(c.getLocalValue(), 2);
    a.resetLocal();
    assert.equal(a.getLocalValue(), 0);
  });

  it('refuses to merge another kind of accumulator instead of ignoring it, as Flink', () => {
    const a = new AverageAccumulator();
    a.add(1);
    const other = new LongCounter();
    other.add(5);
    assert.throws(() => a.merge(other as unknown as Accumulator<number, number>), TypeError);
    assert.equal(a.getLocalValue(), 1);
  });
});

describe('ListAccumulator', () => {
  it('appends in order and merges by appending the other list', () => {
    const a = new ListAccumulator<string>();
    a.add('x');
    const b = new ListAccumulator<string>();
    b.add('y');
    b.add('z');
    a.merge(b);
    assert.deepEqual(a.getLocalValue(), ['x', 'y', 'z']);
    assert.deepEqual(b.getLocalValue(), ['y', 'z']);
  });

  it('clone copies the list; reset starts a new one', () => {
    const a = new ListAccumulator<number>();
    a.add(1);
    const c = a.clone();
    c.add(2);
    assert.deepEqual(a.getLocalValue(), [1]);
    const before = a.getLocalValue();
    a.resetLocal();
    assert.deepEqual(a.getLocalValue(), []);
    assert.deepEqual(before, [1], 'a list handed out earlier is not cleared');
  });
});

describe('Histogram', () => {
  it('counts occurrences and merges counts per value', () => {
    const a = new Histogram();
    for (const v of [1, 2, 2, 3]) a.add(v);
    const b = new Histogram();
    for (const v of [2, 4]) b.add(v);
    a.merge(b);
    assert.deepEqual([...a.getLocalValue()].sort((x, y) => x[0] - y[0]), [[1, 1], [2, 3], [3, 1], [4, 1]]);
    assert.deepEqual([...b.getLocalValue()].sort((x, y) => x[0] - y[0]), [[2, 1], [4, 1]]);
  });

  it('clone is independent; reset empties', () => {
    const a = new Histogram();
    a.add(1);
    const c = a.clone();
    c.add(1);
    assert.equal(a.getLocalValue().get(1), 1);
    assert.equal(c.getLocalValue().get(1), 2);
    a.resetLocal();
    assert.equal(a.getLocalValue().size, 0);
  });
});
