/*
 * The shared keyed state backend suite, run against the RocksDB backend: every backend passes the
 * same tests. The databases live under one temp directory, removed when the file is done.
 */
import { after, describe } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RocksDBStateBackend } from '../../../../src/runtime/state/rocksdb/rocksdb-state-backend.ts';
import { describeKeyedStateBackendSuite } from '../keyed-state-backend-suite.ts';
import { skipRocksDB } from './rocksdb-test-helpers.ts';

let dbPath: string | undefined;
after(() => {
  if (dbPath !== undefined) rmSync(dbPath, { recursive: true, force: true });
});

describe('RocksDB', { skip: skipRocksDB }, () => {
  describeKeyedStateBackendSuite('RocksDBKeyedStateBackend', async (parameters) => {
    dbPath ??= mkdtempSync(join(tmpdir(), 'flink-ts-rocksdb-suite-'));
    return new RocksDBStateBackend({ dbPath }, { ttlTimeProvider: parameters.ttlTimeProvider }).createKeyedStateBackend(parameters);
  });
});
