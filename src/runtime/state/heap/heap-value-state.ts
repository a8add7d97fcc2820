/*
 * ValueState on the heap: the stored value is the object last given to update(). An empty state
 * reads as a copy of the descriptor's default (as Flink's getDefaultValue), so that changing what
 * value() returned never changes the default of other keys.
 */
import type { ValueState } from '../../../api/state/state.ts';
import type { ValueStateDescriptor } from '../../../api/state/state-descriptor.ts';
import { AbstractHeapState } from './abstract-heap-state.ts';
import type { StateTable } from './state-table.ts';

export class HeapValueState<T> extends AbstractHeapState<T> implements ValueState<T> {
  private readonly defaultValue: T | undefined;

  constructor(descriptor: ValueStateDescriptor<T>, table: StateTable<T>) {
    super(descriptor, table);
    this.defaultValue = descriptor.defaultValue;
  }

  value(): T | undefined {
    const value = this.table.get(this.namespace);
    if (value !== undefined) return value;
    const d = this.defaultValue;
    return typeof d === 'object' && d !== null ? (this.table.valueSerializer.copy(d) as T) : d;
  }

  update(value: T | undefined | null): void {
    if (value === undefined || value === null) this.table.remove(this.namespace);
    else this.table.put(this.namespace, value);
  }
}
