/*
 * Tests of RocksDBStateBackend, the factory: the 'flink-ts/rocksdb' entry point, where instance
 * databases go (dbPath, ROCKSDB_DATA_DIR), the configuration mapped onto the binding (and the
 * options it cannot apply), configuration errors, and `state.backend.type: rocksdb`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from 'flink-ts';
import { PredefinedOptions, RocksDBStateBackend, resolveRocksDBOptions, ROCKSDB_DATA_DIR_ENV } from 'flink-ts/rocksdb';
import { ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ValueState } from '../../../../src/api/state/state.ts';
import { Configuration } from '../../../../src/configuration/configuration.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';
import type { Logger } from '../../../../src/utils/logger.ts';
import { loadStateBackend } from '../../../../src/runtime/state/state-backend-loader.ts';
import { disposeAfter, parameters, skipRocksDB, tempDir } from './rocksdb-test-helpers.ts';

const isConfigurationError = (pattern: RegExp) => (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_CONFIGURATION && pattern.test(e.message);

describe('RocksDB configuration', () => {
  it('maps what the binding supports and lists what it cannot apply', () => {
    const r = resolveRocksDBOptions({
      writeBufferSize: 8 << 20,
      maxBackgroundJobs: 4,
      enableStatistics: true,
      columnFamilies: ['user_state'],
      blockBasedTableOptions: { blockSize: 65536, cacheSize: 256 << 20, bloomFilterBitsPerKey: 10 },
    });
    assert.equal(r.writeBufferSize, 8 << 20);
    assert.equal(r.parallelismThreads, 4);
    assert.equal(r.enableStatistics, true);
    assert.equal(r.blockCacheSize, 256 << 20);
    assert.deepEqual(r.columnFamilies, ['user_state']);
    assert.deepEqual(r.unsupported, ['blockBasedTableOptions.blockSize=65536', 'blockBasedTableOptions.bloomFilterBitsPerKey=10']);
    const defaults = resolveRocksDBOptions({});
    assert.deepEqual([defaults.writeBufferSize, defaults.maxWriteBufferNumber, defaults.parallelismThreads, defaults.blockCacheSize, defaults.unsupported], [64 << 20, 2, 1, undefined, []]);
    assert.equal(resolveRocksDBOptions(PredefinedOptions.FLASH_SSD_OPTIMIZED).parallelismThreads, 4);
  });

  it('rejects bad values with configuration errors naming the option', () => {
    assert.throws(() => new RocksDBStateBackend({ writeBufferSize: 0 }), isConfigurationError(/writeBufferSize must be a positive integer/));
    assert.throws(() => new RocksDBStateBackend({ blockBasedTableOptions: { cacheSize: -1 } }), isConfigurationError(/cacheSize/));
    assert.throws(() => new RocksDBStateBackend({ columnFamilies: [''] }), isConfigurationError(/columnFamilies/));
    assert.throws(() => new RocksDBStateBackend({ dbPath: '' }), isConfigurationError(/dbPath/));
  });
});

describe('RocksDBStateBackend', { skip: skipRocksDB }, () => {
  it('creates each keyed backend in job_<job>_op_<operator>_sub_<i> under dbPath, or ROCKSDB_DATA_DIR', async (t) => {
    const dbPath = tempDir(t);
    const warnings: string[] = [];
    const logger = { warn: (_details: unknown, message: string) => warnings.push(message) } as unknown as Logger;
    const backend = new RocksDBStateBackend({ dbPath, columnFamilies: ['user_state'], blockBasedTableOptions: { blockSize: 4096 } }, { logger });
    assert.equal(backend.type, 'rocksdb');
    const keyed = disposeAfter(t, backend.createKeyedStateBackend(parameters({ jobId: 'j1', operatorIdentifier: 'counter', subtaskIndex: 2 })));
    disposeAfter(t, backend.createKeyedStateBackend(parameters({ jobId: 'j1', operatorIdentifier: 'counter', subtaskIndex: 3 })));
    assert.deepEqual(warnings, ['RocksDB options not supported by the binding are ignored: blockBasedTableOptions.blockSize=4096'], 'warned once');
    assert.equal(keyed.type, 'rocksdb');
    assert.equal(keyed.directory, join(dbPath, 'job_j1_op_counter_sub_2'));
    assert.ok(keyed.instance.columnFamilyNames().includes('user_state'));
    keyed.setCurrentKey('a');
    keyed.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v')).update(1);

    const fromEnv = tempDir(t);
    const envBackend = new RocksDBStateBackend({}, { env: { [ROCKSDB_DATA_DIR_ENV]: fromEnv } });
    assert.equal(envBackend.getDbStoragePath(), fromEnv);
    const other = disposeAfter(t, envBackend.createKeyedStateBackend(parameters({ jobId: 'j1', operatorIdentifier: 'counter', subtaskIndex: 0 })));
    assert.equal(existsSync(join(fromEnv, 'job_j1_op_counter_sub_0', 'CURRENT')), true);
    await other.dispose();
    assert.equal(existsSync(join(fromEnv, 'job_j1_op_counter_sub_0')), false);
  });

  it('runs a keyed job: the same results as on the heap, and no database left afterwards', { timeout: 30_000 }, async (t) => {
    const dbPath = tempDir(t);
    const run = async (backend?: RocksDBStateBackend): Promise<[string, number][]> => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
      if (backend !== undefined) env.setStateBackend(backend);
      const words = Array.from({ length: 300 }, (_, i) => [`w${i % 7}`, 1] as [string, number]);
      const out = await env
        .fromCollection(words)
        .keyBy((w) => w[0])
        .reduce((a, b) => [a[0], a[1] + b[1]])
        .executeAndCollect();
      return out.sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1]);
    };
    const onRocks = await run(new RocksDBStateBackend({ dbPath }));
    assert.deepEqual(onRocks, await run());
    assert.equal(onRocks.filter(([w, n]) => w === 'w0' && n === 43).length, 1);
    assert.deepEqual(readdirSync(dbPath), []);
  });

  it("is what 'state.backend.type: rocksdb' loads", async () => {
    const backend = await loadStateBackend(Configuration.fromObject({ 'state.backend.type': 'rocksdb' }));
    assert.ok(backend instanceof RocksDBStateBackend);
  });
});
