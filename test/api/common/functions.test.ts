/*
 * Tests of resolveMethod (a user function given as a function or an object with the method) and
 * functionName (the name shown for a user function).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { functionName, resolveMethod } from '../../../src/api/common/functions.ts';

describe('resolveMethod', () => {
  it('returns a plain function as it is', () => {
    const fn = (v: number): number => v + 1;
    assert.equal(resolveMethod(fn, 'map', 'The map function'), fn);
  });

  it('binds the method of an object to the object', () => {
    const mapper = {
      offset: 10,
      map(v: number): number {
        return v + this.offset;
      },
    };
    const map = resolveMethod<(v: number) => number>(mapper, 'map', 'The map function');
    assert.equal(map(1), 11);
  });

  it('finds methods on the prototype chain', () => {
    class Base {
      filter(): boolean {
        return true;
      }
    }
    class Derived extends Base {}
    assert.equal(resolveMethod<() => boolean>(new Derived(), 'filter', 'f')(), true);
  });

  it('rejects anything else with a message naming what was expected', () => {
    for (const bad of [undefined, null, 42, 'map', {}, { map: 'not a function' }]) {
      assert.throws(() => resolveMethod(bad, 'map', 'The map function'), (e: unknown) => e instanceof TypeError && e.message === 'The map function must be a function or an object with a map() method');
    }
  });
});

describe('functionName', () => {
  it('names named functions, including arrows assigned to a name', () => {
    function parse(): void {}
    const toUpper = (): void => {};
    assert.equal(functionName(parse), 'parse');
    assert.equal(functionName(toUpper), 'toUpper');
  });

  it('names class instances by their class', () => {
    class WordSplitter {}
    assert.equal(functionName(new WordSplitter()), 'WordSplitter');
  });

  it('has no name for anonymous and bound functions and plain objects', () => {
    assert.equal(functionName(
      // An inline function expression has no name.
      [(): void => {}][0],
    ), undefined);
    function named(): void {}
    assert.equal(functionName(named.bind(null)), undefined);
    assert.equal(functionName({ map: () => 1 }), undefined);
    assert.equal(functionName(Object.create(null)), undefined);
    assert.equal(functionName(42), undefined);
  });
});
