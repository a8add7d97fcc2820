/*
 * ListState benchmark: per record setCurrentKey(key) + add(record) over 10,000 keys round-robin,
 * starting from empty lists, so every list grows to records / 10,000 elements. The plain Map
 * keeps an array per key. What is read back is an order-sensitive hash of every key's list.
 */
import { ListStateDescriptor, type ListState } from 'flink-ts';
import type { KeyedStateBackend } from '../../src/runtime/state/keyed-state-backend.ts';
import { openKeyedBackend, type BackendKind } from './state-backends.ts';
import type { StateWorkload, Trial } from './state-harness.ts';

const KEYS = 10_000;

function listHash(list: Iterable<number>): number {
  let h = 1;
  for (const e of list) h = (Math.imul(31, h) + e) | 0;
  return h;
}

interface Opened {
  readonly backend: KeyedStateBackend;
  readonly state: ListState<number>;
  close(): Promise<void>;
}

async function open(kind: BackendKind): Promise<Opened> {
  const opened = await openKeyedBackend(kind, 'list-state');
  const state = opened.backend.getPartitionedState<ListState<number>>(new ListStateDescriptor<number>('elements'));
  return { backend: opened.backend, state, close: () => opened.close() };
}

export const list: StateWorkload = {
  name: 'list',
  description: 'ListState: setCurrentKey + add(record), 10,000 keys round-robin, lists growing from empty',
  opsPerRecord: 1,
  writesPerRecord: 1,
  writeCall: 'add()',
  records: (kind) => (kind === 'heap' ? 2_000_000 : 50_000),
  quickRecords: (kind) => (kind === 'heap' ? 100_000 : 10_000),

  async trial(kind, n) {
    const opened = await open(kind);
    const { backend, state } = opened;
    return {
      run() {
        for (let i = 0; i < n; i++) {
          backend.setCurrentKey(i % KEYS);
          state.add(i);
        }
        return n;
      },
      async finish() {
        try {
          let sum = 0;
          for (let k = 0; k < KEYS; k++) {
            backend.setCurrentKey(k);
            sum = (sum + listHash(state.get() ?? [])) | 0;
          }
          return sum;
        } finally {
          await opened.close();
        }
      },
    };
  },

  loopTrial(n): Trial {
    const map = new Map<number, number[]>();
    return {
      run() {
        for (let i = 0; i < n; i++) {
          const key = i % KEYS;
          const elements = map.get(key);
          if (elements === undefined) map.set(key, [i]);
          else elements.push(i);
        }
        return n;
      },
      finish() {
        let sum = 0;
        for (let k = 0; k < KEYS; k++) sum = (sum + listHash(map.get(k) ?? [])) | 0;
        return sum;
      },
    };
  },

  async writeLatencies(kind, n) {
    const opened = await open(kind);
    const { backend, state } = opened;
    const durations = new Float64Array(n);
    try {
      for (let i = 0; i < n; i++) {
        backend.setCurrentKey(i % KEYS);
        const start = process.hrtime.bigint();
        state.add(i);
        durations[i] = Number(process.hrtime.bigint() - start);
      }
    } finally {
      await opened.close();
    }
    return durations;
  },
};
