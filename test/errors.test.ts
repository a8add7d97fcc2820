/*
 * Tests of the error table and FlinkError: every code equals its key and is documented, errors are
 * recognized across copies of the library by their brand, and user-function errors name operator
 * and subtask, keep the cause and are not wrapped twice.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, ErrorDescriptions, FlinkError } from 'flink-ts';
import { configurationError, illegalState, invalidPipeline, userFunctionError } from '../src/errors.ts';

describe('ErrorCodes', () => {
  it('every code equals its key and carries the project prefix', () => {
    for (const [key, code] of Object.entries(ErrorCodes)) {
      assert.equal(code, key);
      assert.match(code, /^FLINK_TS_[A-Z_]+$/);
    }
  });

  it('every code is documented, and only codes are', () => {
    assert.deepEqual(Object.keys(ErrorDescriptions).sort(), Object.keys(ErrorCodes).sort());
    for (const [code, description] of Object.entries(ErrorDescriptions)) {
      assert.equal(typeof description, 'string', code);
      assert.ok(description.length > 10, `${code} has a real description`);
    }
  });

  it('codes are never reused', () => {
    assert.equal(new Set(Object.values(ErrorCodes)).size, Object.keys(ErrorCodes).length);
  });
});

describe('FlinkError', () => {
  it('is an Error with a code, a cause and a context', () => {
    const cause = new Error('root');
    const e = new FlinkError(ErrorCodes.FLINK_TS_JOB_FAILED, 'failed', { cause, context: { operator: 'Map', subtask: 1 } });
    assert.ok(e instanceof Error);
    assert.ok(e instanceof FlinkError);
    assert.equal(e.name, 'FlinkError');
    assert.equal(e.message, 'failed');
    assert.equal(e.code, ErrorCodes.FLINK_TS_JOB_FAILED);
    assert.equal(e.cause, cause);
    assert.deepEqual(e.context, { operator: 'Map', subtask: 1 });
    assert.ok(e.stack?.includes('failed'));
  });

  it('has an empty context and no cause by default', () => {
    const e = new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, 'no');
    assert.deepEqual(e.context, {});
    assert.equal('cause' in e, false);
  });

  it('isFlinkError recognizes the brand, also on an object from another copy of the library', () => {
    assert.equal(FlinkError.isFlinkError(new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, 'x')), true);
    const foreign = { code: ErrorCodes.FLINK_TS_JOB_FAILED, message: 'from elsewhere', [Symbol.for('flink-ts.error')]: true };
    assert.equal(FlinkError.isFlinkError(foreign), true);
    class OtherCopy extends Error {
      get [Symbol.for('flink-ts.error')](): true {
        return true;
      }
    }
    assert.equal(FlinkError.isFlinkError(new OtherCopy('x')), true);
    for (const value of [new Error('plain'), { code: 'FLINK_TS_JOB_FAILED' }, { [Symbol.for('flink-ts.error')]: 'yes' }, null, undefined, 'FlinkError', 42]) {
      assert.equal(FlinkError.isFlinkError(value), false, String(value));
    }
  });

  it('has helpers for its common codes', () => {
    const cause = new Error('bad');
    const c = configurationError('bad key', cause);
    assert.equal(c.code, ErrorCodes.FLINK_TS_CONFIGURATION);
    assert.equal(c.cause, cause);
    assert.equal('cause' in configurationError('no cause'), false);
    assert.equal(invalidPipeline('p').code, ErrorCodes.FLINK_TS_INVALID_PIPELINE);
    assert.equal(illegalState('s').code, ErrorCodes.FLINK_TS_ILLEGAL_STATE);
  });
});

describe('userFunctionError', () => {
  it('names operator, subtask (1-based, of the parallelism) and what was happening, and keeps the cause', () => {
    const cause = new RangeError('index out of range');
    const e = userFunctionError(cause, 'Flat Map', 2, 4, 'processing record 7');
    assert.equal(e.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
    assert.equal(e.message, "User function of operator 'Flat Map' (subtask 3/4) failed while processing record 7: index out of range");
    assert.equal(e.cause, cause);
    assert.deepEqual(e.context, { operator: 'Flat Map', subtask: 2 });
  });

  it('describes a thrown non-Error value and defaults to processing a record', () => {
    const e = userFunctionError('just a string', 'Map', 0, 1);
    assert.match(e.message, /while processing a record: just a string$/);
    assert.equal(e.cause, 'just a string');
  });

  it('does not wrap a user-function error twice', () => {
    const inner = userFunctionError(new Error('x'), 'Map', 0, 2);
    assert.equal(userFunctionError(inner, 'Source', 1, 2, 'running'), inner);
  });

  it('wraps other Flink errors, keeping them as the cause', () => {
    const invalidKey = new FlinkError(ErrorCodes.FLINK_TS_INVALID_KEY, 'bad key');
    const e = userFunctionError(invalidKey, 'KeyedProcess', 0, 1);
    assert.equal(e.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
    assert.equal(e.cause, invalidKey);
  });
});
