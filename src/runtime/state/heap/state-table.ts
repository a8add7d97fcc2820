/*
 * The storage of one registered state in the heap backend (Flink's StateTable): per key group of
 * the backend's range, a Map from normalized key to the stored value for VOID_NAMESPACE (one Map
 * lookup on the common path), and a Map from normalized key to a Map per namespace for states in
 * windows. Values are objects, never serialized while processing.
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
import type { NamespaceKey, NormalizedKey } from './state-keys.ts';

/** What a table needs of its backend: the current key, set by the operator before each record. */
export interface CurrentKeyContext {
  readonly currentKeyGroupIndex: number;
  readonly currentNormalizedKey: NormalizedKey;
  noKeyError(what: string): Error;
}

type NamespaceMap<S> = Map<NamespaceKey, S>;

/** The Maps of a table at the time of a snapshot; the values are shared with the live table. */
export interface TableSnapshot<S> {
  readonly voidGroups: readonly (ReadonlyMap<NormalizedKey, S> | undefined)[];
  readonly nsGroups: readonly (ReadonlyMap<NormalizedKey, ReadonlyMap<NamespaceKey, S>> | undefined)[];
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

export class StateTable<S> implements TtlCleanupCursor {
  readonly name: string;
  readonly type: StateType;
  readonly valueSerializer: TypeSerializer<any>;
  readonly userKeySerializer: TypeSerializer<unknown> | null;
  readonly voidGroups: (Map<NormalizedKey, S> | undefined)[];
  readonly nsGroups: (Map<NormalizedKey, NamespaceMap<S>> | undefined)[];
  /** Removes expired values of one entry (incremental cleanup); null without TTL. */
  ttlCleaner: TtlEntryCleaner | null = null;
  private readonly keyContext: CurrentKeyContext;
  private readonly copyValue: (value: S) => S;
  private readonly pending: TableSnapshot<S>[] = [];
  private cursor: Iterator<[number, NormalizedKey, NamespaceKey]> | null = null;

  constructor(options: StateTableOptions<S>) {
    this.name = options.name;
    this.type = options.type;
    this.keyContext = options.keyContext;
    this.valueSerializer = options.valueSerializer;
    this.userKeySerializer = options.userKeySerializer;
    this.copyValue = options.copyValue;
    this.voidGroups = new Array<Map<NormalizedKey, S> | undefined>(options.numberOfKeyGroups).fill(undefined);
    this.nsGroups = new Array<Map<NormalizedKey, NamespaceMap<S>> | undefined>(options.numberOfKeyGroups).fill(undefined);
  }

  private keyGroupIndex(): number {
    const i = this.keyContext.currentKeyGroupIndex;
    if (i < 0) throw this.keyContext.noKeyError(`State '${this.name}'`);
    return i;
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
      value = this.nsGroups[i]?.get(key)?.get(ns);
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

  getAt(i: number, key: NormalizedKey, ns: NamespaceKey): S | undefined {
    if (ns === VOID_NAMESPACE) return this.voidGroups[i]?.get(key);
    return this.nsGroups[i]?.get(key)?.get(ns);
  }

  putAt(i: number, key: NormalizedKey, ns: NamespaceKey, value: S): void {
    if (ns === VOID_NAMESPACE) {
      let m = this.voidGroups[i];
      if (m === undefined) m = this.voidGroups[i] = new Map();
      m.set(key, value);
      return;
    }
    let outer = this.nsGroups[i];
    if (outer === undefined) outer = this.nsGroups[i] = new Map();
    let inner = outer.get(key);
    if (inner === undefined) {
      inner = new Map();
      outer.set(key, inner);
    }
    inner.set(ns, value);
  }

  removeAt(i: number, key: NormalizedKey, ns: NamespaceKey): void {
    if (ns === VOID_NAMESPACE) {
      this.voidGroups[i]?.delete(key);
      return;
    }
    const outer = this.nsGroups[i];
    const inner = outer?.get(key);
    if (inner === undefined) return;
    inner.delete(ns);
    if (inner.size === 0) outer!.delete(key);
  }

  private unshare(i: number, key: NormalizedKey, ns: NamespaceKey, value: S): S {
    for (const snapshot of this.pending) {
      const shared = ns === VOID_NAMESPACE ? snapshot.voidGroups[i]?.get(key) : snapshot.nsGroups[i]?.get(key)?.get(ns);
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
    const nsGroups = this.nsGroups.map((outer) => {
      if (outer === undefined || outer.size === 0) return undefined;
      const copy = new Map<NormalizedKey, NamespaceMap<S>>();
      for (const [key, inner] of outer) copy.set(key, new Map(inner));
      return copy;
    });
    const snapshot: TableSnapshot<S> = { voidGroups, nsGroups };
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

  /** Every (key-group index, key, namespace) with a value, in key-group order. */
  *entries(): Generator<[number, NormalizedKey, NamespaceKey]> {
    for (let i = 0; i < this.voidGroups.length; i++) {
      const m = this.voidGroups[i];
      if (m !== undefined) for (const key of m.keys()) yield [i, key, VOID_NAMESPACE];
      const outer = this.nsGroups[i];
      if (outer !== undefined) for (const [key, inner] of outer) for (const ns of inner.keys()) yield [i, key, ns];
    }
  }

  size(): number {
    let n = 0;
    for (const m of this.voidGroups) if (m !== undefined) n += m.size;
    for (const outer of this.nsGroups) if (outer !== undefined) for (const inner of outer.values()) n += inner.size;
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
    this.nsGroups.fill(undefined);
    this.pending.length = 0;
    this.cursor = null;
  }
}
