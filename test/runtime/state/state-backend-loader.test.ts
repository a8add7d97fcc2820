/*
 * Tests of loadStateBackend: an explicit backend wins, 'state.backend.type' picks hashmap or
 * rocksdb, and a RocksDB module that is missing or fails to load is a clear FLINK_TS_UNSUPPORTED.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Configuration, ErrorCodes, HashMapStateBackend } from 'flink-ts';
import { loadStateBackend } from '../../../src/runtime/state/state-backend-loader.ts';
import { assertFlinkError } from './suite/suite-helpers.ts';

const FAKE = '../../../test/runtime/state/fixtures/fake-rocksdb-backend.ts';
const BROKEN = '../../../test/runtime/state/fixtures/broken-rocksdb-backend.ts';
const MISSING = '../../../test/runtime/state/fixtures/no-such-module.ts';

const rocksdb = () => Configuration.fromObject({ 'state.backend.type': 'rocksdb' }, 'test');

describe('loadStateBackend', () => {
  it('returns the explicit backend whatever the configuration says', async () => {
    const explicit = new HashMapStateBackend();
    assert.equal(await loadStateBackend(rocksdb(), explicit, MISSING), explicit);
  });

  it('uses HashMapStateBackend by default and for hashmap', async () => {
    assert.ok((await loadStateBackend(new Configuration())) instanceof HashMapStateBackend);
    assert.ok((await loadStateBackend(Configuration.fromObject({ 'state.backend.type': 'hashmap' }, 'test'), null)) instanceof HashMapStateBackend);
  });

  it('loads the RocksDB backend module only for rocksdb, with the configuration', async () => {
    const conf = rocksdb();
    const backend = (await loadStateBackend(conf, undefined, FAKE)) as unknown as { type: string; configuration: Configuration };
    assert.equal(backend.type, 'rocksdb');
    assert.equal(backend.configuration, conf);
  });

  it('fails clearly when the RocksDB module is missing or does not load', async () => {
    for (const [module, why] of [
      [MISSING, 'failed to load'],
      [BROKEN, 'the native binding is missing'],
    ] as const) {
      const error = await loadStateBackend(rocksdb(), undefined, module).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertFlinkError(error, ErrorCodes.FLINK_TS_UNSUPPORTED, 'RocksDB state backend', why);
    }
  });
});
