/*
 * Flink's TtlStateFactory: a backend creates state through createStateWithTtlIfEnabled; without
 * TTL it gets its ordinary state for the descriptor, with TTL it creates its ordinary state for a
 * derived descriptor (values are TtlValues serialized by TtlSerializer, reduce and aggregate
 * functions are the TTL ones) and gets it back wrapped in the TTL state of the descriptor's kind.
 * The backend records the user's descriptor (not the derived one) in snapshot meta data, with
 * `ttlMillis`, so that the value bytes are known to start with a timestamp.
 */
import { resolveMethod } from '../../../api/common/functions.ts';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type StateDescriptor,
} from '../../../api/state/state-descriptor.ts';
import { StateTypes, type State } from '../../../api/state/state.ts';
import { defaultSerializer } from '../../serialization/msgpack-serializer.ts';
import type { InternalKvState } from '../keyed-state-backend.ts';
import { TtlDecorator, type TtlStateContext } from './abstract-ttl-state.ts';
import { TtlAggregateFunction, TtlReduceFunction } from './ttl-functions.ts';
import { TtlListState } from './ttl-list-state.ts';
import { TtlMapState } from './ttl-map-state.ts';
import { TtlAggregatingState, TtlReducingState } from './ttl-reducing-state.ts';
import { TtlSerializer } from './ttl-value.ts';
import { TtlValueState } from './ttl-value-state.ts';

export type InternalStateFactory = (descriptor: StateDescriptor<any>) => State & InternalKvState;

/** Whether the descriptor asks for TTL. */
export function isTtlEnabled(descriptor: StateDescriptor<unknown>): boolean {
  return descriptor.ttlConfig !== null && descriptor.ttlConfig.isEnabled();
}

/** The descriptor of the backend's own state behind a TTL wrapper. */
export function ttlInternalDescriptor(descriptor: StateDescriptor<any>, ttl: TtlDecorator): StateDescriptor<any> {
  const serializer = new TtlSerializer(descriptor.serializer ?? defaultSerializer());
  const name = descriptor.name;
  if (descriptor instanceof ValueStateDescriptor) return new ValueStateDescriptor(name, serializer);
  if (descriptor instanceof ListStateDescriptor) return new ListStateDescriptor(name, serializer);
  if (descriptor instanceof MapStateDescriptor) return new MapStateDescriptor(name, descriptor.keySerializer, serializer);
  if (descriptor instanceof ReducingStateDescriptor) {
    const fn = new TtlReduceFunction(resolveMethod<(a: unknown, b: unknown) => unknown>(descriptor.reduceFunction, 'reduce', 'ReduceFunction'), ttl);
    return new ReducingStateDescriptor<any>(name, (a, b) => fn.reduce(a, b), serializer);
  }
  if (descriptor instanceof AggregatingStateDescriptor) return new AggregatingStateDescriptor(name, new TtlAggregateFunction(descriptor.aggregateFunction, ttl), serializer);
  throw new TypeError(`Unknown state descriptor ${String(descriptor)}`);
}

export function createStateWithTtlIfEnabled(descriptor: StateDescriptor<any>, createInternal: InternalStateFactory, context: Omit<TtlStateContext, 'config'>): State & InternalKvState {
  if (!isTtlEnabled(descriptor)) return createInternal(descriptor);
  const full: TtlStateContext = { ...context, config: descriptor.ttlConfig! };
  const ttl = new TtlDecorator(full);
  const original = createInternal(ttlInternalDescriptor(descriptor, ttl)) as any;
  switch (descriptor.type) {
    case StateTypes.VALUE:
      return new TtlValueState(descriptor as ValueStateDescriptor<unknown>, original, full);
    case StateTypes.LIST:
      return new TtlListState(descriptor as ListStateDescriptor<unknown>, original, full);
    case StateTypes.MAP:
      return new TtlMapState(descriptor as MapStateDescriptor<unknown, unknown>, original, full);
    case StateTypes.REDUCING:
      return new TtlReducingState(descriptor as ReducingStateDescriptor<unknown>, original, full);
    case StateTypes.AGGREGATING:
      return new TtlAggregatingState(descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>, original, full);
  }
  throw new TypeError(`Unknown state type ${String(descriptor.type)}`);
}
