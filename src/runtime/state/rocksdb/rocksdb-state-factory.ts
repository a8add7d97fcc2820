/*
 * The RocksDB state of a state descriptor's type (value, list, map, reducing, aggregating), over
 * the column family and backend context in `parts`.
 */
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from '../../../api/state/state-descriptor.ts';
import { StateTypes, type State } from '../../../api/state/state.ts';
import { defaultSerializer } from '../../serialization/msgpack-serializer.ts';
import type { AbstractRocksDBState, RocksDBStateParts } from './abstract-rocksdb-state.ts';
import { RocksDBAggregatingState } from './rocksdb-aggregating-state.ts';
import { RocksDBListState } from './rocksdb-list-state.ts';
import { RocksDBMapState } from './rocksdb-map-state.ts';
import { RocksDBReducingState } from './rocksdb-reducing-state.ts';
import { RocksDBValueState } from './rocksdb-value-state.ts';

export function createRocksDBState(descriptor: StateDescriptor<any>, parts: RocksDBStateParts): AbstractRocksDBState & State {
  const serializer = descriptor.serializer ?? defaultSerializer();
  switch (descriptor.type) {
    case StateTypes.VALUE:
      return new RocksDBValueState(descriptor as ValueStateDescriptor<unknown>, serializer, parts);
    case StateTypes.LIST:
      return new RocksDBListState(descriptor as ListStateDescriptor<unknown>, serializer, parts);
    case StateTypes.MAP:
      return new RocksDBMapState(descriptor as MapStateDescriptor<unknown, unknown>, (descriptor as MapStateDescriptor<unknown, unknown>).keySerializer ?? defaultSerializer(), serializer, parts);
    case StateTypes.REDUCING:
      return new RocksDBReducingState(descriptor as ReducingStateDescriptor<unknown>, serializer, parts);
    case StateTypes.AGGREGATING:
      return new RocksDBAggregatingState(descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>, serializer, parts);
  }
  throw new TypeError(`Unknown state type ${String((descriptor as StateDescriptor<unknown>).type)}`);
}
