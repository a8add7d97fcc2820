/*
 * AggregatingState on the heap: the stored value is the accumulator of everything added.
 */
import type { AggregateFunction, AggregatingState } from '../../../api/state/state.ts';
import type { AggregatingStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { Namespace } from '../keyed-state-backend.ts';
import type { InternalAppendingState } from '../ttl/abstract-ttl-state.ts';
import { AbstractHeapState } from './abstract-heap-state.ts';
import type { StateTable } from './state-table.ts';

export class HeapAggregatingState<IN, ACC, OUT> extends AbstractHeapState<ACC> implements AggregatingState<IN, OUT>, InternalAppendingState<ACC> {
  private readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>;

  constructor(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>, table: StateTable<ACC>) {
    super(descriptor, table);
    this.aggregateFunction = descriptor.aggregateFunction;
  }

  get(): OUT | undefined {
    const acc = this.table.get(this.namespace);
    return acc === undefined ? undefined : this.aggregateFunction.getResult(acc);
  }

  add(value: IN): void {
    if (value === undefined || value === null) {
      this.clear();
      return;
    }
    const fn = this.aggregateFunction;
    const table = this.table;
    const acc = table.get(this.namespace);
    if (acc === undefined) {
      this.updateInternal(fn.add(value, fn.createAccumulator()));
      return;
    }
    const next = fn.add(value, acc);
    // An accumulator changed in place is the object the table holds already (get() stored any
    // copy it made): the put would change nothing. Kept while a snapshot is pending, to be safe.
    if (next !== acc || table.numPendingSnapshots !== 0) this.updateInternal(next);
  }

  /**
   * add(), telling whether the namespace held an accumulator before: the window operator's test
   * for a pane that already existed, answered by the lookup the add makes anyway.
   */
  addAndReportExisting(value: IN): boolean {
    if (value === undefined || value === null) {
      const existed = this.table.peek(this.namespace) !== undefined;
      this.clear();
      return existed;
    }
    const fn = this.aggregateFunction;
    const acc = this.table.get(this.namespace);
    if (acc === undefined) {
      this.updateInternal(fn.add(value, fn.createAccumulator()));
      return false;
    }
    const next = fn.add(value, acc);
    if (next !== acc || this.table.numPendingSnapshots !== 0) this.updateInternal(next);
    return true;
  }

  getInternal(): ACC | undefined {
    return this.table.get(this.namespace);
  }

  updateInternal(value: ACC | undefined): void {
    if (value === undefined) this.table.remove(this.namespace);
    else this.table.put(this.namespace, value);
  }

  override mergeNamespaces(target: Namespace, sources: readonly Namespace[]): void {
    const fn = this.aggregateFunction;
    this.mergeWith(target, sources, (a, b) => fn.merge(a, b));
  }
}
