/*
 * Fault injection with real crashes: a checkpointed job writing with a FileSink runs in a child
 * process (`flink-ts run`), is SIGKILLed at random moments several times and each time restarted
 * from the latest retained checkpoint (`flink-ts run -s <chk-n>`); at the end the finished part
 * files hold every record exactly once and the keyed counts are exact. A longer loop of the same
 * is bench/checkpoint/soak.ts.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutput, killAndRestore } from './fixtures/kill-restore.ts';

it('SIGKILL at random moments, restore from the latest checkpoint: FileSink output exactly once', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flink-ts-sigkill-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const records = 100_000;
  const log: string[] = [];
  const result = await killAndRestore({
    dir,
    records,
    kills: 3,
    minDelayMs: 0,
    maxDelayMs: 600,
    onChild: (kill) => t.after(kill),
    log: (line) => log.push(line),
  });
  assert.ok(result.kills >= 2, `killed ${result.kills} times:\n${log.join('\n')}`);
  assert.ok(result.restoredFrom.length >= 1, `restored from a checkpoint at least once:\n${log.join('\n')}`);
  assert.deepEqual(checkOutput(result.lines, records), [], log.join('\n'));
});
