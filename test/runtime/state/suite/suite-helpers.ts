/*
 * Shared pieces of the keyed state backend suite: the factory contract, backends that dispose
 * themselves after the test, a manual TTL clock, keys that fall into (or outside) a range, and
 * assertions on FlinkErrors.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { ErrorCodes, FlinkError, type ErrorCode } from '../../../../src/errors.ts';
import { KeyGroupRange } from '../../../../src/runtime/state/key-group-range.ts';
import { assignToKeyGroup } from '../../../../src/runtime/state/key-group-range-assignment.ts';
import type { KeyedStateBackend } from '../../../../src/runtime/state/keyed-state-backend.ts';
import type { KeyedStateSnapshot } from '../../../../src/runtime/state/snapshot/keyed-state-snapshot.ts';
import type { TtlTimeProvider } from '../../../../src/runtime/state/ttl/ttl-time-provider.ts';

export const MAX_PARALLELISM = 128;

export interface BackendFactoryParameters {
  readonly jobId: string;
  /** Unique per backend the suite creates (backends with files must not share them). */
  readonly operatorIdentifier: string;
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  readonly subtaskIndex: number;
  readonly where: string;
  readonly ttlTimeProvider: TtlTimeProvider;
}

export type BackendFactory = (parameters: BackendFactoryParameters) => Promise<KeyedStateBackend>;

export interface SuiteOptions {
  /** Whether the backend implements incremental TTL cleanup (Flink: heap only). Default true. */
  readonly incrementalCleanup?: boolean;
}

/** A TTL clock that moves only when the test says so. */
export class ManualClock implements TtlTimeProvider {
  time: number;
  constructor(time = 1_000) {
    this.time = time;
  }
  currentTimestamp(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface BackendOptions {
  readonly range?: KeyGroupRange;
  readonly maxParallelism?: number;
  readonly clock?: TtlTimeProvider;
  readonly where?: string;
}

export class SuiteContext {
  readonly name: string;
  readonly options: Required<SuiteOptions>;
  private readonly create: BackendFactory;
  private readonly jobId = `suite-${process.pid}-${Date.now().toString(36)}`;
  private counter = 0;

  constructor(name: string, create: BackendFactory, options: SuiteOptions) {
    this.name = name;
    this.create = create;
    this.options = { incrementalCleanup: options.incrementalCleanup ?? true };
  }

  /** A backend (over all key groups unless told otherwise) that is disposed after the test. */
  async backend(t: TestContext, options: BackendOptions = {}): Promise<KeyedStateBackend> {
    const maxParallelism = options.maxParallelism ?? MAX_PARALLELISM;
    const backend = await this.create({
      jobId: this.jobId,
      operatorIdentifier: `op-${++this.counter}`,
      keyGroupRange: options.range ?? KeyGroupRange.of(0, maxParallelism - 1),
      maxParallelism,
      subtaskIndex: 0,
      where: options.where ?? "operator 'Suite' (subtask 1/1)",
      ttlTimeProvider: options.clock ?? new ManualClock(),
    });
    t.after(() => backend.dispose());
    return backend;
  }

  /** A new backend restored from `snapshots`. */
  async restored(t: TestContext, snapshots: readonly KeyedStateSnapshot[], options: BackendOptions = {}): Promise<KeyedStateBackend> {
    const backend = await this.backend(t, options);
    await backend.restore(snapshots);
    return backend;
  }
}

/** A key `prefix` + n whose key group is (or, with inRange false, is not) in `range`. */
export function keyIn(range: KeyGroupRange, inRange = true, prefix = 'k', maxParallelism = MAX_PARALLELISM): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}${i}`;
    if (range.contains(assignToKeyGroup(key, maxParallelism)) === inRange) return key;
  }
}

/** Asserts that `fn` throws (or rejects with) a FlinkError with `code` whose message has every fragment. */
export function assertFlinkError(error: unknown, code: ErrorCode, ...fragments: (string | RegExp)[]): void {
  assert.ok(FlinkError.isFlinkError(error), `expected a FlinkError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  for (const f of fragments) {
    if (typeof f === 'string') assert.ok(error.message.includes(f), `message ${JSON.stringify(error.message)} should include ${JSON.stringify(f)}`);
    else assert.match(error.message, f);
  }
}

export function throwsFlinkError(fn: () => unknown, code: ErrorCode, ...fragments: (string | RegExp)[]): void {
  let thrown: unknown = undefined;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    thrown = e;
  }
  assert.ok(threw, 'expected an error');
  assertFlinkError(thrown, code, ...fragments);
}

export async function rejectsFlinkError(promise: Promise<unknown>, code: ErrorCode, ...fragments: (string | RegExp)[]): Promise<void> {
  let thrown: unknown = undefined;
  let threw = false;
  try {
    await promise;
  } catch (e) {
    threw = true;
    thrown = e;
  }
  assert.ok(threw, 'expected a rejection');
  assertFlinkError(thrown, code, ...fragments);
}

export const ILLEGAL_STATE = ErrorCodes.FLINK_TS_ILLEGAL_STATE;

/** Sorted copy, for comparing key sets regardless of order. */
export function sorted<T>(values: Iterable<T>): T[] {
  return [...values].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}
