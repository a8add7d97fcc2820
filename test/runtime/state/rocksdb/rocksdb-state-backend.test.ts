/*
 * Tests of RocksDBStateBackend, the factory: the 'flink-ts/rocksdb' entry point, where instance
 * databases go (dbPath, ROCKSDB_DATA_DIR), the configuration mapped onto the binding (and the
 * options it cannot apply), configuration errors, `state.backend.type: rocksdb`, and the
 * incremental-checkpoint setting (constructor argument over configuration, as Flink's configure()).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KeyedProcessFunction, RichSourceFunction, StreamExecutionEnvironment, type KeyedProcessFunctionContext, type SourceContext } from 'flink-ts';
import { PredefinedOptions, RocksDBStateBackend, resolveRocksDBOptions, ROCKSDB_DATA_DIR_ENV } from 'flink-ts/rocksdb';
import { ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ValueState } from '../../../../src/api/state/state.ts';
import { Configuration } from '../../../../src/configuration/configuration.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';
import type { Logger } from '../../../../src/utils/logger.ts';
import { FILE_CHECKPOINT_READER } from '../../../../src/runtime/checkpoint/checkpoint-storage.ts';
import { incrementalCheckpointsOf, loadStateBackend } from '../../../../src/runtime/state/state-backend-loader.ts';
import { eventually, runJob } from '../../../helpers.ts';
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

describe('RocksDBStateBackend incremental checkpoints setting', () => {
  const configured = (incremental?: boolean): Configuration => Configuration.fromObject(incremental === undefined ? {} : { 'execution.checkpointing.incremental': incremental });

  it('is off by default, on with new RocksDBStateBackend(true) or the enableIncrementalCheckpointing option', () => {
    assert.equal(new RocksDBStateBackend().isIncrementalCheckpointsEnabled(), false);
    assert.equal(new RocksDBStateBackend(true).isIncrementalCheckpointsEnabled(), true);
    assert.equal(new RocksDBStateBackend(false).isIncrementalCheckpointsEnabled(), false);
    const withOptions = new RocksDBStateBackend({ writeBufferSize: 8 << 20 }, { enableIncrementalCheckpointing: true });
    assert.equal(withOptions.isIncrementalCheckpointsEnabled(), true);
    assert.equal(withOptions.configuration.writeBufferSize, 8 << 20);
    assert.throws(() => new RocksDBStateBackend(true, { enableIncrementalCheckpointing: false }), isConfigurationError(/contradicts/));
    assert.throws(() => new RocksDBStateBackend({}, { enableIncrementalCheckpointing: 'yes' as unknown as boolean }), isConfigurationError(/must be a boolean/));
  });

  it('takes the configuration only where the constructor left it open (Flink configure())', async () => {
    for (const key of ['execution.checkpointing.incremental', 'state.backend.incremental']) {
      const conf = Configuration.fromObject({ [key]: true });
      assert.equal(new RocksDBStateBackend().configure(conf).isIncrementalCheckpointsEnabled(), true, key);
      assert.equal(RocksDBStateBackend.fromConfiguration(conf).isIncrementalCheckpointsEnabled(), true, key);
    }
    assert.equal(new RocksDBStateBackend(false).configure(configured(true)).isIncrementalCheckpointsEnabled(), false, 'the constructor wins');
    assert.equal(new RocksDBStateBackend(true).configure(configured(false)).isIncrementalCheckpointsEnabled(), true, 'the constructor wins');
    const options = new RocksDBStateBackend({ writeBufferSize: 8 << 20 });
    assert.equal(options.configure(configured(true)).configuration.writeBufferSize, 8 << 20, 'configure() keeps the RocksDB options');
    // What a job gets: the loader configures a backend set in code; the backend's setting wins.
    const explicit = await loadStateBackend(configured(true), new RocksDBStateBackend(false));
    assert.equal(incrementalCheckpointsOf(explicit, true), false);
    assert.equal(incrementalCheckpointsOf(await loadStateBackend(configured(true), new RocksDBStateBackend()), false), true);
    assert.equal(incrementalCheckpointsOf(await loadStateBackend(Configuration.fromObject({ 'state.backend.type': 'rocksdb', 'state.backend.incremental': true })), false), true);
  });

  // A job's checkpoint is incremental when it has shared files: the backend's setting decides it.
  for (const [setting, config, expected] of [
    [true, false, true],
    [false, true, false],
    [undefined, true, true],
  ] as const) {
    it(`new RocksDBStateBackend(${String(setting)}) with 'execution.checkpointing.incremental: ${config}' checkpoints ${expected ? 'incrementally' : 'in full'}`, { skip: skipRocksDB, timeout: 30_000 }, async (t) => {
      const dir = tempDir(t, 'flink-ts-rocksdb-incremental-setting-');
      const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1, 'execution.checkpointing.incremental': config, 'state.checkpoints.dir': dir });
      env.setStateBackend(setting === undefined ? new RocksDBStateBackend({ dbPath: tempDir(t) }) : new RocksDBStateBackend({ dbPath: tempDir(t) }, { enableIncrementalCheckpointing: setting }));
      env.enableCheckpointing(3_600_000);
      const seen = { n: 0 };
      class Count extends KeyedProcessFunction<number, number, never> {
        processElement(_v: number, ctx: KeyedProcessFunctionContext<number>): void {
          const state = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n', 0));
          state.update(state.value()! + ctx.getCurrentKey());
          seen.n++;
        }
      }
      // 1000 records, then idle until cancelled.
      class Source extends RichSourceFunction<number> {
        private running = true;
        async run(ctx: SourceContext<number>): Promise<void> {
          for (let i = 0; i < 1000 && this.running; i++) await ctx.collectAsync(i);
          while (this.running) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        cancel(): void {
          this.running = false;
        }
      }
      env.addSource(new Source()).keyBy((v) => v % 50).process(new Count()).addSink(() => {});
      const client = await runJob(t, env);
      await eventually(() => seen.n === 1000, 10_000, 'records processed');
      const id = await client.triggerCheckpoint();
      assert.ok(id !== null);
      await eventually(() => (client.getCheckpointStatistics()?.lastCompletedCheckpointId ?? 0) >= id, 10_000, `checkpoint ${id}`);
      const metadata = await FILE_CHECKPOINT_READER.readMetadata(client.getCheckpointStatistics()!.lastCheckpointExternalPath!);
      const shared = metadata.tasks.flatMap((h) => h.sharedFiles ?? []);
      assert.equal(shared.length > 0, expected, JSON.stringify(metadata.tasks));
      await client.cancel();
    });
  }
});
