/*
 * The portable format of an operator state snapshot (the operator state of one subtask): per state
 * its name, how it is redistributed on restore (Flink's OperatorStateHandle.Mode), the snapshots of
 * its serializers, and its elements, each serialized on its own so that a list can be split
 * between subtasks without decoding it. Plain data: the checkpoint storage writes it as it is.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { SerializerSnapshot } from '../../serialization/type-serializer.ts';

export const OPERATOR_STATE_SNAPSHOT_VERSION = 1;

export const OperatorStateModes = {
  /** List state: the elements of all subtasks are split evenly (round-robin) over the new subtasks. */
  SPLIT_DISTRIBUTE: 'SPLIT_DISTRIBUTE',
  /** Union list state: every new subtask gets the elements of all old subtasks. */
  UNION: 'UNION',
  /** Broadcast state: every subtask holds the same map; each new subtask takes one old copy. */
  BROADCAST: 'BROADCAST',
} as const;
export type OperatorStateMode = (typeof OperatorStateModes)[keyof typeof OperatorStateModes];

export interface OperatorStateEntry {
  readonly name: string;
  readonly mode: OperatorStateMode;
  /** List states: the elements' serializer; broadcast states: the values' serializer. */
  readonly serializer: SerializerSnapshot;
  /** Broadcast states only: the serializer of the map's keys. */
  readonly keySerializer?: SerializerSnapshot;
  /**
   * List states: one serialized element each, in list order. Broadcast states: one entry each,
   * `u32 key length | key | value` (encodeMapEntry).
   */
  readonly elements: readonly Uint8Array[];
}

export interface OperatorStateSnapshot {
  readonly version: number;
  readonly states: readonly OperatorStateEntry[];
}

export function emptyOperatorStateSnapshot(): OperatorStateSnapshot {
  return { version: OPERATOR_STATE_SNAPSHOT_VERSION, states: [] };
}

/** Whether a snapshot holds no state at all (no registered state, not merely empty lists). */
export function isEmptyOperatorStateSnapshot(snapshot: OperatorStateSnapshot): boolean {
  return snapshot.states.length === 0;
}

const MODES = new Set<string>(Object.values(OperatorStateModes));

/** Rejects a snapshot this version cannot read, saying what is wrong with it. */
export function validateOperatorStateSnapshot(snapshot: OperatorStateSnapshot, where: string): void {
  const corrupt = (what: string): FlinkError =>
    new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot restore the operator state of ${where}: ${what}`, { context: { where } });
  if (typeof snapshot !== 'object' || snapshot === null || !Array.isArray(snapshot.states)) throw corrupt('the snapshot is not an operator state snapshot');
  if (snapshot.version !== OPERATOR_STATE_SNAPSHOT_VERSION) {
    throw corrupt(`the snapshot has format version ${String(snapshot.version)}, this version reads ${OPERATOR_STATE_SNAPSHOT_VERSION}`);
  }
  for (const state of snapshot.states) {
    if (typeof state.name !== 'string' || state.name.length === 0) throw corrupt('a state has no name');
    if (!MODES.has(state.mode)) throw corrupt(`state '${state.name}' has the unknown distribution mode '${String(state.mode)}'`);
    if (typeof state.serializer?.id !== 'string') throw corrupt(`state '${state.name}' has no serializer snapshot`);
    if (state.mode === OperatorStateModes.BROADCAST && typeof state.keySerializer?.id !== 'string') {
      throw corrupt(`broadcast state '${state.name}' has no key serializer snapshot`);
    }
    if (!Array.isArray(state.elements) || (state.elements as readonly unknown[]).some((e: unknown) => !(e instanceof Uint8Array))) {
      throw corrupt(`the elements of state '${state.name}' are not byte arrays`);
    }
  }
}
