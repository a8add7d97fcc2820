/*
 * ValueState with TTL (Flink's TtlValueState) over a ValueState of TtlValues.
 */
import type { ValueState } from '../../../api/state/state.ts';
import type { ValueStateDescriptor } from '../../../api/state/state-descriptor.ts';
import { defaultSerializer } from '../../serialization/msgpack-serializer.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import type { InternalKvState } from '../keyed-state-backend.ts';
import { AbstractTtlState, type TtlStateContext } from './abstract-ttl-state.ts';
import type { TtlValue } from './ttl-value.ts';

type Original<T> = ValueState<TtlValue<T>> & InternalKvState;

export class TtlValueState<T> extends AbstractTtlState<Original<T>> implements ValueState<T> {
  private readonly defaultValue: T | undefined;
  private readonly serializer: TypeSerializer<T>;

  constructor(descriptor: ValueStateDescriptor<T>, original: Original<T>, context: TtlStateContext) {
    super(descriptor, original, context);
    this.defaultValue = descriptor.defaultValue;
    this.serializer = descriptor.serializer ?? defaultSerializer();
  }

  value(): T | undefined {
    this.accessed();
    const original = this.original;
    const value = this.ttl.getWithTtlCheckAndUpdate(
      () => original.value(),
      (v) => original.update(v),
      () => original.clear(),
    );
    if (value !== undefined) return value.userValue;
    // A copy, as Flink's getDefaultValue: the default of other keys must not change with this one.
    const d = this.defaultValue;
    return typeof d === 'object' && d !== null ? this.serializer.copy(d) : d;
  }

  update(value: T | undefined | null): void {
    this.accessed();
    if (value === undefined || value === null) this.original.clear();
    else this.original.update(this.ttl.wrap(value));
  }
}
