/*
 * ReducingState on the heap: the stored value is the reduce of everything added.
 */
import { resolveMethod } from '../../../api/common/functions.ts';
import type { ReducingState } from '../../../api/state/state.ts';
import type { ReducingStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { Namespace } from '../keyed-state-backend.ts';
import type { InternalAppendingState } from '../ttl/abstract-ttl-state.ts';
import { AbstractHeapState } from './abstract-heap-state.ts';
import type { StateTable } from './state-table.ts';

export class HeapReducingState<T> extends AbstractHeapState<T> implements ReducingState<T>, InternalAppendingState<T> {
  private readonly reduce: (a: T, b: T) => T;

  constructor(descriptor: ReducingStateDescriptor<T>, table: StateTable<T>) {
    super(descriptor, table);
    this.reduce = resolveMethod(descriptor.reduceFunction, 'reduce', 'ReduceFunction');
  }

  get(): T | undefined {
    return this.table.get(this.namespace);
  }

  add(value: T): void {
    if (value === undefined || value === null) {
      this.clear();
      return;
    }
    const table = this.table;
    const current = table.get(this.namespace);
    if (current === undefined) {
      this.updateInternal(value);
      return;
    }
    const next = this.reduce(current, value);
    // A reduce into `current` in place leaves the table as it is (see HeapAggregatingState.add).
    if (next !== current || table.numPendingSnapshots !== 0) this.updateInternal(next);
  }

  /** add(), telling whether the namespace held a value before (see HeapAggregatingState). */
  addAndReportExisting(value: T): boolean {
    if (value === undefined || value === null) {
      const existed = this.table.peek(this.namespace) !== undefined;
      this.clear();
      return existed;
    }
    const current = this.table.get(this.namespace);
    if (current === undefined) {
      this.updateInternal(value);
      return false;
    }
    const next = this.reduce(current, value);
    if (next !== current || this.table.numPendingSnapshots !== 0) this.updateInternal(next);
    return true;
  }

  getInternal(): T | undefined {
    return this.table.get(this.namespace);
  }

  updateInternal(value: T | undefined): void {
    if (value === undefined || value === null) this.table.remove(this.namespace);
    else this.table.put(this.namespace, value);
  }

  override mergeNamespaces(target: Namespace, sources: readonly Namespace[]): void {
    this.mergeWith(target, sources, this.reduce);
  }
}
