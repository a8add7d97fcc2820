/*
 * Tests of AbstractUdfStreamOperator: the user function's lifecycle, error wrapping of open and
 * close, key errors, and the method resolution helpers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import type { OpenContext, RuntimeContext } from '../../../src/api/common/runtime-context.ts';
import { AbstractUdfStreamOperator, resolveObjectMethod, resolveOptionalMethod } from '../../../src/runtime/operators/abstract-udf-stream-operator.ts';
import { hashKey } from '../../../src/runtime/state/key-hash.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

class TestOperator<F> extends AbstractUdfStreamOperator<unknown, F> {
  processElement(): void {}
  keyErrorOf(cause: unknown, value: unknown): Error {
    return this.keyError(cause, value);
  }
}

describe('AbstractUdfStreamOperator', () => {
  it('sets the runtime context, then awaits open; close is awaited too', async () => {
    const calls: string[] = [];
    const fn = {
      setRuntimeContext(ctx: RuntimeContext) {
        calls.push(`context ${ctx.getTaskName()}`);
      },
      async open(ctx: OpenContext) {
        await Promise.resolve();
        calls.push(`open ${ctx.getRuntimeContext().getIndexOfThisSubtask()}`);
      },
      async close() {
        await Promise.resolve();
        calls.push('close');
      },
    };
    const h = new OneInputOperatorTestHarness(new TestOperator(fn), { operatorName: 'op' });
    await h.open();
    await h.close();
    assert.deepEqual(calls, ['context op', 'open 0', 'close']);
  });

  it('works with plain functions, which have no lifecycle', async () => {
    const h = new OneInputOperatorTestHarness(new TestOperator(() => 1));
    await h.open();
    await h.close();
  });

  it('wraps failures of open and close with operator and subtask', async () => {
    const fn = {
      open() {
        throw new Error('open failed');
      },
      close() {
        return Promise.reject(new Error('close failed'));
      },
    };
    const h = new OneInputOperatorTestHarness(new TestOperator(fn), { operatorName: 'X', subtaskIndex: 1, parallelism: 2 });
    await assert.rejects(h.open(), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_USER_FUNCTION && e.message.includes("'X' (subtask 2/2) failed while opening: open failed"));
    await assert.rejects(h.close(), /failed while closing: close failed/);
  });

  it('keeps the code of an invalid key and adds where it happened', () => {
    const op = new TestOperator(null);
    new OneInputOperatorTestHarness(op, { operatorName: 'K', subtaskIndex: 0, parallelism: 3 });
    let cause: unknown;
    try {
      hashKey(Symbol('s'));
    } catch (e) {
      cause = e;
    }
    const err = op.keyErrorOf(cause, { v: 1 });
    assert.ok(FlinkError.isFlinkError(err));
    assert.equal(err.code, ErrorCodes.FLINK_TS_INVALID_KEY);
    assert.match(err.message, /^Operator 'K' \(subtask 1\/3\) could not key record \{"v":1\}: Invalid key/);
    assert.equal(err.cause, cause);
    assert.deepEqual(err.context, { operator: 'K', subtask: 0 });
    const named = new FlinkError(ErrorCodes.FLINK_TS_INVALID_KEY, "Invalid key in operator 'K' (subtask 1/3): the key selector returned null.");
    assert.equal(op.keyErrorOf(named, 7).message, "Invalid key in operator 'K' (subtask 1/3): the key selector returned null. Record: 7");
    const user = op.keyErrorOf(new Error('selector'), 1);
    assert.ok(FlinkError.isFlinkError(user));
    assert.equal(user.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
  });

  it('resolves optional and object methods bound to their object', () => {
    const obj = {
      n: 2,
      twice(x: number) {
        return x * this.n;
      },
    };
    assert.equal(resolveOptionalMethod<(x: number) => number>(obj, 'twice')!(3), 6);
    assert.equal(resolveOptionalMethod(obj, 'missing'), null);
    assert.equal(resolveOptionalMethod(() => 1, 'twice'), null);
    assert.equal(resolveObjectMethod<(x: number) => number>(obj, 'twice', 'F', 'twice()')(4), 8);
    assert.throws(() => resolveObjectMethod(() => 1, 'twice', 'F', 'twice()'), /F must be an object with twice\(\) methods/);
  });
});
