/*
 * Tests of per-subtask function copies: subtask 0 gets the original; other subtasks a deep copy of
 * the object's own fields that keeps prototypes, methods, cycles, shared references, Maps, Sets
 * and Dates, while functions and closures are used as they are.
 */
import { userFunctionError } from '../../../src/errors.ts';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RichMapFunction } from 'flink-ts';
import { copyFunctionForSubtask } from '../../../src/api/common/function-copy.ts';

class Counter {
  count = 0;
  readonly seen: number[] = [];
  increment(v: number): number {
    this.seen.push(v);
    return ++this.count;
  }
}

describe('copyFunctionForSubtask', () => {
  it('gives subtask 0 the original object', () => {
    const fn = new Counter();
    assert.equal(copyFunctionForSubtask(fn, 0), fn);
  });

  it('uses plain functions and closures as they are on every subtask', () => {
    let calls = 0;
    const fn = (): number => ++calls;
    assert.equal(copyFunctionForSubtask(fn, 3), fn);
    assert.equal(copyFunctionForSubtask(null, 1), null);
    assert.equal(copyFunctionForSubtask(5, 1), 5);
  });

  it('copies own fields deeply, keeping the prototype and methods', () => {
    const original = new Counter();
    original.increment(1);
    const copy = copyFunctionForSubtask(original, 1);
    assert.notEqual(copy, original);
    assert.ok(copy instanceof Counter);
    assert.equal(Object.getPrototypeOf(copy), Counter.prototype);
    assert.equal(copy.count, 1);
    assert.deepEqual(copy.seen, [1]);
    assert.notEqual(copy.seen, original.seen);
    copy.increment(2);
    assert.equal(original.count, 1);
    assert.deepEqual(original.seen, [1]);
    assert.deepEqual(copy.seen, [1, 2]);
  });

  it('copies rich functions: each subtask gets its own state and runtime context slot', () => {
    class Mapper extends RichMapFunction<number, number> {
      total = 0;
      map(v: number): number {
        return (this.total += v);
      }
    }
    const original = new Mapper();
    const copy = copyFunctionForSubtask(original, 1);
    assert.ok(copy instanceof Mapper);
    copy.map(5);
    assert.equal(original.total, 0);
    assert.throws(() => copy.getRuntimeContext(), /not been initialized/);
  });

  it('keeps cycles and shared references within the object', () => {
    const shared = { n: 1 };
    const original: Record<string, unknown> = { a: shared, b: shared };
    original.self = original;
    const copy = copyFunctionForSubtask(original, 2) as Record<string, any>;
    assert.equal(copy.self, copy);
    assert.equal(copy.a, copy.b);
    assert.notEqual(copy.a, shared);
  });

  it('copies Maps, Sets, Dates, RegExps and typed arrays', () => {
    const key = { k: 1 };
    const original = {
      map: new Map<unknown, unknown>([[key, { v: 1 }], ['s', 2]]),
      set: new Set([1, 'two', key]),
      date: new Date(1234),
      re: /ab+c/gi,
      bytes: new Uint8Array([1, 2, 3]),
    };
    const copy = copyFunctionForSubtask(original, 1);
    assert.ok(copy.map instanceof Map && copy.map !== original.map);
    assert.equal(copy.map.get('s'), 2);
    const [copiedKey, copiedValue] = [...copy.map][0]!;
    assert.notEqual(copiedKey, key);
    assert.deepEqual(copiedKey, key);
    assert.deepEqual(copiedValue, { v: 1 });
    assert.ok(copy.set instanceof Set && copy.set !== original.set);
    assert.equal(copy.set.size, 3);
    assert.ok(copy.set.has(copiedKey), 'the same object reached twice is copied once');
    assert.ok(copy.date instanceof Date && copy.date !== original.date);
    assert.equal(copy.date.getTime(), 1234);
    assert.ok(copy.re instanceof RegExp && copy.re !== original.re);
    assert.equal(copy.re.source, 'ab+c');
    assert.equal(copy.re.flags, 'gi');
    assert.deepEqual([...copy.bytes], [1, 2, 3]);
    copy.bytes[0] = 9;
    assert.equal(original.bytes[0], 1);
  });

  it('does not copy functions held in fields', () => {
    const helper = (): string => 'help';
    const original = { helper, nested: { fn: helper } };
    const copy = copyFunctionForSubtask(original, 1);
    assert.equal(copy.helper, helper);
    assert.equal(copy.nested.fn, helper);
    assert.notEqual(copy.nested, original.nested);
  });

  it('keeps promises and weak collections by reference', () => {
    const p = Promise.resolve(1);
    const wm = new WeakMap();
    const original = { p, wm };
    const copy = copyFunctionForSubtask(original, 1);
    assert.equal(copy.p, p);
    assert.equal(copy.wm, wm);
  });

  it('copies symbol-keyed fields and keeps property attributes and accessors', () => {
    const sym = Symbol('s');
    const original: Record<PropertyKey, unknown> = { [sym]: { v: 1 } };
    Object.defineProperty(original, 'hidden', { value: [1], enumerable: false, writable: false });
    Object.defineProperty(original, 'computed', { get() { return 42; }, enumerable: true });
    const copy = copyFunctionForSubtask(original, 1);
    assert.deepEqual(copy[sym], { v: 1 });
    assert.notEqual(copy[sym], original[sym]);
    const hidden = Object.getOwnPropertyDescriptor(copy, 'hidden')!;
    assert.equal(hidden.enumerable, false);
    assert.equal(hidden.writable, false);
    assert.deepEqual(hidden.value, [1]);
    assert.equal(copy.computed, 42);
  });

  it('copies arrays element by element', () => {
    const inner = { x: 1 };
    const original = { list: [inner, inner, 3] };
    const copy = copyFunctionForSubtask(original, 1);
    assert.ok(Array.isArray(copy.list));
    assert.equal(copy.list[0], copy.list[1]);
    assert.notEqual(copy.list[0], inner);
  });

  it('a function object with #private fields cannot be copied, and the error says why', () => {
    class WithPrivate {
      #n = 0;
      map(v: number): number {
        return v + ++this.#n;
      }
    }
    const copy = copyFunctionForSubtask(new WithPrivate(), 1);
    let thrown: unknown;
    try {
      copy.map(1);
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown instanceof TypeError);
    const error = userFunctionError(thrown, 'Map', 1, 2);
    assert.match(error.message, /#private fields cannot be copied/);
    assert.equal(error.cause, thrown);
  });
});
