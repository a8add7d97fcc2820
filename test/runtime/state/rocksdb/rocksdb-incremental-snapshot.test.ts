/*
 * Tests of incremental RocksDB checkpoints: a later checkpoint copies only the SST files the last
 * confirmed one does not hold and refers to the others in the shared directory; unconfirmed
 * (aborted) checkpoints are no base; handles restore state and timers into an empty backend,
 * into smaller key-group ranges and merged into one; missing or truncated files are clear errors;
 * an upload that fails part-way, or whose snapshot is released meanwhile, deletes what it wrote.
 * With the changelog, a new backend logs from its start (no materialization), a restored one adds
 * its segments to the restored chain, and a rescaled one materializes at its first checkpoint.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, truncateSync, unlinkSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ValueState } from '../../../../src/api/state/state.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';
import { NamespaceSerializer } from '../../../../src/runtime/serialization/namespace-serializer.ts';
import { assignKeyToParallelOperator, assignToKeyGroup, computeKeyGroupRangeForOperatorIndex } from '../../../../src/runtime/state/key-group-range-assignment.ts';
import { VOID_NAMESPACE } from '../../../../src/runtime/state/keyed-state-backend.ts';
import type { RocksDBKeyedStateBackend } from '../../../../src/runtime/state/rocksdb/rocksdb-keyed-state-backend.ts';
import { sharedFilesOf, type IncrementalKeyedStateHandle, type SnapshotFileWriter } from '../../../../src/runtime/state/rocksdb/rocksdb-incremental-snapshot.ts';
import { timerQueueName } from '../../../../src/runtime/state/timers/timer-queue.ts';
import { eventually } from '../../../helpers.ts';
import { MAX_PARALLELISM, rocksBackend, skipRocksDB, tempDir } from './rocksdb-test-helpers.ts';

const TIMERS = timerQueueName('user-timers', 'event');

function write(b: RocksDBKeyedStateBackend, from: number, to: number, value = (k: number) => k): void {
  const state = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
  const timers = b.getTimerQueue(TIMERS, NamespaceSerializer.DEFAULT);
  for (let k = from; k < to; k++) {
    b.setCurrentKey(k);
    state.update(value(k));
    timers.add(VOID_NAMESPACE, 10_000 + k);
  }
}

function read(b: RocksDBKeyedStateBackend, keys: Iterable<number>): Map<number, number | undefined> {
  const state = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
  const out = new Map<number, number | undefined>();
  for (const k of keys) {
    b.setCurrentKey(k);
    out.set(k, state.value());
  }
  return out;
}

function timerKeys(b: RocksDBKeyedStateBackend): number[] {
  const fired: number[] = [];
  b.getTimerQueue(TIMERS, NamespaceSerializer.DEFAULT).fireUntil(Number.MAX_SAFE_INTEGER, (t) => fired.push(t.key as number));
  return fired.sort((x, y) => x - y);
}

async function checkpoint(b: RocksDBKeyedStateBackend, id: number, root: string): Promise<{ handle: IncrementalKeyedStateHandle; sharedDirectory: string; privateDirectory: string }> {
  const sharedDirectory = join(root, 'shared');
  const privateDirectory = join(root, `chk-${id}`, 'op');
  const runner = await b.snapshotIncremental(id, { sharedDirectory, privateDirectory });
  // Writes after the synchronous part are not in this checkpoint (then undone for the next one).
  const own = range(50).filter((k) => b.keyGroupRange.contains(assignToKeyGroup(k, MAX_PARALLELISM)));
  const state = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
  const overwrite = (value: (k: number) => number | undefined) => {
    for (const k of own) {
      b.setCurrentKey(k);
      const v = value(k);
      if (v === undefined) state.clear();
      else state.update(v);
    }
  };
  const before = read(b, own);
  overwrite(() => -1);
  const handle = await runner.materialize();
  overwrite((k) => before.get(k));
  return { handle, sharedDirectory, privateDirectory };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('RocksDB incremental checkpoints', { skip: skipRocksDB }, () => {
  it('copies only SST files the confirmed checkpoint does not hold; unconfirmed ones are no base', async (t) => {
    const root = tempDir(t);
    const b = rocksBackend(t);
    write(b, 0, 5000);
    const first = await checkpoint(b, 1, root);
    assert.ok(first.handle.sharedFiles.length >= 1);
    assert.equal(first.handle.incrementalSize, first.handle.fullSize, 'the first checkpoint writes everything');
    assert.ok(first.handle.privateFiles.some((f) => f.name === 'CURRENT') && first.handle.privateFiles.some((f) => f.name.startsWith('MANIFEST')));
    for (const path of sharedFilesOf(first.handle, first.sharedDirectory)) assert.ok(existsSync(path), path);

    write(b, 5000, 6000);
    const unconfirmed = await checkpoint(b, 2, root);
    assert.equal(unconfirmed.handle.incrementalSize, unconfirmed.handle.fullSize, 'checkpoint 1 was not confirmed: everything again');

    b.notifyCheckpointComplete(1);
    write(b, 6000, 7000);
    const third = await checkpoint(b, 3, root);
    const reused = third.handle.sharedFiles.filter((f) => first.handle.sharedFiles.some((g) => g.stored === f.stored));
    assert.ok(reused.length >= 1, 'SST files of checkpoint 1 are referred to, not copied');
    assert.ok(third.handle.incrementalSize < third.handle.fullSize, `${third.handle.incrementalSize} < ${third.handle.fullSize}`);
    assert.ok(!existsSync(join(root, 'chk-3', 'op', reused[0]!.name)), 'shared files stay in the shared directory');

    const restored = rocksBackend(t, { operatorIdentifier: 'restored' });
    await restored.restoreIncremental([third]);
    assert.deepEqual([...read(restored, range(7000)).values()], range(7000), 'values as at the barrier of checkpoint 3');
    assert.deepEqual(timerKeys(restored), range(7000));
    // The restored backend's first checkpoint refers to the restored SST files instead of copying them.
    const next = await checkpoint(restored, 4, root);
    assert.ok(next.handle.sharedFiles.some((f) => third.handle.sharedFiles.some((g) => g.stored === f.stored)));
    assert.ok(next.handle.incrementalSize < next.handle.fullSize);
  });

  it('restores one handle into smaller key-group ranges and merges handles into one backend', async (t) => {
    const root = tempDir(t);
    const whole = rocksBackend(t);
    write(whole, 0, 2000);
    const handle = await checkpoint(whole, 1, root);
    const halves: RocksDBKeyedStateBackend[] = [];
    for (const i of [0, 1]) {
      const half = rocksBackend(t, { keyGroupRange: computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, 2, i), subtaskIndex: i, operatorIdentifier: `half-${i}` });
      await half.restoreIncremental([handle]);
      const mine = range(2000).filter((k) => assignKeyToParallelOperator(k, MAX_PARALLELISM, 2) === i);
      assert.deepEqual([...read(half, mine).values()], mine);
      assert.deepEqual([...half.getKeys('v')].map(Number).sort((x, y) => x - y), mine, 'only its own key groups');
      halves.push(half);
    }
    const handles = await Promise.all(halves.map((h, i) => checkpoint(h, 2, join(root, `half-${i}`))));
    const merged = rocksBackend(t, { operatorIdentifier: 'merged' });
    await merged.restoreIncremental(handles);
    assert.deepEqual([...read(merged, range(2000)).values()], range(2000));
    assert.deepEqual(timerKeys(merged), range(2000));
  });

  it('names the file when a shared file is missing or truncated', async (t) => {
    const root = tempDir(t);
    const b = rocksBackend(t);
    write(b, 0, 100);
    const handle = await checkpoint(b, 1, root);
    const sst = sharedFilesOf(handle.handle, handle.sharedDirectory)[0]!;
    truncateSync(sst, 10);
    const x = rocksBackend(t, { operatorIdentifier: 'x' });
    await assert.rejects(x.restoreIncremental([handle]), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE && e.message.includes(sst) && /bytes/.test(e.message));
    unlinkSync(sst);
    await assert.rejects(x.restoreIncremental([handle]), (e: unknown) => FlinkError.isFlinkError(e) && e.message.includes(sst) && /missing/.test(e.message));
    assert.equal(readdirSync(handle.privateDirectory).includes('CURRENT'), true);
  });

  it('deletes every file it wrote when the upload fails part-way, and names the checkpoint, backend and file', async (t) => {
    const root = tempDir(t);
    const b = rocksBackend(t);
    write(b, 0, 3000);
    const sharedDirectory = join(root, 'shared');
    const privateDirectory = join(root, 'chk-1', 'op');
    // The third copy fills the disk after half of its bytes; the others succeed.
    let copies = 0;
    let failedFile = '';
    const writer: SnapshotFileWriter = {
      mkdirsSync: (path) => void mkdirSync(path, { recursive: true }),
      writeFile: (path, bytes) => writeFile(path, bytes),
      copyFile: async (from, to) => {
        if (++copies !== 3) return copyFile(from, to);
        failedFile = to;
        await writeFile(to, 'half');
        throw Object.assign(new Error(`ENOSPC: no space left on device, write '${to}'`), { code: 'ENOSPC' });
      },
    };
    const runner = await b.snapshotIncremental(1, { sharedDirectory, privateDirectory, writer });
    await assert.rejects(runner.materialize(), (e: unknown) => {
      assert.ok(FlinkError.isFlinkError(e), String(e));
      assert.equal(e.message, `Checkpoint 1: the incremental snapshot of ${b.where} could not be written to '${failedFile}': ENOSPC: no space left on device, write '${failedFile}'`);
      assert.deepEqual(e.context, { checkpointId: 1, file: failedFile });
      return true;
    });
    assert.ok(copies >= 3);
    assert.deepEqual(readdirSync(sharedDirectory), [], 'the SST files uploaded before the failure are deleted');
    assert.equal(existsSync(privateDirectory), false);
    // Nothing of the failed checkpoint is a base: the next one uploads everything again.
    const next = await checkpoint(b, 2, root);
    assert.equal(next.handle.incrementalSize, next.handle.fullSize);
  });

  it('stops an upload in flight when its snapshot is released, deleting what it wrote', async (t) => {
    const root = tempDir(t);
    const b = rocksBackend(t);
    write(b, 0, 3000);
    const sharedDirectory = join(root, 'shared');
    const privateDirectory = join(root, 'chk-1', 'op');
    let started = 0;
    let releaseCopies: () => void = () => {};
    const gate = new Promise<void>((resolve) => (releaseCopies = resolve));
    const writer: SnapshotFileWriter = {
      mkdirsSync: (path) => void mkdirSync(path, { recursive: true }),
      writeFile: (path, bytes) => writeFile(path, bytes),
      copyFile: async (from, to) => {
        started++;
        await copyFile(from, to);
        await gate;
      },
    };
    const runner = await b.snapshotIncremental(1, { sharedDirectory, privateDirectory, writer });
    // Settled into a value at once: the rejection may come before the test looks at it.
    const outcome = runner.materialize().then(
      () => null,
      (e: unknown) => e,
    );
    await eventually(() => started > 0, 5000, 'the upload started');
    const released = runner.release();
    releaseCopies();
    await released;
    const error = await outcome;
    assert.ok(FlinkError.isFlinkError(error) && /Checkpoint 1: the incremental snapshot of .* was released/.test(error.message), String(error));
    assert.deepEqual(readdirSync(sharedDirectory), []);
    assert.equal(existsSync(privateDirectory), false);
  });
});

describe('RocksDB changelog checkpoints', { skip: skipRocksDB }, () => {
  const changelog = { materializationIntervalMs: 600_000, maxLogBytes: 64 << 20 };

  async function logged(b: RocksDBKeyedStateBackend, id: number, root: string) {
    const sharedDirectory = join(root, 'shared');
    const privateDirectory = join(root, `chk-${id}`, 'op');
    const handle = await (await b.snapshotIncremental(id, { sharedDirectory, privateDirectory, changelog })).materialize();
    b.notifyCheckpointComplete(id);
    return { handle, sharedDirectory, privateDirectory };
  }

  it('logs from the start of a new backend; a restored one continues the chain, a rescaled one materializes first', async (t) => {
    const root = tempDir(t);
    const b = rocksBackend(t);
    b.startChangelog(changelog);
    write(b, 0, 1000);
    const first = await logged(b, 1, root);
    assert.deepEqual([first.handle.sharedFiles, first.handle.privateFiles], [[], []], 'the empty materialization: no file');
    assert.equal(first.handle.changelog?.length, 1);
    write(b, 1000, 1500);
    const second = await logged(b, 2, root);
    assert.deepEqual(second.handle.changelog?.map((f) => f.stored).slice(0, 1), first.handle.changelog?.map((f) => f.stored));
    assert.equal(second.handle.changelog?.length, 2);

    const restored = rocksBackend(t, { operatorIdentifier: 'restored' });
    await restored.restoreIncremental([second]);
    assert.deepEqual([...read(restored, range(1500)).values()], range(1500), 'replayed over nothing');
    assert.deepEqual(timerKeys(restored), range(1500));
    restored.startChangelog(changelog);
    write(restored, 1500, 2000);
    const third = await logged(restored, 3, root);
    assert.deepEqual(third.handle.sharedFiles, [], 'still no materialization');
    assert.equal(third.handle.changelog?.length, 3, 'the restored segments and the new one');
    assert.deepEqual(third.handle.changelog?.slice(0, 2), second.handle.changelog);
    assert.notEqual(third.handle.backendIdentifier, second.handle.backendIdentifier, 'the handle is the restored backend\'s');
    assert.equal(third.handle.changelog![2]!.stored, `${third.handle.backendIdentifier}-3-changelog-3`);

    const again = rocksBackend(t, { operatorIdentifier: 'again' });
    await again.restoreIncremental([third]);
    assert.deepEqual([...read(again, range(2000)).values()], range(2000));
    assert.deepEqual(timerKeys(again), range(2000));

    const half = rocksBackend(t, { keyGroupRange: computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, 2, 1), subtaskIndex: 1, operatorIdentifier: 'half' });
    await half.restoreIncremental([third]);
    half.startChangelog(changelog);
    const mine = range(2000).filter((k) => assignKeyToParallelOperator(k, MAX_PARALLELISM, 2) === 1);
    const rescaled = await logged(half, 4, join(root, 'half'));
    assert.equal(rescaled.handle.changelog, undefined, 'a rescaled backend materializes at its first checkpoint');
    assert.ok(rescaled.handle.sharedFiles.length > 0);
    const state = half.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
    for (const k of mine) {
      half.setCurrentKey(k);
      state.update(k + 1);
    }
    const next = await logged(half, 5, join(root, 'half'));
    assert.equal(next.handle.changelog?.length, 1, 'and logs after it');
    const last = rocksBackend(t, { keyGroupRange: computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, 2, 1), subtaskIndex: 1, operatorIdentifier: 'last' });
    await last.restoreIncremental([next]);
    assert.deepEqual([...read(last, mine).values()], mine.map((k) => k + 1));
  });
});
