/*
 * What a point read of RocksDB keyed state costs from the memtable and from an SST file, through
 * the state backend (setCurrentKey + ValueState.value()): the mechanism behind the throughput cost
 * of frequent incremental checkpoints. Each incremental checkpoint takes a native RocksDB
 * checkpoint, which flushes the memtable; afterwards the state is read from SST files until it is
 * written again. The checkpoint suite reports both figures next to the throughput cost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueStateDescriptor } from '../../src/api/state/state-descriptor.ts';
import type { ValueState } from '../../src/api/state/state.ts';
import { KeyGroupRange } from '../../src/runtime/state/key-group-range.ts';
import { RocksDBStateBackend } from '../../src/runtime/state/rocksdb/rocksdb-state-backend.ts';

export interface ReadProbe {
  readonly keys: number;
  /** µs per read (setCurrentKey + value()) while the state is in the memtable. */
  readonly memtableMicros: number;
  /** µs per read after a native checkpoint flushed it to an SST file. */
  readonly sstMicros: number;
}

const MAX_PARALLELISM = 128;

/** Reads `keys` keys in order, `rounds` times; the median µs per read of the rounds. */
function readMicros(backend: { setCurrentKey(key: unknown): void }, state: ValueState<number>, keys: number, rounds: number): number {
  const perRead: number[] = [];
  let sum = 0;
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    for (let k = 0; k < keys; k++) {
      backend.setCurrentKey(k);
      sum += state.value()!;
    }
    perRead.push(((performance.now() - started) * 1000) / keys);
  }
  if (sum < 0) throw new Error('unreachable: keeps the reads from being optimized away');
  perRead.sort((a, b) => a - b);
  return perRead[perRead.length >> 1]!;
}

export async function rocksDBReadProbe(keys = 50_000, rounds = 7): Promise<ReadProbe> {
  const dir = await mkdtemp(join(tmpdir(), 'flink-ts-read-probe-'));
  const backend = new RocksDBStateBackend({ dbPath: dir }).createKeyedStateBackend({
    jobId: 'read-probe',
    operatorIdentifier: 'probe',
    keyGroupRange: KeyGroupRange.of(0, MAX_PARALLELISM - 1),
    maxParallelism: MAX_PARALLELISM,
    subtaskIndex: 0,
    where: "operator 'ReadProbe' (subtask 1/1)",
  });
  try {
    const state = backend.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('count', 0));
    for (let k = 0; k < keys; k++) {
      backend.setCurrentKey(k);
      state.update(k + 1);
    }
    readMicros(backend, state, keys, 2); // warm-up
    const memtableMicros = readMicros(backend, state, keys, rounds);
    // What an incremental checkpoint does first: a native checkpoint, which flushes the memtable.
    await backend.createNativeCheckpoint(join(dir, 'checkpoint'));
    readMicros(backend, state, keys, 2);
    const sstMicros = readMicros(backend, state, keys, rounds);
    return { keys, memtableMicros, sstMicros };
  } finally {
    await backend.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}
