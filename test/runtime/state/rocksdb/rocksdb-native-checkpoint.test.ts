/*
 * Tests of native RocksDB checkpoints: SST files shared by hard links, restoring one into an
 * empty backend of a smaller key-group range (copy, then trim), merging two into one backend
 * (scale-in), timers included, and the clear errors for directories that are not such checkpoints.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ListState, MapState, ValueState } from '../../../../src/api/state/state.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';
import { computeKeyGroupRangeForOperatorIndex } from '../../../../src/runtime/state/key-group-range-assignment.ts';
import type { RocksDBKeyedStateBackend } from '../../../../src/runtime/state/rocksdb/rocksdb-keyed-state-backend.ts';
import { NativeColumnFamily } from '../../../../src/runtime/state/rocksdb/rocksdb-native.ts';
import { NamespaceSerializer } from '../../../../src/runtime/serialization/namespace-serializer.ts';
import { VOID_NAMESPACE } from '../../../../src/runtime/state/keyed-state-backend.ts';
import { timerQueueName } from '../../../../src/runtime/state/timers/timer-queue.ts';
import { MAX_PARALLELISM, rocksBackend, skipRocksDB, tempDir } from './rocksdb-test-helpers.ts';

const KEYS = Array.from({ length: 200 }, (_, i) => `user-${i}`);

function fill(b: RocksDBKeyedStateBackend): void {
  const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
  const l = b.getPartitionedState<ListState<string>>(new ListStateDescriptor('l'));
  const m = b.getPartitionedState<MapState<string, number>>(new MapStateDescriptor('m'));
  KEYS.forEach((key, i) => {
    b.setCurrentKey(key);
    v.update(i);
    l.add(key);
    m.put('i', i);
    timers(b).add(VOID_NAMESPACE, 1000 + i);
  });
}

function timers(b: RocksDBKeyedStateBackend) {
  return b.getTimerQueue(timerQueueName('user-timers', 'event'), NamespaceSerializer.DEFAULT);
}

function checkKeys(b: RocksDBKeyedStateBackend, keys: readonly string[]): void {
  const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
  const l = b.getPartitionedState<ListState<string>>(new ListStateDescriptor('l'));
  const m = b.getPartitionedState<MapState<string, number>>(new MapStateDescriptor('m'));
  assert.deepEqual([...b.getKeys('v')].sort(), [...keys].sort());
  assert.deepEqual([...b.getKeys('m')].sort(), [...keys].sort());
  const fired: string[] = [];
  timers(b).fireUntil(Number.MAX_SAFE_INTEGER, (timer) => {
    assert.equal(timer.timestamp, 1000 + KEYS.indexOf(timer.key as string));
    fired.push(timer.key as string);
  });
  assert.deepEqual(fired.sort(), [...keys].sort(), 'the timers of exactly these keys (the timer column family is in the checkpoint)');
  for (const key of keys) {
    const i = KEYS.indexOf(key);
    b.setCurrentKey(key);
    assert.equal(v.value(), i);
    assert.deepEqual([...l.get()!], [key]);
    assert.equal(m.get('i'), i);
  }
}

function keysOf(range: { contains(kg: number): boolean }, b: RocksDBKeyedStateBackend): string[] {
  return KEYS.filter((key) => {
    b.setCurrentKey(key);
    return range.contains(b.getCurrentKeyGroup());
  });
}

describe('RocksDB native checkpoints', { skip: skipRocksDB }, () => {
  it('writes a checkpoint whose SST files are hard links to the database', async (t) => {
    const b = rocksBackend(t);
    fill(b);
    const target = join(tempDir(t), 'chk-1');
    const info = await b.createNativeCheckpoint(target);
    assert.equal(info.directory, target);
    assert.ok(info.files.includes('CURRENT'));
    assert.ok(info.files.some((f) => f.endsWith('.sst')), `SST files in ${info.files.join(', ')}`);
    assert.ok(info.hardLinkedFiles > 0);
    await assert.rejects(b.createNativeCheckpoint(target), (e) => FlinkError.isFlinkError(e) && e.message.includes(target) && /already exists/.test(e.message));
  });

  it('restores a checkpoint into an empty backend of a smaller range: only its key groups remain', async (t) => {
    const b = rocksBackend(t);
    fill(b);
    const checkpoint = join(tempDir(t), 'chk');
    await b.createNativeCheckpoint(checkpoint);
    for (const i of [0, 1]) {
      const range = computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, 2, i);
      const part = rocksBackend(t, { keyGroupRange: range, subtaskIndex: i, operatorIdentifier: `part-${i}` });
      await part.restoreFromNativeCheckpoint(checkpoint);
      const expected = keysOf(range, b);
      assert.ok(expected.length > 0 && expected.length < KEYS.length);
      checkKeys(part, expected);
      assert.deepEqual(part.instance.readIdentity()?.keyGroupRange, { startKeyGroup: range.startKeyGroup, endKeyGroup: range.endKeyGroup });
    }
    assert.ok(readdirSync(checkpoint).includes('CURRENT'), 'the checkpoint itself is left as it was');
  });

  it('merges the checkpoints of two subtasks into one backend (scale-in)', async (t) => {
    const full = rocksBackend(t);
    fill(full);
    const checkpoints: string[] = [];
    for (const i of [0, 1]) {
      const range = computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, 2, i);
      const part = rocksBackend(t, { keyGroupRange: range, subtaskIndex: i, operatorIdentifier: `part-${i}` });
      const snapshot = await full.snapshot(1).materialize();
      await part.restore([snapshot]);
      const dir = join(tempDir(t), `chk-${i}`);
      await part.createNativeCheckpoint(dir);
      checkpoints.push(dir);
    }
    const merged = rocksBackend(t, { operatorIdentifier: 'merged' });
    for (const dir of checkpoints) await merged.restoreFromNativeCheckpoint(dir);
    checkKeys(merged, KEYS);
  });

  it('refuses directories that are not flink-ts checkpoints, corrupt ones, and other max parallelisms', async (t) => {
    const base = tempDir(t);
    const b = rocksBackend(t);
    const isError = (dir: string, pattern: RegExp) => (e: unknown) =>
      FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE && e.message.includes(dir) && pattern.test(e.message);

    const missing = join(base, 'missing');
    await assert.rejects(b.restoreFromNativeCheckpoint(missing), isError(missing, /is not a RocksDB native checkpoint of keyed state \(missing\)/));
    const junk = join(base, 'junk');
    mkdirSync(junk);
    writeFileSync(join(junk, 'data.bin'), 'x');
    await assert.rejects(b.restoreFromNativeCheckpoint(junk), isError(junk, /not a RocksDB native checkpoint.*data\.bin/));

    const foreign = join(base, 'foreign');
    const handle = new NativeColumnFamily(foreign, 'default');
    handle.put(new Uint8Array([1]), new Uint8Array([1]));
    handle.close();
    await assert.rejects(b.restoreFromNativeCheckpoint(foreign), isError(foreign, /not a flink-ts native checkpoint/));

    const source = rocksBackend(t, { operatorIdentifier: 'source' });
    fill(source);
    const corrupt = join(base, 'corrupt');
    await source.createNativeCheckpoint(corrupt);
    const manifest = readdirSync(corrupt).find((f) => f.startsWith('MANIFEST-'))!;
    writeFileSync(join(corrupt, manifest), Buffer.alloc(64, 0x41));
    await assert.rejects(b.restoreFromNativeCheckpoint(corrupt), isError(corrupt, /corrupt RocksDB database/));

    const other = rocksBackend(t, { operatorIdentifier: 'other', maxParallelism: 256, keyGroupRange: computeKeyGroupRangeForOperatorIndex(256, 1, 0) });
    other.getPartitionedState(new ValueStateDescriptor('v'));
    const wide = join(base, 'wide');
    await other.createNativeCheckpoint(wide);
    await assert.rejects(b.restoreFromNativeCheckpoint(wide), isError(wide, /max parallelism 256/));

    // None of it left the backend unusable or silently filled.
    assert.deepEqual([...b.getKeys('v')], []);
    b.setCurrentKey('a');
    b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v')).update(1);
  });
});
