/*
 * Operator state for the operator test harnesses (harness.ts): take the operator-state part of a
 * checkpoint of a harness's operator (its function's snapshotState(), then the backend's copy),
 * and restore redistributed parts into fresh operators before they open — the steps a checkpoint
 * and a restore at another parallelism take.
 */
import type { AbstractStreamOperator } from '../../../src/runtime/operators/stream-operator.ts';
import { operatorStateBackendOf, snapshotUserFunctionState } from '../../../src/runtime/state/operator/function-state.ts';
import { OperatorStateBackend } from '../../../src/runtime/state/operator/operator-state-backend.ts';
import type { OperatorStateSnapshot } from '../../../src/runtime/state/operator/operator-state-snapshot.ts';

interface HasOperator {
  readonly operator: AbstractStreamOperator<any>;
  open(): Promise<void>;
}

export async function snapshotOperatorState(harness: HasOperator, checkpointId = 1, checkpointTimestamp = 1_000): Promise<OperatorStateSnapshot> {
  const fn = (harness.operator as { userFunction?: unknown }).userFunction;
  const runner = await snapshotUserFunctionState(harness.operator, fn, checkpointId, checkpointTimestamp);
  return runner.materialize();
}

/** Restores parts into the (set up, not yet opened) operator of a harness. */
export function restoreOperatorState(harness: HasOperator, parts: readonly OperatorStateSnapshot[]): void {
  operatorStateBackendOf(harness.operator).restore(parts);
}

/**
 * Creates `newParallelism` harnesses with `create(subtask, parallelism)`, restores into each the
 * parts of `snapshots` redistributed for it, and opens them.
 */
export async function restoreRescaled<H extends HasOperator>(snapshots: readonly OperatorStateSnapshot[], newParallelism: number, create: (subtask: number, parallelism: number) => H): Promise<H[]> {
  const parts = OperatorStateBackend.redistribute(snapshots, newParallelism);
  const harnesses: H[] = [];
  for (let i = 0; i < newParallelism; i++) {
    const harness = create(i, newParallelism);
    restoreOperatorState(harness, parts[i]!);
    await harness.open();
    harnesses.push(harness);
  }
  return harnesses;
}
