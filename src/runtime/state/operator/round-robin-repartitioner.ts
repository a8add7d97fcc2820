/*
 * Redistribution of operator state over a new set of subtasks, as Flink's
 * RoundRobinOperatorStateRepartitioner:
 * - same parallelism: every subtask keeps its own state; only union states are merged, so that
 *   each subtask gets the elements of all;
 * - other parallelism: the elements of each list state (of all old subtasks, in subtask order) are
 *   cut into contiguous, even portions, the first `total % n` subtasks getting one more; the next
 *   state starts where the odd elements of the previous one ended, so the extra elements do not
 *   always land on subtask 0. Union states go whole to every subtask; new subtask i takes the
 *   broadcast state of old subtask i % oldParallelism.
 * The result lists, per new subtask, the parts to restore, one per old subtask that contributes.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import { OPERATOR_STATE_SNAPSHOT_VERSION, OperatorStateModes, type OperatorStateEntry, type OperatorStateMode, type OperatorStateSnapshot } from './operator-state-snapshot.ts';

interface Located {
  readonly oldSubtask: number;
  readonly entry: OperatorStateEntry;
}

/** Per new subtask: old subtask → the entries it contributes, merged as Flink merges by state handle. */
type MergeMaps = Map<number, OperatorStateEntry[]>[];

export function redistributeOperatorState(
  previous: readonly (OperatorStateSnapshot | null | undefined)[],
  newParallelism: number,
): OperatorStateSnapshot[][] {
  if (!Number.isInteger(newParallelism) || newParallelism < 1) {
    throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Operator state can only be redistributed over a positive number of subtasks, got ${newParallelism}`);
  }
  const oldParallelism = previous.length;
  if (newParallelism === oldParallelism) return keepWithUnion(previous);

  const byMode = groupByMode(previous);
  const merge: MergeMaps = Array.from({ length: newParallelism }, () => new Map());
  repartitionSplitState(byMode.get(OperatorStateModes.SPLIT_DISTRIBUTE)!, newParallelism, merge);
  for (const [, located] of byMode.get(OperatorStateModes.UNION)!) {
    for (const m of merge) for (const l of located) addEntry(m, l.oldSubtask, l.entry);
  }
  for (const [, located] of byMode.get(OperatorStateModes.BROADCAST)!) {
    for (let i = 0; i < newParallelism; i++) {
      const l = located[i % located.length]!;
      addEntry(merge[i]!, l.oldSubtask, l.entry);
    }
  }
  return merge.map(toParts);
}

/** Same parallelism: own state stays; union states of the other subtasks are added to each. */
function keepWithUnion(previous: readonly (OperatorStateSnapshot | null | undefined)[]): OperatorStateSnapshot[][] {
  const unionParts = previous.map((s) => (s ? s.states.filter((e) => e.mode === OperatorStateModes.UNION) : []));
  return previous.map((own, i) => {
    const parts: OperatorStateSnapshot[] = [];
    for (let j = 0; j < previous.length; j++) {
      if (j === i) {
        if (own) parts.push(own);
      } else if (unionParts[j]!.length > 0) {
        parts.push({ version: OPERATOR_STATE_SNAPSHOT_VERSION, states: unionParts[j]! });
      }
    }
    return parts;
  });
}

/** State name → its entries in old-subtask order, per mode; names in order of first appearance. */
function groupByMode(previous: readonly (OperatorStateSnapshot | null | undefined)[]): Map<OperatorStateMode, Map<string, Located[]>> {
  const byMode = new Map<OperatorStateMode, Map<string, Located[]>>();
  for (const mode of Object.values(OperatorStateModes)) byMode.set(mode, new Map());
  previous.forEach((snapshot, oldSubtask) => {
    if (!snapshot) return;
    for (const entry of snapshot.states) {
      const byName = byMode.get(entry.mode);
      if (byName === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Operator state '${entry.name}' has the unknown distribution mode '${String(entry.mode)}'`);
      let located = byName.get(entry.name);
      if (located === undefined) byName.set(entry.name, (located = []));
      located.push({ oldSubtask, entry });
    }
  });
  return byMode;
}

/** Flink's round-robin split of SPLIT_DISTRIBUTE states, element by element. */
function repartitionSplitState(nameToState: Map<string, Located[]>, newParallelism: number, merge: MergeMaps): void {
  let startParallelOp = 0;
  for (const [, current] of nameToState) {
    let totalPartitions = 0;
    for (const l of current) totalPartitions += l.entry.elements.length;

    let lstIdx = 0;
    let offsetIdx = 0;
    const baseFraction = Math.floor(totalPartitions / newParallelism);
    let remainder = totalPartitions % newParallelism;
    let newStartParallelOp = startParallelOp;

    for (let i = 0; i < newParallelism; i++) {
      const parallelOpIdx = (i + startParallelOp) % newParallelism;
      let numberOfPartitionsToAssign = baseFraction;
      if (remainder > 0) {
        numberOfPartitionsToAssign++;
        remainder--;
      } else if (remainder === 0) {
        // Out of odd elements: the next state starts its odd elements at this subtask.
        newStartParallelOp = parallelOpIdx;
        remainder--;
      }
      while (numberOfPartitionsToAssign > 0) {
        const located = current[lstIdx]!;
        const elements = located.entry.elements;
        const remaining = elements.length - offsetIdx;
        let slice: readonly Uint8Array[];
        if (remaining > numberOfPartitionsToAssign) {
          slice = elements.slice(offsetIdx, offsetIdx + numberOfPartitionsToAssign);
          offsetIdx += numberOfPartitionsToAssign;
        } else {
          slice = elements.slice(offsetIdx);
          offsetIdx = 0;
          lstIdx++;
        }
        numberOfPartitionsToAssign -= remaining;
        addEntry(merge[parallelOpIdx]!, located.oldSubtask, { ...located.entry, elements: slice });
      }
    }
    startParallelOp = newStartParallelOp;
  }
}

function addEntry(merge: Map<number, OperatorStateEntry[]>, oldSubtask: number, entry: OperatorStateEntry): void {
  let entries = merge.get(oldSubtask);
  if (entries === undefined) merge.set(oldSubtask, (entries = []));
  const at = entries.findIndex((e) => e.name === entry.name);
  if (at >= 0) entries[at] = entry;
  else entries.push(entry);
}

function toParts(merge: Map<number, OperatorStateEntry[]>): OperatorStateSnapshot[] {
  return [...merge.keys()].sort((a, b) => a - b).map((oldSubtask) => ({ version: OPERATOR_STATE_SNAPSHOT_VERSION, states: merge.get(oldSubtask)! }));
}
