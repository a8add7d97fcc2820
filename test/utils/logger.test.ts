/*
 * Tests of the root logger: quiet by default, level from FLINK_TS_LOG_LEVEL, JSON on stderr, component bindings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LOG_LEVEL, getLogger, logger, resolveLogLevel } from '../../src/utils/logger.ts';

const loggerModule = fileURLToPath(new URL('../../src/utils/logger.ts', import.meta.url));

test('the level defaults to warn and follows FLINK_TS_LOG_LEVEL', () => {
  assert.equal(DEFAULT_LOG_LEVEL, 'warn');
  assert.equal(resolveLogLevel(undefined), 'warn');
  assert.equal(resolveLogLevel(''), 'warn');
  assert.equal(resolveLogLevel('DEBUG'), 'debug');
  assert.equal(resolveLogLevel('silent'), 'silent');
  assert.equal(resolveLogLevel('chatty'), 'warn');
  assert.equal(logger.level, resolveLogLevel(process.env.FLINK_TS_LOG_LEVEL));
});

test('getLogger returns a child bound to its component', () => {
  const child = getLogger('checkpoint-coordinator');
  assert.equal(child.bindings().component, 'checkpoint-coordinator');
  assert.equal(logger.bindings().component, undefined);
  assert.equal(child.level, logger.level);
});

function runLogging(level: string | undefined): { stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.FLINK_TS_LOG_LEVEL;
  if (level !== undefined) env.FLINK_TS_LOG_LEVEL = level;
  const script = `import { getLogger } from ${JSON.stringify(loggerModule)};
const log = getLogger('test');
log.info('an info line');
log.warn({ key: 'k' }, 'a warning');`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return { stdout: result.stdout, stderr: result.stderr };
}

test('by default only warnings and above are written, as JSON lines on stderr', () => {
  const { stdout, stderr } = runLogging(undefined);
  assert.equal(stdout, '');
  const lines = stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].msg, 'a warning');
  assert.equal(lines[0].component, 'test');
  assert.equal(lines[0].key, 'k');
  assert.equal(lines[0].name, 'flink-ts');
});

test('FLINK_TS_LOG_LEVEL=info also writes info lines', () => {
  const { stderr } = runLogging('info');
  const messages = stderr.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
  assert.deepEqual(messages, ['an info line', 'a warning']);
});
