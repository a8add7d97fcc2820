/*
 * The runtime side of CheckpointedFunction (Flink's StreamingFunctionUtils and
 * StateInitializationContextImpl): each operator instance has one operator state backend, created
 * when first asked for; initializeState() is called before open() with a context over it, and a
 * checkpoint calls snapshotState() before copying the backend. The backends are attached to their
 * operators here, so that the checkpointing code reaches them through operatorStateBackendOf().
 */
import type { RuntimeContext } from '../../../api/common/runtime-context.ts';
import type {
  FunctionInitializationContext,
  FunctionSnapshotContext,
  KeyedStateStore,
  OperatorStateStore,
} from '../../../api/functions/checkpointed-function.ts';
import { OperatorStateBackend, type OperatorStateSnapshotRunner } from './operator-state-backend.ts';

/** What this module needs of an operator. */
export interface OperatorIdentity {
  readonly operatorName: string;
}

const backends = new WeakMap<object, OperatorStateBackend>();

/** The operator state backend of an operator instance, created on first use. */
export function operatorStateBackendOf(operator: OperatorIdentity, runtimeContext?: RuntimeContext): OperatorStateBackend {
  let backend = backends.get(operator);
  if (backend === undefined) {
    // Operators keep their runtime context from setup() on; it names the subtask in error messages.
    runtimeContext ??= (operator as { runtimeContext?: RuntimeContext }).runtimeContext;
    const subtask = runtimeContext === undefined ? undefined : { index: runtimeContext.getIndexOfThisSubtask(), parallelism: runtimeContext.getNumberOfParallelSubtasks() };
    backend = new OperatorStateBackend(operator.operatorName, subtask);
    backends.set(operator, backend);
  }
  return backend;
}

/** Whether the operator has an operator state backend (some function or operator asked for one). */
export function hasOperatorStateBackend(operator: object): boolean {
  return backends.has(operator);
}

/**
 * Calls the function's initializeState() if it has one. The runtime context is set first: Flink
 * sets it in setup(), so initializeState() may already ask for the subtask index.
 */
export async function initializeUserFunctionState(operator: OperatorIdentity, fn: unknown, runtimeContext: RuntimeContext, keyed: boolean): Promise<void> {
  if (typeof fn !== 'object' || fn === null) return;
  const f = fn as { initializeState?: unknown; setRuntimeContext?: (ctx: RuntimeContext) => void };
  if (typeof f.initializeState !== 'function') return;
  f.setRuntimeContext?.(runtimeContext);
  const backend = operatorStateBackendOf(operator, runtimeContext);
  // The runtime context scopes keyed state to the key of the current record, as Flink's keyed state store.
  const keyedStore: KeyedStateStore | undefined = keyed ? runtimeContext : undefined;
  await (f.initializeState as (ctx: FunctionInitializationContext) => unknown).call(fn, new StateInitializationContext(backend, keyedStore));
}

/**
 * The operator-state part of a checkpoint of one operator instance: the function's snapshotState()
 * (when it has one), then the synchronous copy of the backend. The caller awaits materialize().
 */
export async function snapshotUserFunctionState(operator: OperatorIdentity, fn: unknown, checkpointId: number, checkpointTimestamp: number): Promise<OperatorStateSnapshotRunner> {
  if (typeof fn === 'object' && fn !== null) {
    const snapshotState = (fn as { snapshotState?: unknown }).snapshotState;
    if (typeof snapshotState === 'function') await (snapshotState as (ctx: FunctionSnapshotContext) => unknown).call(fn, new StateSnapshotContext(checkpointId, checkpointTimestamp));
  }
  return operatorStateBackendOf(operator).snapshot(checkpointId);
}

export class StateInitializationContext implements FunctionInitializationContext {
  private readonly backend: OperatorStateBackend;
  private readonly keyedStore: KeyedStateStore | undefined;

  constructor(backend: OperatorStateBackend, keyedStore: KeyedStateStore | undefined) {
    this.backend = backend;
    this.keyedStore = keyedStore;
  }

  isRestored(): boolean {
    return this.backend.isRestored();
  }

  getOperatorStateStore(): OperatorStateStore {
    return this.backend;
  }

  getKeyedStateStore(): KeyedStateStore | undefined {
    return this.keyedStore;
  }
}

export class StateSnapshotContext implements FunctionSnapshotContext {
  private readonly checkpointId: number;
  private readonly checkpointTimestamp: number;

  constructor(checkpointId: number, checkpointTimestamp: number) {
    this.checkpointId = checkpointId;
    this.checkpointTimestamp = checkpointTimestamp;
  }

  getCheckpointId(): number {
    return this.checkpointId;
  }

  getCheckpointTimestamp(): number {
    return this.checkpointTimestamp;
  }
}
