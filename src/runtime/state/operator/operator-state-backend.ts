/*
 * The operator state backend of one operator in one subtask (Flink's DefaultOperatorStateBackend):
 * list, union list and broadcast states held on the heap. A snapshot copies the states
 * synchronously (so the function can go on changing them) and serializes the copy in
 * materialize(), off the processing path. Restored state stays serialized until the function
 * registers it again: only then is the new serializer known, and checked against the snapshot's.
 * State that is restored but never registered again is carried over into later snapshots as it is.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { BroadcastState, OperatorStateStore } from '../../../api/functions/checkpointed-function.ts';
import type { ListStateDescriptor, MapStateDescriptor } from '../../../api/state/state-descriptor.ts';
import { StateTypes, type ListState } from '../../../api/state/state.ts';
import { defaultSerializer } from '../../serialization/msgpack-serializer.ts';
import { resolveStateSerializer } from '../../serialization/state-serializer-compatibility.ts';
import type { SerializerSnapshot, TypeSerializer } from '../../serialization/type-serializer.ts';
import { decodeMapEntry, encodeMapEntry } from '../snapshot/key-group-block.ts';
import { HeapBroadcastState } from './heap-broadcast-state.ts';
import {
  OPERATOR_STATE_SNAPSHOT_VERSION,
  OperatorStateModes,
  validateOperatorStateSnapshot,
  type OperatorStateEntry,
  type OperatorStateMode,
  type OperatorStateSnapshot,
} from './operator-state-snapshot.ts';
import { PartitionableListState } from './partitionable-list-state.ts';
import { redistributeOperatorState } from './round-robin-repartitioner.ts';

/** A snapshot whose synchronous part is done; `materialize` serializes asynchronously. */
export interface OperatorStateSnapshotRunner {
  readonly checkpointId: number;
  materialize(): Promise<OperatorStateSnapshot>;
}

/** Restored state not yet registered again: its serialized elements, gathered from all parts. */
interface RestoredState {
  readonly name: string;
  readonly mode: OperatorStateMode;
  readonly serializer: SerializerSnapshot;
  readonly keySerializer: SerializerSnapshot | undefined;
  readonly elements: Uint8Array[];
}

/** What the synchronous part of a snapshot keeps of one state. */
type StateCopy =
  | { readonly kind: 'list'; readonly state: PartitionableListState<unknown>; readonly values: unknown[] }
  | { readonly kind: 'broadcast'; readonly state: HeapBroadcastState<unknown, unknown>; readonly entries: [unknown, unknown][] }
  | { readonly kind: 'raw'; readonly entry: OperatorStateEntry };

/** Elements serialized between two yields to the event loop while materializing. */
const MATERIALIZE_SLICE = 4096;

export class OperatorStateBackend implements OperatorStateStore {
  readonly operatorName: string;
  /** "operator 'X' (subtask i/n)", for error messages. */
  readonly where: string;
  private readonly listStates = new Map<string, PartitionableListState<unknown>>();
  private readonly broadcastStates = new Map<string, HeapBroadcastState<unknown, unknown>>();
  private readonly restoredStates = new Map<string, RestoredState>();
  private restored = false;
  private disposed = false;

  constructor(operatorName: string, subtask?: { readonly index: number; readonly parallelism: number }) {
    this.operatorName = operatorName;
    this.where = `operator '${operatorName}'` + (subtask === undefined ? '' : ` (subtask ${subtask.index + 1}/${subtask.parallelism})`);
  }

  /** Redistributes the snapshots of all old subtasks over `newParallelism` subtasks (round-robin). */
  static redistribute(snapshotsOfAllOldSubtasks: readonly (OperatorStateSnapshot | null | undefined)[], newParallelism: number): OperatorStateSnapshot[][] {
    return redistributeOperatorState(snapshotsOfAllOldSubtasks, newParallelism);
  }

  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.getPartitionableListState(descriptor, OperatorStateModes.SPLIT_DISTRIBUTE);
  }

  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.getPartitionableListState(descriptor, OperatorStateModes.UNION);
  }

  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    this.checkUsable();
    if (descriptor?.type !== StateTypes.MAP) throw this.error(`getBroadcastState() needs a MapStateDescriptor, got ${describeDescriptor(descriptor)}`);
    const name = descriptor.name;
    const existing = this.broadcastStates.get(name);
    if (existing !== undefined) return existing as unknown as HeapBroadcastState<K, V>;
    if (this.listStates.has(name)) throw this.error(`state '${name}' is registered as ${modeName(this.listStates.get(name)!.mode)}, it cannot also be a broadcast state`);
    const keySerializer = descriptor.keySerializer ?? defaultSerializer<K>();
    const valueSerializer = descriptor.serializer ?? defaultSerializer<V>();
    const state = new HeapBroadcastState<K, V>(name, keySerializer, valueSerializer, this.where);
    const restored = this.takeRestored(name, OperatorStateModes.BROADCAST);
    if (restored !== undefined) {
      const readKey = this.reader(`${name} (keys)`, keySerializer, restored.keySerializer!);
      const readValue = this.reader(name, valueSerializer, restored.serializer);
      for (const bytes of restored.elements) {
        const { userKey, value } = decodeMapEntry(bytes);
        state.put(readKey(userKey), readValue(value));
      }
    }
    this.broadcastStates.set(name, state as unknown as HeapBroadcastState<unknown, unknown>);
    return state;
  }

  getRegisteredStateNames(): ReadonlySet<string> {
    const names = new Set(this.listStates.keys());
    for (const r of this.restoredStates.values()) if (r.mode !== OperatorStateModes.BROADCAST) names.add(r.name);
    return names;
  }

  getRegisteredBroadcastStateNames(): ReadonlySet<string> {
    const names = new Set(this.broadcastStates.keys());
    for (const r of this.restoredStates.values()) if (r.mode === OperatorStateModes.BROADCAST) names.add(r.name);
    return names;
  }

  /** True once restore() was called, even with no state for this subtask (Flink's isRestored). */
  isRestored(): boolean {
    return this.restored;
  }

  private getPartitionableListState<T>(descriptor: ListStateDescriptor<T>, mode: OperatorStateMode): ListState<T> {
    this.checkUsable();
    const method = mode === OperatorStateModes.UNION ? 'getUnionListState()' : 'getListState()';
    if (descriptor?.type !== StateTypes.LIST) throw this.error(`${method} needs a ListStateDescriptor, got ${describeDescriptor(descriptor)}`);
    const name = descriptor.name;
    const existing = this.listStates.get(name);
    if (existing !== undefined) {
      if (existing.mode !== mode) throw this.modeMismatch(name, existing.mode, mode);
      return existing as unknown as ListState<T>;
    }
    if (this.broadcastStates.has(name)) throw this.error(`state '${name}' is registered as a broadcast state, it cannot also be ${modeName(mode)}`);
    const serializer = descriptor.serializer ?? defaultSerializer<T>();
    const state = new PartitionableListState<T>(name, mode, serializer, this.where);
    const restored = this.takeRestored(name, mode);
    if (restored !== undefined) {
      const read = this.reader(name, serializer, restored.serializer);
      state.restoreElements(restored.elements.map(read));
    }
    this.listStates.set(name, state as unknown as PartitionableListState<unknown>);
    return state;
  }

  private takeRestored(name: string, mode: OperatorStateMode): RestoredState | undefined {
    const restored = this.restoredStates.get(name);
    if (restored === undefined) return undefined;
    if (restored.mode !== mode) throw this.modeMismatch(name, restored.mode, mode);
    this.restoredStates.delete(name);
    return restored;
  }

  /** How to read restored bytes with the new serializer, or a clear error when it cannot. */
  private reader<T>(name: string, serializer: TypeSerializer<T>, previous: SerializerSnapshot): (bytes: Uint8Array) => T {
    const resolution = resolveStateSerializer(name, this.operatorName, previous, serializer);
    return (bytes) => resolution.read(bytes);
  }

  // ---- snapshot and restore --------------------------------------------------------------------

  /** The synchronous part: copies every state, so that the function may go on changing them. */
  snapshot(checkpointId: number): OperatorStateSnapshotRunner {
    this.checkUsable();
    const copies: StateCopy[] = [];
    for (const state of this.listStates.values()) {
      const s = state.serializer;
      copies.push({ kind: 'list', state, values: state.elements().map((v) => s.copy(v)) });
    }
    for (const state of this.broadcastStates.values()) {
      const entries: [unknown, unknown][] = [];
      for (const [k, v] of state.entries()) entries.push([state.keySerializer.copy(k), state.valueSerializer.copy(v)]);
      copies.push({ kind: 'broadcast', state, entries });
    }
    for (const r of this.restoredStates.values()) {
      copies.push({ kind: 'raw', entry: toEntry(r) });
    }
    return { checkpointId, materialize: () => materialize(copies) };
  }

  /**
   * Loads the parts that redistribute() assigned to this subtask. Must come before the states are
   * registered; list elements of all parts are concatenated in part order.
   */
  restore(parts: readonly OperatorStateSnapshot[]): void {
    this.checkUsable();
    if (this.listStates.size > 0 || this.broadcastStates.size > 0) {
      throw this.error('operator state can only be restored before any state is registered');
    }
    for (const part of parts) {
      validateOperatorStateSnapshot(part, this.where);
      for (const entry of part.states) {
        const previous = this.restoredStates.get(entry.name);
        if (previous === undefined) {
          this.restoredStates.set(entry.name, {
            name: entry.name,
            mode: entry.mode,
            serializer: entry.serializer,
            keySerializer: entry.keySerializer,
            elements: [...entry.elements],
          });
        } else {
          if (previous.mode !== entry.mode) {
            throw this.error(`the restored parts disagree on how state '${entry.name}' is distributed (${previous.mode} and ${entry.mode})`);
          }
          for (const e of entry.elements) previous.elements.push(e);
        }
      }
    }
    this.restored = true;
  }

  dispose(): void {
    this.listStates.clear();
    this.broadcastStates.clear();
    this.restoredStates.clear();
    this.disposed = true;
  }

  private checkUsable(): void {
    if (this.disposed) throw this.error('the operator state backend was disposed');
  }

  private modeMismatch(name: string, registered: OperatorStateMode, requested: OperatorStateMode): FlinkError {
    return this.error(`state '${name}' is ${modeName(registered)} and cannot be accessed as ${modeName(requested)}`);
  }

  private error(message: string): FlinkError {
    return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Operator state of ${this.where}: ${message}`, { context: { where: this.where } });
  }
}

async function materialize(copies: readonly StateCopy[]): Promise<OperatorStateSnapshot> {
  const states: OperatorStateEntry[] = [];
  let sinceYield = 0;
  const tick = async (): Promise<void> => {
    if (++sinceYield < MATERIALIZE_SLICE) return;
    sinceYield = 0;
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  for (const copy of copies) {
    if (copy.kind === 'raw') {
      states.push(copy.entry);
    } else if (copy.kind === 'list') {
      const { state, values } = copy;
      const elements: Uint8Array[] = [];
      for (const v of values) {
        elements.push(state.serializer.serialize(v));
        await tick();
      }
      states.push({ name: state.name, mode: state.mode, serializer: state.serializer.snapshotConfiguration(), elements });
    } else {
      const { state, entries } = copy;
      const elements: Uint8Array[] = [];
      for (const [k, v] of entries) {
        elements.push(encodeMapEntry(state.keySerializer.serialize(k), state.valueSerializer.serialize(v)));
        await tick();
      }
      states.push({
        name: state.name,
        mode: OperatorStateModes.BROADCAST,
        serializer: state.valueSerializer.snapshotConfiguration(),
        keySerializer: state.keySerializer.snapshotConfiguration(),
        elements,
      });
    }
  }
  return { version: OPERATOR_STATE_SNAPSHOT_VERSION, states };
}

function toEntry(r: RestoredState): OperatorStateEntry {
  const base = { name: r.name, mode: r.mode, serializer: r.serializer, elements: r.elements.slice() };
  return r.keySerializer === undefined ? base : { ...base, keySerializer: r.keySerializer };
}

function modeName(mode: OperatorStateMode): string {
  return mode === OperatorStateModes.UNION ? 'a union list state' : mode === OperatorStateModes.BROADCAST ? 'a broadcast state' : 'a list state';
}

function describeDescriptor(descriptor: unknown): string {
  if (descriptor === null || descriptor === undefined) return String(descriptor);
  const d = descriptor as { constructor?: { name?: string }; name?: unknown };
  return `${d.constructor?.name ?? typeof descriptor}${typeof d.name === 'string' ? ` '${d.name}'` : ''}`;
}
