/*
 * The keyed state backends the state benchmarks run on: the heap backend (HashMapStateBackend) and
 * the RocksDB backend, each as one keyed backend owning all 128 key groups of one subtask, as a
 * keyed operator at parallelism 1 has. RocksDB databases live in a fresh temporary directory that
 * is removed with the backend, so a run leaves nothing behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HashMapStateBackend, type StateBackend } from 'flink-ts';
import { RocksDBStateBackend } from 'flink-ts/rocksdb';
import { KeyGroupRange } from '../../src/runtime/state/key-group-range.ts';
import type { KeyedStateBackend } from '../../src/runtime/state/keyed-state-backend.ts';

export const BACKEND_KINDS = ['heap', 'rocksdb'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export const MAX_PARALLELISM = 128;

export interface OpenedBackend {
  readonly backend: KeyedStateBackend;
  /** Disposes the backend and removes its directory. */
  close(): Promise<void>;
}

function temporaryDirectory(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'flink-ts-bench-state-'));
}

/** A keyed state backend of `kind` for one operator subtask with every key group. */
export async function openKeyedBackend(kind: BackendKind, operator: string): Promise<OpenedBackend> {
  const parameters = {
    jobId: 'bench',
    operatorIdentifier: operator,
    keyGroupRange: KeyGroupRange.of(0, MAX_PARALLELISM - 1),
    maxParallelism: MAX_PARALLELISM,
    subtaskIndex: 0,
    where: `operator '${operator}' (subtask 1/1)`,
  };
  if (kind === 'heap') {
    const backend = await new HashMapStateBackend().createKeyedStateBackend(parameters);
    return { backend, close: () => backend.dispose() };
  }
  const directory = temporaryDirectory();
  try {
    const backend = await new RocksDBStateBackend({ dbPath: directory }).createKeyedStateBackend(parameters);
    return {
      backend,
      close: async () => {
        try {
          await backend.dispose();
        } finally {
          rmSync(directory, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

export interface JobStateBackend {
  readonly backend: StateBackend;
  /** Removes the backend's directory (after the job has ended). */
  cleanup(): void;
}

/** A state backend for env.setStateBackend(), with its own directory on RocksDB. */
export function jobStateBackend(kind: BackendKind): JobStateBackend {
  if (kind === 'heap') return { backend: new HashMapStateBackend(), cleanup: () => {} };
  const directory = temporaryDirectory();
  return { backend: new RocksDBStateBackend({ dbPath: directory }), cleanup: () => rmSync(directory, { recursive: true, force: true }) };
}
