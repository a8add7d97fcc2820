/*
 * The storage of one registered state in the heap backend (Flink's StateTable). VOID_NAMESPACE
 * values (keyed state outside windows) live per key group of the backend's range in a Map from
 * normalized key to value: one Map lookup on the common path. Values in other namespaces (window
 * panes) live in one KeyMap per namespace (key-map.ts: int keys in an open-addressing table) from
 * normalized key to value, over all key groups: a window's panes share one table where a
 * key-first layout would allocate a small Map per key, and an access is one lookup of the
 * namespace (skipped when it is the one last used, as consecutive records mostly hit the same
 * window) and one by key. The key groups of those entries are computed when needed: by
 * snapshots, which are written per key group (heap-snapshot-strategy.ts). Values are objects,
 * never serialized while processing.
 *
 * Snapshot isolation (Flink's copy-on-write state table, done per entry): snapshot() copies the
 * Maps (not the values) and registers the copy as pending until the snapshot is materialized.
 * While a snapshot is pending, an access that hands out or changes a stored object first checks
 * whether that very object is in a pending copy and, if so, replaces it in the live table by a
 * deep copy (`copyValue`, the serializer's copy semantics) — so the snapshot keeps the object as
 * it was, and later writes, adds, removes and in-place changes never reach it. Primitive values
 * need no copy. Without a pending snapshot an access costs one check of an array's length.
 */
import type { StateType } from '../../../api/state/state.ts';
import { VOID_NAMESPACE } from '../keyed-state-backend.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import type { TtlCleanupCursor } from '../ttl/ttl-incremental-cleanup.ts';
import type { TtlEntryCleaner } from '../ttl/ttl-cleanup.ts';
import { KeyMap } from './key-map.ts';
import type { NamespaceKey, NormalizedKey } from './state-keys.ts';

/** What a table needs of its backend: the current key, set by the operator before each record. */
export interface CurrentKeyContext {
  readonly currentKeyGroupIndex: number;
  readonly currentNormalizedKey: NormalizedKey;
  noKeyError(what: string): Error;
}

/** The Maps of a table at the time of a snapshot; the values are shared with the live table. */
export interface TableSnapshot<S> {
  readonly voidGroups: readonly (ReadonlyMap<NormalizedKey, S> | undefined)[];
  /** Namespace → (key → value), every key group together. */
  readonly namespaces: ReadonlyMap<NamespaceKey, ReadonlyMap<NormalizedKey, S>>;
}

export interface StateTableOptions<S> {
  readonly name: string;
  readonly type: StateType;
  readonly numberOfKeyGroups: number;
  readonly keyContext: CurrentKeyContext;
  /** Values, list elements or map values, as stored (TtlSerializer for states with TTL). */
  readonly valueSerializer: TypeSerializer<any>;
  /** MapState: the user keys' serializer. */
  readonly userKeySerializer: TypeSerializer<unknown> | null;
  readonly copyValue: (value: S) => S;
}

/** Up to this many open namespaces, a new one is sized like the last that left (see expectedKeys). */
const SIZED_NAMESPACES = 16;

/** Marks "no namespace looked up yet" (namespace keys are strings, numbers or VOID_NAMESPACE). */
const NO_NAMESPACE = Symbol('no namespace');

export class StateTable<S> implements TtlCleanupCursor {
  readonly name: string;
  readonly type: StateType;
  readonly valueSerializer: TypeSerializer<any>;
  readonly userKeySerializer: TypeSerializer<unknown> | null;
  readonly voidGroups: (Map<NormalizedKey, S> | undefined)[];
  /** Namespace → (key → value); a namespace without keys has no KeyMap. */
  readonly namespaces = new Map<NamespaceKey, KeyMap<S>>();
  /** Removes expired values of one entry (incremental cleanup); null without TTL. */
  ttlCleaner: TtlEntryCleaner | null = null;
  private readonly keyContext: CurrentKeyContext;
  private readonly copyValue: (value: S) => S;
  private readonly pending: TableSnapshot<S>[] = [];
  private cursor: Iterator<[number, NormalizedKey, NamespaceKey]> | null = null;
  /** The namespace last looked up and its KeyMap (undefined: none), kept in step by putAt/removeAt. */
  private lastNamespace: NamespaceKey | typeof NO_NAMESPACE = NO_NAMESPACE;
  private lastKeys: KeyMap<S> | undefined = undefined;
  /**
   * How many keys the namespace that last left the table held at its fullest: the windows of a
   * job tend to hold as many panes as the ones before, so a new namespace is sized for that —
   * while few are open (tumbling, sliding windows); with many (sessions) they grow from small.
   */
  private expectedKeys = 0;

  constructor(options: StateTableOptions<S>) {
    this.name = options.name;
    this.type = options.type;
    this.keyContext = options.keyContext;
    this.valueSerializer = options.valueSerializer;
    this.userKeySerializer = options.userKeySerializer;
    this.copyValue = options.copyValue;
    this.voidGroups = new Array<Map<NormalizedKey, S> | undefined>(options.numberOfKeyGroups).fill(undefined);
  }

  private keyGroupIndex(): number {
    const i = this.keyContext.currentKeyGroupIndex;
    if (i < 0) throw this.keyContext.noKeyError(`State '${this.name}'`);
    return i;
  }

  /** The values of namespace `ns` (not VOID_NAMESPACE). */
  private keysOf(ns: NamespaceKey): KeyMap<S> | undefined {
    if (ns === this.lastNamespace) return this.lastKeys;
    const keys = this.namespaces.get(ns);
    this.lastNamespace = ns;
    this.lastKeys = keys;
    return keys;
  }

  /** The value of the current key in `ns`, safe to hand out or change in place. */
  get(ns: NamespaceKey): S | undefined {
    const i = this.keyGroupIndex();
    const key = this.keyContext.currentNormalizedKey;
    let value: S | undefined;
    if (ns === VOID_NAMESPACE) {
      const m = this.voidGroups[i];
      if (m === undefined) return undefined;
      value = m.get(key);
    } else {
      const m = this.keysOf(ns);
      if (m === undefined) return undefined;
      value = m.get(key);
    }
    if (this.pending.length !== 0 && typeof value === 'object' && value !== null) return this.unshare(i, key, ns, value);
    return value;
  }

  /** The value of the current key in `ns`, only to look at (never changed, never handed out). */
  peek(ns: NamespaceKey): S | undefined {
    const i = this.keyGroupIndex();
    return this.getAt(i, this.keyContext.currentNormalizedKey, ns);
  }

  put(ns: NamespaceKey, value: S): void {
    this.putAt(this.keyGroupIndex(), this.keyContext.currentNormalizedKey, ns, value);
  }

  remove(ns: NamespaceKey): void {
    this.removeAt(this.keyGroupIndex(), this.keyContext.currentNormalizedKey, ns);
  }

  /** The value of `key` in `ns`; `i`, its key-group index, matters for VOID_NAMESPACE only. */
  getAt(i: number, key: NormalizedKey, ns: NamespaceKey): S | undefined {
    if (ns === VOID_NAMESPACE) return this.voidGroups[i]?.get(key);
    return this.keysOf(ns)?.get(key);
  }

  putAt(i: number, key: NormalizedKey, ns: NamespaceKey, value: S): void {
    if (ns === VOID_NAMESPACE) {
      let m = this.voidGroups[i];
      if (m === undefined) m = this.voidGroups[i] = new Map();
      m.set(key, value);
      return;
    }
    let keys = this.keysOf(ns);
    if (keys === undefined) {
      keys = this.lastKeys = new KeyMap<S>(this.namespaces.size < SIZED_NAMESPACES ? this.expectedKeys : 0);
      this.namespaces.set(ns, keys);
    }
    keys.set(key, value);
  }

  removeAt(i: number, key: NormalizedKey, ns: NamespaceKey): void {
    if (ns === VOID_NAMESPACE) {
      this.voidGroups[i]?.delete(key);
      return;
    }
    const keys = this.keysOf(ns);
    if (keys === undefined) return;
    keys.delete(key);
    // Windows come and go: a namespace leaves the table with its last key.
    if (keys.size === 0) {
      this.expectedKeys = keys.peakSize;
      this.namespaces.delete(ns);
      this.lastKeys = undefined;
    }
  }

  private unshare(i: number, key: NormalizedKey, ns: NamespaceKey, value: S): S {
    for (const snapshot of this.pending) {
      const shared = ns === VOID_NAMESPACE ? snapshot.voidGroups[i]?.get(key) : snapshot.namespaces.get(ns)?.get(key);
      if (shared === value) {
        const copy = this.copyValue(value);
        this.putAt(i, key, ns, copy);
        return copy;
      }
    }
    return value;
  }

  // ---- snapshots ------------------------------------------------------------------------------

  /** Copies the Maps (O(entries), no values) and keeps the copy pending until released. */
  snapshot(): TableSnapshot<S> {
    const voidGroups = this.voidGroups.map((m) => (m === undefined || m.size === 0 ? undefined : new Map(m)));
    const namespaces = new Map<NamespaceKey, Map<NormalizedKey, S>>();
    for (const [ns, keys] of this.namespaces) namespaces.set(ns, keys.toMap());
    const snapshot: TableSnapshot<S> = { voidGroups, namespaces };
    this.pending.push(snapshot);
    return snapshot;
  }

  /** The snapshot is written: objects it shares need no protection any more. */
  release(snapshot: TableSnapshot<S>): void {
    const at = this.pending.indexOf(snapshot);
    if (at >= 0) this.pending.splice(at, 1);
  }

  get numPendingSnapshots(): number {
    return this.pending.length;
  }

  // ---- iteration, size, cleanup ---------------------------------------------------------------

  /**
   * Every (key-group index, key, namespace) with a value: VOID_NAMESPACE entries in key-group
   * order, then the other namespaces' with index -1 (their key group is not kept).
   */
  *entries(): Generator<[number, NormalizedKey, NamespaceKey]> {
    for (let i = 0; i < this.voidGroups.length; i++) {
      const m = this.voidGroups[i];
      if (m !== undefined) for (const key of m.keys()) yield [i, key, VOID_NAMESPACE];
    }
    for (const [ns, keys] of this.namespaces) for (const key of keys.keys()) yield [-1, key, ns];
  }

  size(): number {
    let n = 0;
    for (const m of this.voidGroups) if (m !== undefined) n += m.size;
    for (const keys of this.namespaces.values()) n += keys.size;
    return n;
  }

  cleanupSome(count: number, now: number): void {
    const cleaner = this.ttlCleaner;
    if (cleaner === null) return;
    let restarted = false;
    while (count > 0) {
      this.cursor ??= this.entries();
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursor = null;
        if (restarted) return;
        restarted = true;
        continue;
      }
      count--;
      const [i, key, ns] = next.value;
      const stored = this.getAt(i, key, ns);
      if (stored === undefined) continue;
      const cleaned = cleaner(stored, now) as S | undefined;
      if (cleaned === undefined) this.removeAt(i, key, ns);
      else if (cleaned !== stored) this.putAt(i, key, ns, cleaned);
    }
  }

  clearAll(): void {
    this.voidGroups.fill(undefined);
    this.namespaces.clear();
    this.lastNamespace = NO_NAMESPACE;
    this.lastKeys = undefined;
    this.pending.length = 0;
    this.cursor = null;
  }
}
