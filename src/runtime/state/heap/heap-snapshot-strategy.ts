/*
 * Snapshots of the heap backend. The synchronous part (HeapKeyedStateBackend.snapshot) asks each
 * state table for a copy of its Maps (see state-table.ts for why that isolates the snapshot from
 * later processing at the cost of copying Map entries, not values); materialize() then writes the
 * portable format off the processing path, yielding to the event loop between chunks: per key
 * group one block, keys by KeySerializer, namespaces by NamespaceSerializer.DEFAULT, values by the
 * state's serializer (TtlSerializer for states with TTL), list values as encodeByteList, map
 * states one entry per user key (encodeMapEntry); entries of namespaces other than
 * VOID_NAMESPACE, which the tables keep per namespace, are first split by key group. Full-snapshot
 * TTL cleanup leaves out what has expired at the time of the synchronous part. Restored entries of
 * states not registered since are written back as they were read.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import { StateTypes } from '../../../api/state/state.ts';
import { KeySerializer } from '../../serialization/key-serializer.ts';
import { computeKeyGroupForKeyHash } from '../key-group-range-assignment.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import { hashKey } from '../key-hash.ts';
import type { SnapshotRunner } from '../keyed-state-backend.ts';
import { encodeByteList, encodeMapEntry, KeyGroupBlockWriter } from '../snapshot/key-group-block.ts';
import { KEYED_STATE_SNAPSHOT_VERSION, type KeyedStateSnapshot, type StateMetaInfo } from '../snapshot/keyed-state-snapshot.ts';
import type { TtlEntryCleaner } from '../ttl/ttl-cleanup.ts';
import { denormalizeKey, namespaceKeyToBytes, userMapKeyToBytes, type NamespaceKey, type NormalizedKey, type UserMapKey } from './state-keys.ts';
import type { StateTable, TableSnapshot } from './state-table.ts';
import type { InternalTimer } from '../timers/timer-queue.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { timersByKeyGroup, writeTimerEntries } from '../timers/timer-snapshot.ts';

const EMPTY = new Uint8Array(0);
/** Entries written between two yields to the event loop. */
const ENTRIES_PER_CHUNK = 4096;

/** One registered state in a snapshot. */
export interface SnapshotState {
  readonly meta: StateMetaInfo;
  readonly table: StateTable<unknown>;
  readonly snapshot: TableSnapshot<unknown>;
  /** Full-snapshot TTL cleanup of one stored value, or null. */
  readonly cleaner: TtlEntryCleaner | null;
}

/** A restored entry kept as bytes until its state is registered. */
export interface RestoredEntry {
  readonly normalizedKey: NormalizedKey;
  readonly namespace: NamespaceKey;
  readonly keyBytes: Uint8Array;
  readonly namespaceBytes: Uint8Array;
  readonly value: Uint8Array;
}

/** A state restored but not registered yet: its meta data and raw entries per key-group index. */
export interface RestoredState {
  readonly meta: StateMetaInfo;
  readonly groups: (RestoredEntry[] | undefined)[];
}

export interface HeapSnapshotParameters {
  readonly checkpointId: number;
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  readonly where: string;
  readonly states: readonly SnapshotState[];
  readonly restored: readonly RestoredState[];
  /** The timers of each timer queue, copied in the synchronous part. */
  readonly timers: readonly { readonly meta: StateMetaInfo; readonly namespaceSerializer: TypeSerializer<unknown>; readonly timers: readonly InternalTimer[] }[];
  /** The time of the synchronous part, for full-snapshot TTL cleanup. */
  readonly now: number;
}

export class HeapSnapshotRunner implements SnapshotRunner {
  readonly checkpointId: number;
  private readonly parameters: HeapSnapshotParameters;
  private result: Promise<KeyedStateSnapshot> | null = null;

  constructor(parameters: HeapSnapshotParameters) {
    this.checkpointId = parameters.checkpointId;
    this.parameters = parameters;
  }

  materialize(): Promise<KeyedStateSnapshot> {
    this.result ??= this.write().finally(() => this.release());
    return this.result;
  }

  /** Gives up a snapshot that will not be materialized (the tables stop protecting it). */
  release(): void {
    for (const s of this.parameters.states) s.table.release(s.snapshot);
  }

  private async write(): Promise<KeyedStateSnapshot> {
    const p = this.parameters;
    const keyGroups = new Map<number, Uint8Array>();
    const keyBytesCache = new Map<NormalizedKey, Uint8Array>();
    let sinceYield = 0;
    const n = p.keyGroupRange.numberOfKeyGroups;
    // The table keeps window panes by namespace over all key groups: split them by key group first.
    const namespaced: (unknown[] | undefined)[][] = [];
    for (const state of p.states) {
      const groups = new Array<unknown[] | undefined>(n).fill(undefined);
      for (const [ns, keys] of state.snapshot.namespaces) {
        for (const [key, value] of keys) (groups[this.keyGroupIndexOf(key)] ??= []).push(ns, key, value);
        sinceYield += keys.size;
        if (sinceYield >= ENTRIES_PER_CHUNK) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      namespaced.push(groups);
    }
    let lastNamespace: NamespaceKey | null = null;
    let lastNamespaceBytes: Uint8Array = EMPTY;
    const timerIndex = p.states.length + p.restored.length;
    const timerGroups = p.timers.map((t) => timersByKeyGroup(t.timers, p.keyGroupRange, p.maxParallelism, p.where));
    for (let i = 0; i < n; i++) {
      const writer = new KeyGroupBlockWriter();
      keyBytesCache.clear();
      const keyBytes = (key: NormalizedKey): Uint8Array => {
        let bytes = keyBytesCache.get(key);
        if (bytes === undefined) {
          bytes = KeySerializer.INSTANCE.serialize(denormalizeKey(key));
          keyBytesCache.set(key, bytes);
        }
        return bytes;
      };
      p.states.forEach((state, index) => {
        const voidGroup = state.snapshot.voidGroups[i];
        if (voidGroup !== undefined) for (const [key, value] of voidGroup) this.writeValue(writer, state, index, keyBytes(key), EMPTY, value);
        const nsGroup = namespaced[index]![i];
        if (nsGroup !== undefined) {
          for (let e = 0; e < nsGroup.length; e += 3) {
            const ns = nsGroup[e] as NamespaceKey;
            const nb = ns === lastNamespace ? lastNamespaceBytes : namespaceKeyToBytes(ns);
            lastNamespace = ns;
            lastNamespaceBytes = nb;
            this.writeValue(writer, state, index, keyBytes(nsGroup[e + 1] as NormalizedKey), nb, nsGroup[e + 2]);
          }
        }
      });
      p.restored.forEach((restored, j) => {
        const entries = restored.groups[i];
        if (entries !== undefined) for (const e of entries) writer.writeEntry(p.states.length + j, e.keyBytes, e.namespaceBytes, e.value);
      });
      timerGroups.forEach((groups, j) => {
        const timers = groups[i];
        if (timers !== undefined) writeTimerEntries(writer, timerIndex + j, timers, p.timers[j]!.namespaceSerializer);
      });
      if (!writer.isEmpty()) keyGroups.set(p.keyGroupRange.startKeyGroup + i, writer.finish());
      sinceYield += writer.entries + 1;
      if (sinceYield >= ENTRIES_PER_CHUNK) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return {
      version: KEYED_STATE_SNAPSHOT_VERSION,
      backendType: 'hashmap',
      maxParallelism: p.maxParallelism,
      keyGroupRange: { startKeyGroup: p.keyGroupRange.startKeyGroup, endKeyGroup: p.keyGroupRange.endKeyGroup },
      states: [...p.states.map((s) => s.meta), ...p.restored.map((r) => r.meta), ...p.timers.map((t) => t.meta)],
      keyGroups,
    };
  }

  /** The index within the snapshot's key-group range of a normalized key's key group. */
  private keyGroupIndexOf(key: NormalizedKey): number {
    const p = this.parameters;
    const i = computeKeyGroupForKeyHash(hashKey(denormalizeKey(key)), p.maxParallelism) - p.keyGroupRange.startKeyGroup;
    if (i < 0 || i >= p.keyGroupRange.numberOfKeyGroups) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot snapshot ${p.where}: a key's key group is outside the backend's range ${p.keyGroupRange.toString()}`);
    }
    return i;
  }

  private writeValue(writer: KeyGroupBlockWriter, state: SnapshotState, index: number, key: Uint8Array, namespace: Uint8Array, stored: unknown): void {
    const value = state.cleaner === null ? stored : state.cleaner(stored, this.parameters.now);
    if (value === undefined) return;
    const table = state.table;
    const serializer = table.valueSerializer;
    try {
      switch (table.type) {
        case StateTypes.LIST:
          writer.writeEntry(index, key, namespace, encodeByteList((value as unknown[]).map((e) => serializer.serialize(e))));
          return;
        case StateTypes.MAP:
          for (const [userKey, v] of value as Map<UserMapKey, unknown>) {
            writer.writeEntry(index, key, namespace, encodeMapEntry(userMapKeyToBytes(userKey, table.userKeySerializer!), serializer.serialize(v)));
          }
          return;
        default:
          writer.writeEntry(index, key, namespace, serializer.serialize(value));
      }
    } catch (e) {
      throw new FlinkError(
        ErrorCodes.FLINK_TS_ILLEGAL_STATE,
        `Cannot snapshot state '${table.name}' of ${this.parameters.where}: serializer '${serializer.id}' failed on a value: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e, context: { state: table.name } },
      );
    }
  }
}
