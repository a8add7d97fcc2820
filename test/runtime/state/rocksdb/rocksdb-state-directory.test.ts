/*
 * Tests of the RocksDB state directories: names under the base directory, and the clear errors
 * for a directory that another backend of this process or another process holds, that holds
 * other files or a RocksDB database flink-ts did not create, or that is a file; a database left
 * behind by a crashed run is replaced.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ValueState } from '../../../../src/api/state/state.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';
import { RocksDBInstance } from '../../../../src/runtime/state/rocksdb/rocksdb-instance.ts';
import { NativeColumnFamily, ROCKSDB_BINDING_PACKAGE } from '../../../../src/runtime/state/rocksdb/rocksdb-native.ts';
import { instanceDirectoryName, resolveBaseDirectory } from '../../../../src/runtime/state/rocksdb/rocksdb-state-directory.ts';
import { rocksBackend, skipRocksDB, tempDir } from './rocksdb-test-helpers.ts';

function assertDirectoryError(error: unknown, directory: string, pattern: RegExp): true {
  assert.ok(FlinkError.isFlinkError(error), `expected a FlinkError, got ${String(error)}`);
  assert.equal(error.code, ErrorCodes.FLINK_TS_ILLEGAL_STATE);
  assert.ok(error.message.includes(directory), `${error.message} should name ${directory}`);
  assert.match(error.message, pattern);
  return true;
}

describe('RocksDB state directories', () => {
  it('names instance directories by job, operator and subtask, safely for any operator name', () => {
    assert.equal(instanceDirectoryName('j1', 'op-1', 3), 'job_j1_op_op-1_sub_3');
    const a = instanceDirectoryName('j1', 'Map/Filter', 0);
    const b = instanceDirectoryName('j1', 'Map_Filter', 0);
    assert.match(a, /^job_j1_op_Map_Filter-[0-9a-f]{8}_sub_0$/);
    assert.notEqual(a, b);
  });

  it('takes dbPath, else ROCKSDB_DATA_DIR, else the temp directory', () => {
    assert.equal(resolveBaseDirectory('/data/x', { ROCKSDB_DATA_DIR: '/env' }), '/data/x');
    assert.equal(resolveBaseDirectory(undefined, { ROCKSDB_DATA_DIR: '/env' }), '/env');
    assert.ok(resolveBaseDirectory(undefined, {}).length > 0);
  });
});

describe('RocksDB state directory errors', { skip: skipRocksDB }, () => {
  it('refuses a directory another backend of this process uses, until that one is disposed', async (t) => {
    const directory = join(tempDir(t), 'db');
    const first = rocksBackend(t, {}, { directory });
    assert.throws(() => rocksBackend(t, { operatorIdentifier: 'second' }, { directory }), (e) => assertDirectoryError(e, directory, /is locked: another RocksDB state backend of this process/));
    await first.dispose();
    const third = rocksBackend(t, { operatorIdentifier: 'third' }, { directory });
    third.setCurrentKey('a');
    assert.equal(third.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v')).value(), undefined);
  });

  it('refuses a directory whose database another process holds open', { timeout: 30_000 }, async (t) => {
    const directory = join(tempDir(t), 'db');
    const repo = fileURLToPath(new URL('../../../../', import.meta.url));
    const script =
      `const N = require('node:module').createRequire(${JSON.stringify(join(repo, 'package.json'))})(${JSON.stringify(ROCKSDB_BINDING_PACKAGE)});` +
      `const d = new N.Database(); d.open(${JSON.stringify(directory)}, { name: 'default' }); console.log('ready');` +
      `process.stdin.resume(); process.stdin.on('end', () => { d.close(); process.exit(0); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(async () => {
      if (child.exitCode === null) {
        child.stdin.end();
        await once(child, 'exit');
      }
    });
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    assert.equal(line.toString().trim(), 'ready');
    assert.throws(() => rocksBackend(t, {}, { directory }), (e) => assertDirectoryError(e, directory, /locked by another process/));
  });

  it('refuses a directory with other files in it, and leaves them alone', (t) => {
    const directory = join(tempDir(t), 'db');
    mkdirSync(directory);
    writeFileSync(join(directory, 'notes.txt'), 'keep me');
    assert.throws(() => rocksBackend(t, {}, { directory }), (e) => assertDirectoryError(e, directory, /not a RocksDB state directory.*notes\.txt/));
    assert.equal(readFileSync(join(directory, 'notes.txt'), 'utf8'), 'keep me');
  });

  it('refuses a RocksDB database that flink-ts did not create, and a path that is a file', (t) => {
    const base = tempDir(t);
    const foreign = join(base, 'foreign');
    const handle = new NativeColumnFamily(foreign, 'default');
    handle.put(new Uint8Array([1]), new Uint8Array([2]));
    handle.close();
    assert.throws(() => rocksBackend(t, {}, { directory: foreign }), (e) => assertDirectoryError(e, foreign, /did not create; refusing to delete it/));
    assert.equal(existsSync(join(foreign, 'CURRENT')), true);
    const file = join(base, 'file');
    writeFileSync(file, '');
    assert.throws(() => rocksBackend(t, { operatorIdentifier: 'f' }, { directory: file }), (e) => assertDirectoryError(e, file, /is not a directory/));
  });

  it('replaces the database a crashed run of flink-ts left behind with an empty one', (t) => {
    const directory = join(tempDir(t), 'db');
    const identity = { format: 'flink-ts-rocksdb-keyed-state', formatVersion: 1, jobId: 'j', operatorIdentifier: 'o', subtaskIndex: 0, maxParallelism: 128, keyGroupRange: { startKeyGroup: 0, endKeyGroup: 127 } };
    const leftover = RocksDBInstance.openFresh(directory, identity, {});
    leftover.columnFamily('v').put(new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), new Uint8Array([1]));
    leftover.close();
    const b = rocksBackend(t, {}, { directory });
    assert.deepEqual(b.instance.columnFamilyNames(), ['default']);
  });
});
