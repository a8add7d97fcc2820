/*
 * Tests of how the CLI prints an error: message and code, the cause chain, and one frame.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkError } from 'flink-ts';
import { formatError, isVerbose } from '../../src/cli/error-report.ts';

function thrower(): never {
  throw new RangeError('bad amount');
}

function caught(): unknown {
  try {
    thrower();
  } catch (error) {
    return error;
  }
}

describe('formatError', () => {
  it('prints the message with its code, one line per cause, and where the innermost error was thrown', () => {
    const root = caught();
    const middle = new Error('while reading order 42', { cause: root });
    const error = new FlinkError('FLINK_TS_USER_FUNCTION', "User function of operator 'Parse' failed", { cause: middle });
    const lines = formatError(error, false).split('\n');
    assert.equal(lines[0], "error: User function of operator 'Parse' failed [FLINK_TS_USER_FUNCTION]");
    assert.equal(lines[1], '  cause: while reading order 42');
    assert.equal(lines[2], '  cause: RangeError: bad amount');
    assert.match(lines[3]!, /^ {4}at thrower \(.*error-report\.test\.ts:\d+:\d+\)$/);
    assert.equal(lines.length, 4);
  });

  it('shows no frame for the engine’s own errors, whose message says where', () => {
    const error = new FlinkError('FLINK_TS_CONFIGURATION', "Unknown configuration key 'x'");
    assert.equal(formatError(error, false), "error: Unknown configuration key 'x' [FLINK_TS_CONFIGURATION]");
  });

  it('prints values that are not errors', () => {
    assert.equal(formatError('plain text', false), 'error: plain text');
    assert.equal(formatError({ reason: 1 }, false), 'error: { reason: 1 }');
  });

  it('stops at a cycle in the cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    assert.equal(formatError(a, false).split('\n').filter((l) => l.includes('cause:')).length, 1);
  });

  it('prints the whole stack when verbose', () => {
    const text = formatError(new FlinkError('FLINK_TS_JOB_FAILED', 'failed', { cause: caught() }), true);
    assert.match(text, /at thrower/);
    assert.match(text, /\[cause\]: RangeError: bad amount/);
  });

  it('is verbose at the debug and trace log levels only', () => {
    assert.equal(isVerbose({ FLINK_TS_LOG_LEVEL: 'DEBUG' }), true);
    assert.equal(isVerbose({ FLINK_TS_LOG_LEVEL: 'trace' }), true);
    assert.equal(isVerbose({ FLINK_TS_LOG_LEVEL: 'info' }), false);
    assert.equal(isVerbose({}), false);
  });
});
