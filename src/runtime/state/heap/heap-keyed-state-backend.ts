/*
 * The heap keyed state backend of a subtask: state tables split by key group, so that a key-group
 * range can later be snapshotted, restored and moved to another subtask. The operator sets the
 * current key before touching state; every state access is scoped to it.
 */
import { illegalState } from '../../../errors.ts';
import { computeKeyGroupForKeyHash } from '../key-group-range-assignment.ts';
import { hashKey, normalizeKey } from '../key-hash.ts';
import type { KeyGroupRange } from '../key-group-range.ts';

/** One registered state: per key group, a map from normalized key to value. */
export class StateTable<V> {
  readonly name: string;
  private readonly backend: HeapKeyedStateBackend;
  private readonly tables: Map<unknown, V>[];

  constructor(name: string, backend: HeapKeyedStateBackend) {
    this.name = name;
    this.backend = backend;
    this.tables = Array.from({ length: backend.keyGroupRange.numberOfKeyGroups }, () => new Map<unknown, V>());
  }

  get(): V | undefined {
    const b = this.backend;
    return this.tables[b.currentKeyGroupIndex]!.get(b.currentNormalizedKey);
  }

  put(value: V): void {
    const b = this.backend;
    this.tables[b.currentKeyGroupIndex]!.set(b.currentNormalizedKey, value);
  }

  remove(): void {
    const b = this.backend;
    this.tables[b.currentKeyGroupIndex]!.delete(b.currentNormalizedKey);
  }

  /** Entries of one key group (absolute key group id), for snapshots. */
  entriesOfKeyGroup(keyGroup: number): IterableIterator<[unknown, V]> {
    return this.tables[keyGroup - this.backend.keyGroupRange.startKeyGroup]!.entries();
  }

  size(): number {
    let n = 0;
    for (const t of this.tables) n += t.size;
    return n;
  }
}

export class HeapKeyedStateBackend {
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  private readonly where: string;
  private readonly states = new Map<string, StateTable<unknown>>();
  currentKey: unknown = undefined;
  currentNormalizedKey: unknown = undefined;
  /** Index of the current key's group within this backend's range. */
  currentKeyGroupIndex = -1;

  constructor(keyGroupRange: KeyGroupRange, maxParallelism: number, where: string) {
    this.keyGroupRange = keyGroupRange;
    this.maxParallelism = maxParallelism;
    this.where = where;
  }

  setCurrentKey(key: unknown): void {
    const keyGroup = computeKeyGroupForKeyHash(hashKey(key, this.where), this.maxParallelism);
    const index = keyGroup - this.keyGroupRange.startKeyGroup;
    if (index < 0 || index >= this.keyGroupRange.numberOfKeyGroups) {
      throw illegalState(
        `Key ${String(key)} belongs to key group ${keyGroup}, which is not in ${this.where}'s range ${this.keyGroupRange.toString()}: ` +
          'the key selector must return the same key for a record on every call',
      );
    }
    this.currentKey = key;
    this.currentNormalizedKey = normalizeKey(key);
    this.currentKeyGroupIndex = index;
  }

  getCurrentKey(): unknown {
    return this.currentKey;
  }

  getOrCreateTable<V>(name: string): StateTable<V> {
    let table = this.states.get(name);
    if (table === undefined) {
      table = new StateTable<unknown>(name, this);
      this.states.set(name, table);
    }
    return table as StateTable<V>;
  }

  requireKey(): void {
    if (this.currentKeyGroupIndex < 0) throw illegalState(`Keyed state of ${this.where} was used outside of a keyed context`);
  }
}
