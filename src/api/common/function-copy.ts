/*
 * Per-subtask copies of user function objects. Flink deserializes one copy of a function per
 * subtask, so fields set in open() are never shared; we get the same by copying the object's own
 * fields (deeply, keeping prototypes). Plain functions and closures are used as they are: they are
 * never serialized. JS #private fields cannot be copied, so subtask 0 keeps the original object.
 *
 * A job that may restart deploys its tasks inside withFunctionCopyContext(): the first deployment
 * keeps a pristine copy of each function, and every later one (a restart) gives all subtasks,
 * subtask 0 included, fresh copies of that pristine copy, as Flink deserializes fresh functions on
 * a restart: nothing a failed attempt did to its function objects carries over.
 */

interface CopyContext {
  readonly attemptNumber: number;
  readonly keepPristine: boolean;
}

const NO_RESTARTS: CopyContext = { attemptNumber: 0, keepPristine: false };
let context: CopyContext = NO_RESTARTS;
const pristineCopies = new WeakMap<object, unknown>();

/** Runs `deploy` (which creates the operators of one execution attempt) in a copy context. */
export function withFunctionCopyContext<R>(copyContext: CopyContext, deploy: () => R): R {
  const previous = context;
  context = copyContext;
  try {
    return deploy();
  } finally {
    context = previous;
  }
}

export function copyFunctionForSubtask<F>(fn: F, subtaskIndex: number): F {
  if (typeof fn !== 'object' || fn === null) return fn;
  if (context.keepPristine) {
    let pristine = pristineCopies.get(fn);
    if (pristine === undefined) {
      pristine = deepCopy(fn, new Map());
      pristineCopies.set(fn, pristine);
    }
    if (context.attemptNumber > 0) return deepCopy(pristine, new Map()) as F;
  }
  if (subtaskIndex === 0) return fn;
  return deepCopy(fn, new Map()) as F;
}

function deepCopy(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const existing = seen.get(value);
  if (existing !== undefined) return existing;
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof RegExp) return new RegExp(value.source, value.flags);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return structuredClone(value);
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(deepCopy(item, seen));
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map();
    seen.set(value, copy);
    for (const [k, v] of value) copy.set(deepCopy(k, seen), deepCopy(v, seen));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    seen.set(value, copy);
    for (const v of value) copy.add(deepCopy(v, seen));
    return copy;
  }
  if (value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet) return value;
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<PropertyKey, unknown>;
  seen.set(value, copy);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    if ('value' in descriptor) descriptor.value = deepCopy(descriptor.value, seen);
    Object.defineProperty(copy, key, descriptor);
  }
  return copy;
}
