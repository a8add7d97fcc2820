/*
 * The broadcast states of one broadcast operator instance: registered in its operator state
 * backend from the descriptors given to broadcast(...), looked up by name from the contexts, as a
 * writable state on the broadcast side and a read-only view elsewhere.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { BroadcastState, ReadOnlyBroadcastState } from '../../../api/functions/checkpointed-function.ts';
import type { MapStateDescriptor } from '../../../api/state/state-descriptor.ts';
import { ReadOnlyBroadcastStateView, type HeapBroadcastState } from './heap-broadcast-state.ts';
import type { OperatorStateBackend } from './operator-state-backend.ts';

export class BroadcastStates {
  private readonly where: string;
  private readonly states = new Map<string, HeapBroadcastState<any, any>>();
  private readonly views = new Map<string, ReadOnlyBroadcastStateView<any, any>>();

  constructor(backend: OperatorStateBackend, descriptors: readonly MapStateDescriptor<any, any>[]) {
    this.where = backend.where;
    for (const descriptor of descriptors) {
      const state = backend.getBroadcastState(descriptor) as HeapBroadcastState<any, any>;
      this.states.set(descriptor.name, state);
      this.views.set(descriptor.name, new ReadOnlyBroadcastStateView(state));
    }
  }

  writable<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    const state = this.states.get(this.nameOf(descriptor));
    if (state === undefined) throw this.missing(descriptor);
    return state as HeapBroadcastState<K, V>;
  }

  readOnly<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    const view = this.views.get(this.nameOf(descriptor));
    if (view === undefined) throw this.missing(descriptor);
    return view as ReadOnlyBroadcastStateView<K, V>;
  }

  private nameOf(descriptor: MapStateDescriptor<any, any>): string {
    if (descriptor === null || descriptor === undefined) throw new TypeError('getBroadcastState() needs a MapStateDescriptor, got ' + String(descriptor));
    return descriptor.name;
  }

  private missing(descriptor: MapStateDescriptor<any, any>): FlinkError {
    const known = [...this.states.keys()].map((n) => `'${n}'`).join(', ') || 'none';
    return new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `The requested broadcast state '${descriptor.name}' does not exist in ${this.where} (registered: ${known}). ` +
        'Check for typos in your state descriptor, or pass the descriptor to the datastream.broadcast(...) call if you forgot to register it.',
    );
  }
}
