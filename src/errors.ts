/*
 * Errors of Flink.TS: one base class with a closed table of codes. Every error a user can see
 * carries a code from this table, the original error as `cause` where there is one, and the
 * context a person needs to act (operator, subtask, record, key, file).
 */

export const ErrorCodes = {
  FLINK_TS_CONFIGURATION: 'FLINK_TS_CONFIGURATION',
  FLINK_TS_INVALID_PIPELINE: 'FLINK_TS_INVALID_PIPELINE',
  FLINK_TS_USER_FUNCTION: 'FLINK_TS_USER_FUNCTION',
  FLINK_TS_INVALID_KEY: 'FLINK_TS_INVALID_KEY',
  FLINK_TS_JOB_CANCELLED: 'FLINK_TS_JOB_CANCELLED',
  FLINK_TS_JOB_FAILED: 'FLINK_TS_JOB_FAILED',
  FLINK_TS_ILLEGAL_STATE: 'FLINK_TS_ILLEGAL_STATE',
  FLINK_TS_UNSUPPORTED: 'FLINK_TS_UNSUPPORTED',
  FLINK_TS_SOURCE_OVERFLOW: 'FLINK_TS_SOURCE_OVERFLOW',
  FLINK_TS_INSUFFICIENT_MEMORY: 'FLINK_TS_INSUFFICIENT_MEMORY',
  FLINK_TS_NETWORK: 'FLINK_TS_NETWORK',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** What each code means; the errors test checks that every code is documented here. */
export const ErrorDescriptions: Record<ErrorCode, string> = {
  FLINK_TS_CONFIGURATION: 'A configuration key is unknown or its value has the wrong type or range.',
  FLINK_TS_INVALID_PIPELINE: 'The pipeline cannot be built or submitted (parallelism, keys, side outputs, empty job).',
  FLINK_TS_USER_FUNCTION: 'A user function threw; the original error is the cause, the message names operator and subtask.',
  FLINK_TS_INVALID_KEY: 'A key selector returned a value that cannot be used as a key.',
  FLINK_TS_JOB_CANCELLED: 'The job was cancelled before it finished.',
  FLINK_TS_JOB_FAILED: 'The job failed; the cause is the first error of the failing task.',
  FLINK_TS_ILLEGAL_STATE: 'An API was used at a time it cannot be used (for example a collector after close).',
  FLINK_TS_UNSUPPORTED: 'The requested feature is not available in this version or this execution mode.',
  FLINK_TS_SOURCE_OVERFLOW: 'A source emitted more records without yielding than the output buffers can hold.',
  FLINK_TS_INSUFFICIENT_MEMORY: 'The memory manager or a network buffer pool cannot serve a request; the message says what was asked and what is left.',
  FLINK_TS_NETWORK: 'A data channel between tasks failed (peer gone, protocol violation, bad frame); the message names channel and peer.',
};

const kFlinkError = Symbol.for('flink-ts.error');

export interface ErrorContext {
  readonly operator?: string;
  readonly subtask?: number;
  readonly [key: string]: unknown;
}

export class FlinkError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlinkError';
    this.code = code;
    this.context = options.context ?? {};
  }

  get [kFlinkError](): true {
    return true;
  }

  /** Recognizes errors of every copy of the library, like undici's branded errors. */
  static isFlinkError(value: unknown): value is FlinkError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kFlinkError] === true;
  }
}

export function configurationError(message: string, cause?: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_CONFIGURATION, message, cause === undefined ? {} : { cause });
}

export function invalidPipeline(message: string): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_INVALID_PIPELINE, message);
}

export function illegalState(message: string): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, message);
}

/** Wraps an error thrown by user code with the operator and subtask in which it happened. */
export function userFunctionError(cause: unknown, operator: string, subtask: number, parallelism: number, what = 'processing a record'): FlinkError {
  if (FlinkError.isFlinkError(cause) && cause.code === ErrorCodes.FLINK_TS_USER_FUNCTION) return cause;
  let reason = cause instanceof Error ? cause.message : String(cause);
  if (cause instanceof TypeError && /private member/.test(cause.message) && subtask > 0) {
    reason += ' (each parallel subtask runs a copy of the function object, and JavaScript #private fields cannot be copied: use ordinary fields, or set them up in open())';
  }
  return new FlinkError(
    ErrorCodes.FLINK_TS_USER_FUNCTION,
    `User function of operator '${operator}' (subtask ${subtask + 1}/${parallelism}) failed while ${what}: ${reason}`,
    { cause, context: { operator, subtask } },
  );
}
