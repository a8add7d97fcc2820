/*
 * Kill-and-restore soak (not part of npm test): repeats the SIGKILL fault injection of
 * test/runtime/checkpoint/sigkill-recovery.test.ts many times with more kills per round and a
 * wider range of kill moments, and stops at the first round whose FileSink output is not exactly
 * once. Usage: npx node bench/checkpoint/soak.ts [rounds=20] [kills=8] [records=80000] [hashmap|rocksdb|changelog]
 * (the job's keyed state: heap, RocksDB with incremental checkpoints, RocksDB with the state changelog).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutput, killAndRestore } from '../../test/runtime/checkpoint/fixtures/kill-restore.ts';

const [rounds = 20, kills = 8, records = 80_000] = process.argv.slice(2, 5).map(Number);
const stateBackend = process.argv[5] ?? 'hashmap';
if (stateBackend !== 'hashmap' && stateBackend !== 'rocksdb' && stateBackend !== 'changelog') throw new Error(`the state backend is hashmap, rocksdb or changelog, not '${stateBackend}'`);
let totalKills = 0;
const started = performance.now();
for (let round = 1; round <= rounds; round++) {
  const dir = await mkdtemp(join(tmpdir(), 'flink-ts-soak-'));
  const children: (() => void)[] = [];
  try {
    const log: string[] = [];
    const result = await killAndRestore({ dir, records, kills, minDelayMs: 50, maxDelayMs: 1500, stateBackend, onChild: (k) => children.push(k), log: (l) => log.push(l) });
    totalKills += result.kills;
    const problems = checkOutput(result.lines, records);
    console.log(`round ${round}/${rounds}: ${result.kills} kills, restored ${result.restoredFrom.length} times, ${problems.length === 0 ? 'exactly once' : 'FAILED'}`);
    if (problems.length > 0) {
      console.log(log.join('\n'));
      console.log(problems.join('\n'));
      process.exitCode = 1;
      break;
    }
  } finally {
    for (const kill of children) kill();
    await rm(dir, { recursive: true, force: true });
  }
}
console.log(`${stateBackend} state: ${totalKills} kills in ${((performance.now() - started) / 1000).toFixed(1)} s`);
