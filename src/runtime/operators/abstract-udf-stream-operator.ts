/*
 * Base of operators that run a user function (Flink's AbstractUdfStreamOperator): hands the
 * function its runtime context and calls its open()/close(), naming operator and subtask when
 * they fail. Also offers what keyed operators share: turning a key selector's failure or an
 * invalid key into an error that says where it happened.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { FunctionLifecycle } from '../../api/common/functions.ts';
import { initializeUserFunctionState } from '../state/operator/function-state.ts';
import { AbstractStreamOperator, describeRecord } from './stream-operator.ts';

export abstract class AbstractUdfStreamOperator<OUT, F> extends AbstractStreamOperator<OUT> {
  readonly userFunction: F;

  constructor(userFunction: F) {
    super();
    this.userFunction = userFunction;
  }

  override async open(): Promise<void> {
    const fn = this.userFunction as FunctionLifecycle | null | undefined;
    if (fn === null || fn === undefined) return;
    let phase = 'initializing its state';
    try {
      fn.setRuntimeContext?.(this.runtimeContext);
      // A CheckpointedFunction registers (and gets back) its state before open(), as in Flink.
      await initializeUserFunctionState(this, fn, this.runtimeContext, this.keyedStateBackend !== null);
      phase = 'opening';
      await fn.open?.(this.runtimeContext);
    } catch (e) {
      throw this.userError(e, phase);
    }
  }

  override async close(): Promise<void> {
    const fn = this.userFunction as FunctionLifecycle | null | undefined;
    if (fn === null || fn === undefined) return;
    try {
      await fn.close?.();
    } catch (e) {
      throw this.userError(e, 'closing');
    }
  }

  /**
   * The error for a key that could not be selected or set: an invalid key keeps its code
   * (FLINK_TS_INVALID_KEY) and gains operator, subtask and record; a throwing selector is a user error.
   */
  protected keyError(cause: unknown, value: unknown): Error {
    if (FlinkError.isFlinkError(cause) && cause.code !== ErrorCodes.FLINK_TS_USER_FUNCTION) {
      const operator = this.operatorName;
      const subtask = this.subtaskIndex;
      const parallelism = this.runtimeContext.getNumberOfParallelSubtasks();
      const where = `'${operator}' (subtask ${subtask + 1}/${parallelism})`;
      // The task's state backend may already have named the operator in the message.
      const message = cause.message.includes(where)
        ? `${cause.message} Record: ${describeRecord(value)}`
        : `Operator ${where} could not key record ${describeRecord(value)}: ${cause.message}`;
      return new FlinkError(cause.code, message, { cause, context: { operator, subtask } });
    }
    return this.userError(cause, 'extracting the key of record ' + describeRecord(value));
  }
}

/** A function's optional method, bound to it, or null when the function does not have it. */
export function resolveOptionalMethod<F extends (...args: any[]) => any>(fn: unknown, method: string): F | null {
  if (typeof fn !== 'object' || fn === null) return null;
  const m = (fn as Record<string, unknown>)[method];
  return typeof m === 'function' ? ((m as F).bind(fn) as F) : null;
}

/** Like resolveMethod, for functions with several methods, which a plain function cannot be. */
export function resolveObjectMethod<F extends (...args: any[]) => any>(fn: unknown, method: string, what: string, methods: string): F {
  const m = typeof fn === 'object' && fn !== null ? (fn as Record<string, unknown>)[method] : undefined;
  if (typeof m !== 'function') throw new TypeError(`${what} must be an object with ${methods} methods`);
  return (m as F).bind(fn) as F;
}
