/*
 * MapState benchmark over 10,000 keys × 10 user keys, every entry present before the timed part:
 * per record (one visit of a key, round-robin) setCurrentKey(key), put(userKey, value) for the 10
 * user keys, then get(userKey) for the 10 — 20 state ops, 10 of them writes. The plain Map keeps a
 * Map per key; the raw binding makes the same 10 puts and 10 gets on prebuilt entry keys and values.
 * What is read back is every key's entries(), so iteration is checked as well.
 */
import { MapStateDescriptor, type MapState } from 'flink-ts';
import type { KeyedStateBackend } from '../../src/runtime/state/keyed-state-backend.ts';
import { bytesEqual } from '../../src/runtime/state/rocksdb/rocksdb-key-layout.ts';
import { VALUE_SERIALIZER, checkSameBytes, mapEntryKeyOf, openBindingColumnFamily, packed, serializedNumbers } from './binding-baseline.ts';
import { openKeyedBackend, type BackendKind } from './state-backends.ts';
import type { StateWorkload, Trial } from './state-harness.ts';

const KEYS = 10_000;
const USER_KEYS = 10;
const STATE_NAME = 'entries';

interface Prefilled {
  readonly backend: KeyedStateBackend;
  readonly state: MapState<number, number>;
  close(): Promise<void>;
}

async function openPrefilled(kind: BackendKind): Promise<Prefilled> {
  const opened = await openKeyedBackend(kind, 'map-state');
  const backend = opened.backend;
  const state = backend.getPartitionedState<MapState<number, number>>(new MapStateDescriptor<number, number>(STATE_NAME));
  for (let k = 0; k < KEYS; k++) {
    backend.setCurrentKey(k);
    for (let u = 0; u < USER_KEYS; u++) state.put(u, k);
  }
  return { backend, state, close: () => opened.close() };
}

let entryKeys: readonly Uint8Array[] | undefined;

/** The RocksDB keys of every map entry, index = key × USER_KEYS + user key. */
function prebuiltEntryKeys(): readonly Uint8Array[] {
  entryKeys ??= packed(Array.from({ length: KEYS * USER_KEYS }, (_, i) => mapEntryKeyOf(Math.floor(i / USER_KEYS), i % USER_KEYS)));
  return entryKeys;
}

function entriesHash(entries: Iterable<readonly [number, number]>): number {
  let h = 0;
  for (const [u, v] of entries) h = (h + Math.imul(u + 1, v)) | 0;
  return h;
}

function prefilledMap(): Map<number, Map<number, number>> {
  const map = new Map<number, Map<number, number>>();
  for (let k = 0; k < KEYS; k++) {
    const entries = new Map<number, number>();
    for (let u = 0; u < USER_KEYS; u++) entries.set(u, k);
    map.set(k, entries);
  }
  return map;
}

export const map: StateWorkload = {
  name: 'map',
  description: 'MapState: setCurrentKey + 10 × put + 10 × get per record, 10,000 prefilled keys × 10 user keys',
  opsPerRecord: 2 * USER_KEYS,
  writesPerRecord: USER_KEYS,
  writeCall: 'put()',
  records: (kind) => (kind === 'heap' ? 300_000 : 10_000),
  quickRecords: (kind) => (kind === 'heap' ? 20_000 : 2_000),

  async trial(kind, n) {
    const prefilled = await openPrefilled(kind);
    const { backend, state } = prefilled;
    return {
      run() {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          backend.setCurrentKey(i % KEYS);
          for (let u = 0; u < USER_KEYS; u++) state.put(u, i + u);
          for (let u = 0; u < USER_KEYS; u++) sum += state.get(u)!;
        }
        return sum;
      },
      async finish() {
        try {
          let sum = 0;
          for (let k = 0; k < KEYS; k++) {
            backend.setCurrentKey(k);
            sum = (sum + entriesHash(state.entries())) | 0;
          }
          return sum;
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
          const entries = map.get(i % KEYS)!;
          for (let u = 0; u < USER_KEYS; u++) entries.set(u, i + u);
          for (let u = 0; u < USER_KEYS; u++) sum += entries.get(u)!;
        }
        return sum;
      },
      finish() {
        let sum = 0;
        for (let k = 0; k < KEYS; k++) sum = (sum + entriesHash(map.get(k)!)) | 0;
        return sum;
      },
    };
  },

  bindingTrial(n): Trial {
    const keys = prebuiltEntryKeys();
    const numbers = serializedNumbers(Math.max(n, KEYS) + USER_KEYS);
    const opened = openBindingColumnFamily(STATE_NAME);
    const { cf } = opened;
    for (let i = 0; i < keys.length; i++) cf.put(keys[i]!, numbers[Math.floor(i / USER_KEYS)]!);
    return {
      run() {
        // The values read are checked against the bytes just written instead of decoded.
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const base = (i % KEYS) * USER_KEYS;
          for (let u = 0; u < USER_KEYS; u++) cf.put(keys[base + u]!, numbers[i + u]!);
          for (let u = 0; u < USER_KEYS; u++) {
            const stored = cf.get(keys[base + u]!);
            if (stored !== undefined && bytesEqual(stored, numbers[i + u]!)) sum += i + u;
          }
        }
        return sum;
      },
      finish() {
        try {
          let sum = 0;
          for (let i = 0; i < keys.length; i++) {
            const stored = cf.get(keys[i]!);
            if (stored !== undefined) sum = (sum + Math.imul((i % USER_KEYS) + 1, VALUE_SERIALIZER.deserialize(stored) as number)) | 0;
          }
          return sum;
        } finally {
          opened.close();
        }
      },
    };
  },

  checkBindingBytes: () =>
    checkSameBytes<MapState<number, number>>('map', new MapStateDescriptor<number, number>(STATE_NAME), 7, (s) => s.put(3, 99_999), {
      key: mapEntryKeyOf(7, 3),
      value: VALUE_SERIALIZER.serialize(99_999),
    }),

  async writeLatencies(kind, n) {
    const prefilled = await openPrefilled(kind);
    const { backend, state } = prefilled;
    const durations = new Float64Array(n * USER_KEYS);
    try {
      for (let i = 0, at = 0; i < n; i++) {
        backend.setCurrentKey(i % KEYS);
        for (let u = 0; u < USER_KEYS; u++) {
          const start = process.hrtime.bigint();
          state.put(u, i + u);
          durations[at++] = Number(process.hrtime.bigint() - start);
        }
      }
    } finally {
      await prefilled.close();
    }
    return durations;
  },
};
