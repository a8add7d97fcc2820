/*
 * Fault injection with real crashes: a checkpointed job writing with a FileSink runs in a child
 * process (`flink-ts run`), is SIGKILLed at random moments several times and each time restarted
 * from the latest retained checkpoint (`flink-ts run -s <chk-n>`); at the end the finished part
 * files hold every record exactly once and the keyed counts are exact — with heap keyed state, and
 * with RocksDB keeping the state changelog. A longer loop of the same is bench/checkpoint/soak.ts.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rocksDBAvailability } from '../../../src/runtime/state/rocksdb/rocksdb-native.ts';
import { checkOutput, killAndRestore } from './fixtures/kill-restore.ts';

const rocksDB = rocksDBAvailability();

for (const stateBackend of ['hashmap', 'changelog'] as const) {
  const skip = stateBackend === 'hashmap' || rocksDB.available ? false : `RocksDB binding unavailable: ${rocksDB.reason}`;
  it(`SIGKILL at random moments, restore from the latest checkpoint: FileSink output exactly once (${stateBackend} state)`, { timeout: 60_000, skip }, async (t) => {
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
      stateBackend,
      onChild: (kill) => t.after(kill),
      log: (line) => log.push(line),
    });
    assert.ok(result.kills >= 2, `killed ${result.kills} times:\n${log.join('\n')}`);
    assert.ok(result.restoredFrom.length >= 1, `restored from a checkpoint at least once:\n${log.join('\n')}`);
    assert.deepEqual(checkOutput(result.lines, records), [], log.join('\n'));
  });
}
