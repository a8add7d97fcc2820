/*
 * Factories shared by the end-to-end tests of the public API. Each takes the test context and
 * registers the cleanup of what it starts (jobs, child processes), so a failing assertion never
 * leaves a job running or a process behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import {
  FlinkError,
  KeyedProcessFunction,
  RichMapFunction,
  RichSinkFunction,
  RichSourceFunction,
  RestartStrategies,
  ValueStateDescriptor,
  type Collector,
  type ErrorCode,
  type JobClient,
  type KeyedProcessFunctionContext,
  type SinkContext,
  type SourceContext,
  type StreamExecutionEnvironment,
} from 'flink-ts';

/** The repository root: child processes run there so that `import 'flink-ts'` resolves. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Submits the job; the test's cleanup cancels it if it is still running then. */
export async function runJob(t: TestContext, env: StreamExecutionEnvironment, jobName?: string): Promise<JobClient> {
  const client = await env.executeAsync(jobName);
  t.after(() => client.cancel());
  return client;
}

export interface CollectedRecord<T> {
  readonly value: T;
  readonly subtask: number;
  readonly timestamp: number | null;
}

/**
 * A sink that records what every subtask receives, in arrival order, and counts its lifecycle
 * calls. The engine copies function objects per subtask, so the records live in this closure,
 * shared by all copies, rather than in a field.
 */
export interface CollectingSink<T> {
  readonly function: RichSinkFunction<T>;
  readonly records: CollectedRecord<T>[];
  readonly lifecycle: { opened: number; finished: number; closed: number };
  values(): T[];
  bySubtask(): Map<number, T[]>;
}

export function collectingSink<T>(): CollectingSink<T> {
  const records: CollectedRecord<T>[] = [];
  const lifecycle = { opened: 0, finished: 0, closed: 0 };
  class CollectSink extends RichSinkFunction<T> {
    override open(): void {
      lifecycle.opened++;
    }
    invoke(value: T, context: SinkContext): void {
      records.push({ value, subtask: this.getRuntimeContext().getIndexOfThisSubtask(), timestamp: context.timestamp() });
    }
    override finish(): void {
      lifecycle.finished++;
    }
    override close(): void {
      lifecycle.closed++;
    }
  }
  return {
    function: new CollectSink(),
    records,
    lifecycle,
    values: () => records.map((r) => r.value),
    bySubtask: () => groupBySubtask(records),
  };
}

export interface Tagged<T> {
  readonly subtask: number;
  readonly value: T;
}

/** A map that tags each record with the subtask that processed it. */
export function subtaskTagger<T>(): RichMapFunction<T, Tagged<T>> {
  class SubtaskTagger extends RichMapFunction<T, Tagged<T>> {
    map(value: T): Tagged<T> {
      return { subtask: this.getRuntimeContext().getIndexOfThisSubtask(), value };
    }
  }
  return new SubtaskTagger();
}

export function groupBySubtask<T>(tagged: readonly { readonly subtask: number; readonly value: T }[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const { subtask, value } of tagged) {
    let list = out.get(subtask);
    if (list === undefined) out.set(subtask, (list = []));
    list.push(value);
  }
  return new Map([...out.entries()].sort((a, b) => a[0] - b[0]));
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export function sortedNumbers(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * Asserts that `error` is a FlinkError with `code` whose message matches every pattern; returns
 * it typed, for further checks of its cause and context.
 */
export function assertFlinkError(error: unknown, code: ErrorCode, ...patterns: RegExp[]): FlinkError {
  assert.ok(FlinkError.isFlinkError(error), `expected a FlinkError, got ${String(error)}`);
  assert.equal(error.code, code, `unexpected code for: ${error.message}`);
  for (const p of patterns) assert.match(error.message, p);
  return error;
}

/** Awaits a promise that must reject and returns its reason. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the promise to reject');
}

/** Calls `fn`, which must throw synchronously, and returns what it threw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected the call to throw');
}

export interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/**
 * Runs an ES module (plain JavaScript importing 'flink-ts') in a child Node process, with the
 * repository as working directory. Used where a test must see the process itself: its stdout, or
 * that it exits on its own. The child is killed after `timeoutMs` and at the test's end.
 */
export function runScript(t: TestContext, source: string, timeoutMs = 20_000, env: Record<string, string> = {}): Promise<ScriptResult> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '--no-warnings', '-e', source], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}

/** Resolves once `condition` holds, polling on macrotasks; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Waits for `promise`, failing after `timeoutMs` with `what` in the message; the timer is cleared
 * either way, so nothing is left to keep the process alive.
 */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A new temporary directory named after `prefix`, removed (with its contents) after the test. */
export async function tempDirectory(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Emits 0, 1, 2, ... up to `ctrl.allowed` (raised by the test), yielding every 500 records; then
 * ends when `ctrl.finite`, or waits for more.
 */
export function phasedSource(ctrl: { allowed: number; finite?: boolean }): RichSourceFunction<number> {
  class PhasedSource extends RichSourceFunction<number> {
    private running = true;
    async run(ctx: SourceContext<number>): Promise<void> {
      let i = 0;
      while (this.running) {
        if (i < ctrl.allowed) {
          await ctx.collectAsync(i++);
          if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
        } else if (ctrl.finite === true) {
          return;
        } else {
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }
    }
    cancel(): void {
      this.running = false;
    }
  }
  return new PhasedSource();
}

/** Counts records per key in a ValueState and emits [key, count so far]. */
export class CountPerKey extends KeyedProcessFunction<number, number, [number, number]> {
  processElement(_value: number, ctx: KeyedProcessFunctionContext<number>, out: Collector<[number, number]>): void {
    const state = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
    const n = state.value()! + 1;
    state.update(n);
    out.collect([ctx.getCurrentKey(), n]);
  }
}

/**
 * Passes records on, slowly enough that checkpoints complete while the source runs; in the first
 * attempt it throws once `checkpoints` checkpoints have completed (it hears of them as a CheckpointListener).
 */
export function failAfterCheckpoints<T>(shared: { completed: number; failed: boolean }, checkpoints = 2): RichMapFunction<T, T> {
  class FailAfterCheckpoints extends RichMapFunction<T, T> {
    private seen = 0;
    map(value: T): T {
      if (++this.seen % 100 === 0) {
        const until = performance.now() + 1;
        while (performance.now() < until);
      }
      if (this.getRuntimeContext().getAttemptNumber() === 0 && shared.completed >= checkpoints && !shared.failed) {
        shared.failed = true;
        throw new Error('injected failure');
      }
      return value;
    }
    notifyCheckpointComplete(checkpointId: number): void {
      shared.completed = Math.max(shared.completed, checkpointId);
    }
  }
  return new FailAfterCheckpoints();
}

/**
 * Runs `fromSequence(0, records - 1)` → a map failing once after `afterCheckpoints` completed
 * checkpoints → keyBy(v % keys) → `counter` (emitting [key, count so far]) with executeAndCollect
 * and a fixed-delay restart; asserts one injected failure and restart, and that each key's counts
 * are exactly 1..n (exactly-once state and output). Returns the job's client.
 */
export async function assertExactCountsAfterFailure(
  env: StreamExecutionEnvironment,
  counter: KeyedProcessFunction<number, number, [number, number]>,
  options: { readonly records: number; readonly keys: number; readonly afterCheckpoints?: number },
): Promise<JobClient> {
  const { records, keys } = options;
  const clients: JobClient[] = [];
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
  env.registerJobListener({ onJobSubmitted: (client) => client !== null && clients.push(client) });
  const shared = { completed: 0, failed: false };
  const out = (await env
    .fromSequence(0, records - 1)
    .map(failAfterCheckpoints<number>(shared, options.afterCheckpoints))
    .keyBy((v) => v % keys)
    .process(counter)
    .executeAndCollect()) as [number, number][];
  const client = clients.at(-1)!;
  assert.ok(shared.failed, `the failure was injected (${JSON.stringify(client.getCheckpointStatistics())})`);
  assert.equal(client.getNumRestarts(), 1);
  assert.equal(out.length, records);
  const byKey = new Map<number, number[]>();
  for (const [key, count] of out) byKey.set(key, [...(byKey.get(key) ?? []), count]);
  for (let key = 0; key < keys; key++) {
    const expected = range(0, records - 1).filter((v) => v % keys === key).length;
    assert.deepEqual(sortedNumbers(byKey.get(key)!), range(1, expected), `key ${key}`);
  }
  return client;
}
