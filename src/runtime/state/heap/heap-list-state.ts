/*
 * ListState on the heap: an array per key and namespace; an empty list is no entry.
 */
import type { ListState } from '../../../api/state/state.ts';
import type { ListStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { Namespace } from '../keyed-state-backend.ts';
import { AbstractHeapState } from './abstract-heap-state.ts';
import type { StateTable } from './state-table.ts';

const NULL_ELEMENT = 'You cannot add null to a ListState.';

export class HeapListState<T> extends AbstractHeapState<T[]> implements ListState<T> {
  constructor(descriptor: ListStateDescriptor<T>, table: StateTable<T[]>) {
    super(descriptor, table);
  }

  /** The stored array itself (no copy); an empty array when there is none. */
  get(): T[] {
    return this.table.get(this.namespace) ?? [];
  }

  add(value: T): void {
    if (value === undefined || value === null) throw new TypeError(NULL_ELEMENT);
    const list = this.table.get(this.namespace);
    if (list === undefined) this.table.put(this.namespace, [value]);
    else list.push(value);
  }

  /** add(), telling whether the namespace held a list before (see HeapAggregatingState). */
  addAndReportExisting(value: T): boolean {
    if (value === undefined || value === null) throw new TypeError(NULL_ELEMENT);
    const list = this.table.get(this.namespace);
    if (list === undefined) {
      this.table.put(this.namespace, [value]);
      return false;
    }
    list.push(value);
    return true;
  }

  addAll(values: Iterable<T>): void {
    const added = checkedArray(values, 'List of values to add cannot be null.');
    if (added.length === 0) return;
    const list = this.table.get(this.namespace);
    if (list === undefined) this.table.put(this.namespace, added);
    else for (const v of added) list.push(v);
  }

  update(values: Iterable<T>): void {
    const list = checkedArray(values, 'List of values to update cannot be null.');
    if (list.length === 0) this.table.remove(this.namespace);
    else this.table.put(this.namespace, list);
  }

  override mergeNamespaces(target: Namespace, sources: readonly Namespace[]): void {
    this.mergeWith(target, sources, (a, b) => a.concat(b));
  }
}

function checkedArray<T>(values: Iterable<T>, whenNull: string): T[] {
  if (values === undefined || values === null) throw new TypeError(whenNull);
  const out: T[] = [];
  for (const v of values) {
    if (v === undefined || v === null) throw new TypeError(NULL_ELEMENT);
    out.push(v);
  }
  return out;
}
