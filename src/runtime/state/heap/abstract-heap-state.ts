/*
 * Base of the heap states (Flink's AbstractHeapState): a user-facing state object over one
 * StateTable, scoped to the backend's current key and to its own current namespace. Merging
 * states (list, reducing, aggregating) merge namespaces as Flink's AbstractHeapMergingState: the
 * sources' values are removed and merged, then merged into the target's value.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { StateDescriptor } from '../../../api/state/state-descriptor.ts';
import { VOID_NAMESPACE, type InternalKvState, type Namespace } from '../keyed-state-backend.ts';
import { namespaceKey, type NamespaceKey } from './state-keys.ts';
import type { StateTable } from './state-table.ts';

export abstract class AbstractHeapState<S> implements InternalKvState {
  readonly descriptor: StateDescriptor<unknown>;
  protected readonly table: StateTable<S>;
  protected namespace: NamespaceKey = VOID_NAMESPACE;

  constructor(descriptor: StateDescriptor<any>, table: StateTable<S>) {
    this.descriptor = descriptor;
    this.table = table;
  }

  setCurrentNamespace(namespace: Namespace): void {
    this.namespace = namespace === VOID_NAMESPACE ? VOID_NAMESPACE : namespaceKey(namespace);
  }

  clear(): void {
    this.table.remove(this.namespace);
  }

  /** The namespaces other than VOID_NAMESPACE that hold values, as stored (for the window operator). */
  storedNamespaces(): NamespaceKey[] {
    return [...this.table.namespaces.keys()];
  }

  /** Whether a namespace from storedNamespaces() still holds values. */
  hasStoredNamespace(storedNamespace: NamespaceKey): boolean {
    return this.table.namespaces.has(storedNamespace);
  }

  mergeNamespaces(_target: Namespace, _sources: readonly Namespace[]): void {
    throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, `State '${this.descriptor.name}' is a ${this.descriptor.type} state, which cannot merge namespaces (only list, reducing and aggregating states can)`);
  }

  /** Removes the sources' values, merges them, and merges the result into the target's value. */
  protected mergeWith(target: Namespace, sources: readonly Namespace[], merge: (a: S, b: S) => S | undefined): void {
    const table = this.table;
    let merged: S | undefined;
    for (const source of sources) {
      const ns = namespaceKey(source);
      const value = table.get(ns);
      if (value === undefined) continue;
      table.remove(ns);
      merged = merged === undefined ? value : merge(merged, value);
    }
    if (merged === undefined || merged === null) return;
    const t = namespaceKey(target);
    const current = table.get(t);
    const result = current === undefined ? merged : merge(current, merged);
    if (result === undefined || result === null) table.remove(t);
    else table.put(t, result);
  }
}
