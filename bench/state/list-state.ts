/*
 * ListState benchmark: per record setCurrentKey(key) + add(record) over 10,000 keys round-robin,
 * starting from empty lists, so every list grows to records / 10,000 elements. The plain Map
 * keeps an array per key; the raw binding reads each list's bytes and writes prebuilt bytes of the
 * longer list (get + put, as the backend's add). What is read back is an order-sensitive hash of
 * every key's list.
 */
import { ListStateDescriptor, type ListState } from 'flink-ts';
import type { KeyedStateBackend } from '../../src/runtime/state/keyed-state-backend.ts';
import { decodeByteList, encodeByteList } from '../../src/runtime/state/snapshot/key-group-block.ts';
import { VALUE_SERIALIZER, checkSameBytes, openBindingColumnFamily, packed, stateKeyOf, stateKeys } from './binding-baseline.ts';
import { openKeyedBackend, type BackendKind } from './state-backends.ts';
import type { StateWorkload, Trial } from './state-harness.ts';

const KEYS = 10_000;
const STATE_NAME = 'elements';

function listHash(list: Iterable<number>): number {
  let h = 1;
  for (const e of list) h = (Math.imul(31, h) + e) | 0;
  return h;
}

let prebuiltLists: { readonly n: number; readonly lists: readonly Uint8Array[] } | undefined;

/** The stored bytes of record i's key after add(i): its list of every record so far, index = record. */
function listsAfterEachAdd(n: number): readonly Uint8Array[] {
  if (prebuiltLists?.n === n) return prebuiltLists.lists;
  const elements: Uint8Array[][] = Array.from({ length: KEYS }, () => []);
  const lists: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const list = elements[i % KEYS]!;
    list.push(VALUE_SERIALIZER.serialize(i));
    lists.push(encodeByteList(list));
  }
  prebuiltLists = { n, lists: packed(lists) };
  return prebuiltLists.lists;
}

interface Opened {
  readonly backend: KeyedStateBackend;
  readonly state: ListState<number>;
  close(): Promise<void>;
}

async function open(kind: BackendKind): Promise<Opened> {
  const opened = await openKeyedBackend(kind, 'list-state');
  const state = opened.backend.getPartitionedState<ListState<number>>(new ListStateDescriptor<number>(STATE_NAME));
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

  bindingTrial(n): Trial {
    const keys = stateKeys(KEYS);
    const lists = listsAfterEachAdd(n);
    const opened = openBindingColumnFamily(STATE_NAME);
    const { cf } = opened;
    return {
      run() {
        // Counts the reads that found the list of the key's earlier records (checked by length).
        let found = 0;
        for (let i = 0; i < n; i++) {
          const key = keys[i % KEYS]!;
          const stored = cf.get(key);
          if (i < KEYS ? stored === undefined : stored?.length === lists[i - KEYS]!.length) found++;
          cf.put(key, lists[i]!);
        }
        return found;
      },
      finish() {
        try {
          let sum = 0;
          for (const key of keys) {
            const stored = cf.get(key);
            const list = stored === undefined ? [] : decodeByteList(stored).map((e) => VALUE_SERIALIZER.deserialize(e) as number);
            sum = (sum + listHash(list)) | 0;
          }
          return sum;
        } finally {
          opened.close();
        }
      },
    };
  },

  checkBindingBytes: () =>
    checkSameBytes<ListState<number>>('list', new ListStateDescriptor<number>(STATE_NAME), 7, (s) => (s.add(5), s.add(6)), {
      key: stateKeyOf(7),
      value: encodeByteList([VALUE_SERIALIZER.serialize(5), VALUE_SERIALIZER.serialize(6)]),
    }),

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
