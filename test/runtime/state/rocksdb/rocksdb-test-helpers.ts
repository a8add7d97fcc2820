/*
 * Helpers of the RocksDB backend tests: whether the binding loads here (tests skip with the
 * reason when it does not), temp directories removed after the test, and backends over them that
 * are disposed after the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { KeyGroupRange } from '../../../../src/runtime/state/key-group-range.ts';
import { RocksDBKeyedStateBackend, type RocksDBKeyedStateBackendOptions } from '../../../../src/runtime/state/rocksdb/rocksdb-keyed-state-backend.ts';
import { rocksDBAvailability } from '../../../../src/runtime/state/rocksdb/rocksdb-native.ts';
import type { KeyedStateBackendParameters } from '../../../../src/runtime/state/keyed-state-backend.ts';

export const MAX_PARALLELISM = 128;

const availability = rocksDBAvailability();

/** `false` when RocksDB loads here, else the reason to skip (printed by the test runner). */
export const skipRocksDB: false | string = availability.available ? false : `RocksDB binding unavailable: ${availability.reason}`;

interface Scope {
  readonly backends: { dispose(): Promise<void> }[];
  readonly dirs: string[];
}

const scopes = new WeakMap<TestContext, Scope>();

// One cleanup per test that disposes the backends before it removes the directories, whatever
// order they were made in: RocksDB must not lose its files while a database is open.
function scope(t: TestContext): Scope {
  let s = scopes.get(t);
  if (s === undefined) {
    const created: Scope = { backends: [], dirs: [] };
    s = created;
    scopes.set(t, created);
    t.after(async () => {
      for (const b of created.backends.reverse()) await b.dispose();
      for (const d of created.dirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return s;
}

/** A new temp directory, removed after the test (after its backends are disposed). */
export function tempDir(t: TestContext, prefix = 'flink-ts-rocksdb-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scope(t).dirs.push(dir);
  return dir;
}

/** Disposes `backend` after the test, before temp directories are removed. */
export function disposeAfter<B extends { dispose(): Promise<void> }>(t: TestContext, backend: B): B {
  scope(t).backends.push(backend);
  return backend;
}

export function parameters(overrides: Partial<KeyedStateBackendParameters> = {}): KeyedStateBackendParameters {
  return {
    jobId: 'job-1',
    operatorIdentifier: 'op-1',
    keyGroupRange: KeyGroupRange.of(0, MAX_PARALLELISM - 1),
    maxParallelism: MAX_PARALLELISM,
    subtaskIndex: 0,
    where: "operator 'Test' (subtask 1/1)",
    ...overrides,
  };
}

let counter = 0;

/** A backend in its own directory under a temp dir; disposed (and the dir removed) after the test. */
export function rocksBackend(
  t: TestContext,
  overrides: Partial<KeyedStateBackendParameters> = {},
  options: Partial<RocksDBKeyedStateBackendOptions> = {},
): RocksDBKeyedStateBackend {
  const directory = options.directory ?? join(tempDir(t), `instance-${++counter}`);
  const backend = new RocksDBKeyedStateBackend(parameters(overrides), { ...options, directory });
  disposeAfter(t, backend);
  return backend;
}
