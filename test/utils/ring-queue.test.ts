/*
 * Tests of RingQueue: FIFO order, growth while the contents wrap around the end of the array,
 * clear and iteration, and a randomized run against a plain array.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RingQueue } from '../../src/utils/ring-queue.ts';

describe('RingQueue', () => {
  it('is empty when new and returns undefined from shift and peek', () => {
    const q = new RingQueue<number>();
    assert.equal(q.size, 0);
    assert.equal(q.isEmpty(), true);
    assert.equal(q.shift(), undefined);
    assert.equal(q.peek(), undefined);
  });

  it('keeps first-in first-out order', () => {
    const q = new RingQueue<string>();
    for (const s of ['a', 'b', 'c']) q.push(s);
    assert.equal(q.size, 3);
    assert.equal(q.peek(), 'a');
    assert.equal(q.shift(), 'a');
    assert.equal(q.shift(), 'b');
    assert.equal(q.shift(), 'c');
    assert.equal(q.isEmpty(), true);
  });

  it('grows past its initial capacity while the contents wrap around', () => {
    const q = new RingQueue<number>(4);
    // Move the head to the middle of the array so the next pushes wrap around its end.
    for (let i = 0; i < 3; i++) q.push(-1);
    for (let i = 0; i < 3; i++) q.shift();
    for (let i = 0; i < 4; i++) q.push(i);
    // Full and wrapped: growing must unroll the wrapped part in order.
    for (let i = 4; i < 20; i++) q.push(i);
    assert.equal(q.size, 20);
    assert.deepEqual([...q], Array.from({ length: 20 }, (_, i) => i));
    for (let i = 0; i < 20; i++) assert.equal(q.shift(), i);
    assert.equal(q.size, 0);
  });

  it('rounds a capacity that is not a power of two up and still stores any number of items', () => {
    const q = new RingQueue<number>(5);
    for (let i = 0; i < 100; i++) q.push(i);
    assert.deepEqual([...q], Array.from({ length: 100 }, (_, i) => i));
  });

  it('iterates without consuming', () => {
    const q = new RingQueue<number>(2);
    q.push(1);
    q.push(2);
    q.shift();
    q.push(3);
    assert.deepEqual([...q], [2, 3]);
    assert.equal(q.size, 2);
  });

  it('clear empties the queue and drops references', () => {
    const q = new RingQueue<object>(4);
    const item = {};
    q.push(item);
    q.push({});
    q.clear();
    assert.equal(q.size, 0);
    assert.equal(q.shift(), undefined);
    assert.deepEqual([...q], []);
    assert.ok(!((q as any).items as unknown[]).includes(item));
    q.push(item);
    assert.equal(q.shift(), item);
  });

  it('does not keep a reference to a shifted item', () => {
    const q = new RingQueue<object>(4);
    const item = {};
    q.push(item);
    q.shift();
    assert.ok(!((q as any).items as unknown[]).includes(item));
  });

  it('behaves like an array under a random mix of pushes and shifts', () => {
    let seed = 42;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const q = new RingQueue<number>(2);
    const reference: number[] = [];
    let next = 0;
    for (let step = 0; step < 20_000; step++) {
      if (random() < 0.55) {
        q.push(next);
        reference.push(next++);
      } else {
        assert.equal(q.shift(), reference.shift());
      }
      assert.equal(q.size, reference.length);
      assert.equal(q.peek(), reference[0]);
    }
    assert.deepEqual([...q], reference);
  });
});
