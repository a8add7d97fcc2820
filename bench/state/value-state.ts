/*
 * ValueState benchmarks over 100,000 distinct keys, visited round-robin, every key holding a value
 * before the timed part starts (Flink's state benchmarks prefill their keys the same way):
 * - value: per record setCurrentKey(key) + value() + update(value + 1), the read-modify-write of
 *   a keyed counter (two state ops per record);
 * - value-update: per record setCurrentKey(key) + update(record), a blind write (one op).
 * The plain Map does the same with get/set on the key; the raw binding (binding-baseline.ts) makes
 * the same get/put calls with prebuilt keys and values.
 */
import { ValueStateDescriptor, type ValueState } from 'flink-ts';
import type { KeyedStateBackend } from '../../src/runtime/state/keyed-state-backend.ts';
import { bytesEqual } from '../../src/runtime/state/rocksdb/rocksdb-key-layout.ts';
import {
  VALUE_SERIALIZER,
  batchWriteTrial,
  checkSameBytes,
  openBindingColumnFamily,
  serializedNumbers,
  stateKeyOf,
  stateKeys,
  sumOfValues,
  type BindingColumnFamily,
} from './binding-baseline.ts';
import { openKeyedBackend, type BackendKind } from './state-backends.ts';
import type { StateWorkload, Trial } from './state-harness.ts';

const KEYS = 100_000;
const STATE_NAME = 'counter';

interface Prefilled {
  readonly backend: KeyedStateBackend;
  readonly state: ValueState<number>;
  close(): Promise<void>;
}

async function openPrefilled(kind: BackendKind): Promise<Prefilled> {
  const opened = await openKeyedBackend(kind, 'value-state');
  const backend = opened.backend;
  const state = backend.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>(STATE_NAME));
  for (let k = 0; k < KEYS; k++) {
    backend.setCurrentKey(k);
    state.update(1);
  }
  return { backend, state, close: () => opened.close() };
}

function readBack({ backend, state }: Prefilled): number {
  let sum = 0;
  for (let k = 0; k < KEYS; k++) {
    backend.setCurrentKey(k);
    sum += state.value() ?? 0;
  }
  return sum;
}

/** The binding's column family with every key holding 1, as the backend's prefill leaves it. */
function prefilledColumnFamily(keys: readonly Uint8Array[]): BindingColumnFamily {
  const opened = openBindingColumnFamily(STATE_NAME);
  const one = serializedNumbers(2)[1]!;
  for (const key of keys) opened.cf.put(key, one);
  return opened;
}

function checkUpdateBytes(what: string, value: number): Promise<void> {
  return checkSameBytes<ValueState<number>>(what, new ValueStateDescriptor<number>(STATE_NAME), 7, (s) => s.update(value), {
    key: stateKeyOf(7),
    value: VALUE_SERIALIZER.serialize(value),
  });
}

function prefilledMap(): Map<number, number> {
  const map = new Map<number, number>();
  for (let k = 0; k < KEYS; k++) map.set(k, 1);
  return map;
}

function mapContent(map: Map<number, number>): number {
  let sum = 0;
  for (let k = 0; k < KEYS; k++) sum += map.get(k) ?? 0;
  return sum;
}

export const value: StateWorkload = {
  name: 'value',
  description: 'ValueState: setCurrentKey + value() + update(value + 1), 100,000 prefilled keys round-robin',
  opsPerRecord: 2,
  writesPerRecord: 1,
  writeCall: 'update()',
  records: (kind) => (kind === 'heap' ? 3_000_000 : 100_000),
  quickRecords: (kind) => (kind === 'heap' ? 200_000 : 20_000),

  async trial(kind, n) {
    const prefilled = await openPrefilled(kind);
    const { backend, state } = prefilled;
    return {
      run() {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          backend.setCurrentKey(i % KEYS);
          const v = state.value()!;
          sum += v;
          state.update(v + 1);
        }
        return sum;
      },
      async finish() {
        try {
          return readBack(prefilled);
        } finally {
          await prefilled.close();
        }
      },
    };
  },

  loopTrial(n): Trial {
    const map = prefilledMap();
    return {
      run() {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const key = i % KEYS;
          const v = map.get(key)!;
          sum += v;
          map.set(key, v + 1);
        }
        return sum;
      },
      finish: () => mapContent(map),
    };
  },

  bindingTrial(n): Trial {
    const keys = stateKeys(KEYS);
    const numbers = serializedNumbers(3 + Math.floor(n / KEYS));
    const opened = prefilledColumnFamily(keys);
    const { cf } = opened;
    return {
      run() {
        // The value read is checked against the bytes of what the Map holds instead of decoded.
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const key = keys[i % KEYS]!;
          const v = 1 + Math.floor(i / KEYS);
          const stored = cf.get(key);
          if (stored !== undefined && bytesEqual(stored, numbers[v]!)) sum += v;
          cf.put(key, numbers[v + 1]!);
        }
        return sum;
      },
      finish() {
        try {
          return sumOfValues(cf, keys);
        } finally {
          opened.close();
        }
      },
    };
  },

  checkBindingBytes: () => checkUpdateBytes('value', 2),

  async writeLatencies(kind, n) {
    const prefilled = await openPrefilled(kind);
    const { backend, state } = prefilled;
    const durations = new Float64Array(n);
    try {
      for (let i = 0; i < n; i++) {
        backend.setCurrentKey(i % KEYS);
        const v = state.value()!;
        const start = process.hrtime.bigint();
        state.update(v + 1);
        durations[i] = Number(process.hrtime.bigint() - start);
      }
    } finally {
      await prefilled.close();
    }
    return durations;
  },
};

export const valueUpdate: StateWorkload = {
  name: 'value-update',
  description: 'ValueState: setCurrentKey + update(record), blind writes over 100,000 prefilled keys round-robin',
  opsPerRecord: 1,
  writesPerRecord: 1,
  writeCall: 'update()',
  records: (kind) => (kind === 'heap' ? 3_000_000 : 150_000),
  quickRecords: (kind) => (kind === 'heap' ? 200_000 : 20_000),

  async trial(kind, n) {
    const prefilled = await openPrefilled(kind);
    const { backend, state } = prefilled;
    return {
      run() {
        for (let i = 0; i < n; i++) {
          backend.setCurrentKey(i % KEYS);
          state.update(i);
        }
        return n;
      },
      async finish() {
        try {
          return readBack(prefilled);
        } finally {
          await prefilled.close();
        }
      },
    };
  },

  loopTrial(n): Trial {
    const map = prefilledMap();
    return {
      run() {
        for (let i = 0; i < n; i++) map.set(i % KEYS, i);
        return n;
      },
      finish: () => mapContent(map),
    };
  },

  bindingTrial(n): Trial {
    const keys = stateKeys(KEYS);
    const records = serializedNumbers(n);
    const opened = prefilledColumnFamily(keys);
    const { cf } = opened;
    return {
      run() {
        for (let i = 0; i < n; i++) cf.put(keys[i % KEYS]!, records[i]!);
        return n;
      },
      finish() {
        try {
          return sumOfValues(cf, keys);
        } finally {
          opened.close();
        }
      },
    };
  },

  bindingBatchTrial: (n, batchSize) => batchWriteTrial(STATE_NAME, stateKeys(KEYS), serializedNumbers(n), n, batchSize, serializedNumbers(2)[1]!),

  checkBindingBytes: () => checkUpdateBytes('value-update', 123_456),

  async writeLatencies(kind, n) {
    const prefilled = await openPrefilled(kind);
    const { backend, state } = prefilled;
    const durations = new Float64Array(n);
    try {
      for (let i = 0; i < n; i++) {
        backend.setCurrentKey(i % KEYS);
        const start = process.hrtime.bigint();
        state.update(i);
        durations[i] = Number(process.hrtime.bigint() - start);
      }
    } finally {
      await prefilled.close();
    }
    return durations;
  },
};
