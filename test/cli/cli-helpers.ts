/*
 * Runs the flink-ts command in a child process for the CLI and example tests, with the caller's
 * environment minus FLINK_TS_* variables (so a developer's settings cannot change the outcome).
 * The child is killed in the test's cleanup if it is still running then.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/flink-ts.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<ProcessResult>;
  /** Resolves once stdout matches `pattern`; rejects if the process exits first. */
  stdoutMatching(pattern: RegExp): Promise<void>;
}

/** Starts `node <args>` in the repository root; `env` entries are added to the cleaned environment. */
export function startNode(t: TestContext, args: readonly string[], env: Record<string, string> = {}): RunningProcess {
  const childEnv: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('FLINK_TS_')) childEnv[key] = value;
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<ProcessResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const stdoutMatching = (pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pattern.test(stdout)) return;
        child.stdout.off('data', check);
        resolve();
      };
      child.stdout.on('data', check);
      check();
      void exited.then((r) => reject(new Error(`The process exited (${r.code ?? r.signal}) before its output matched ${pattern}: ${r.stdout}${r.stderr}`)));
    });
  return { child, exited, stdoutMatching };
}

/** Runs `node <args>` to its end. */
export function runNode(t: TestContext, args: readonly string[], env: Record<string, string> = {}): Promise<ProcessResult> {
  return startNode(t, args, env).exited;
}

/** Runs `flink-ts <args>`. */
export function runCli(t: TestContext, args: readonly string[], env: Record<string, string> = {}): Promise<ProcessResult> {
  return runNode(t, [BIN, ...args], env);
}

/** The summary line a finished job prints on stderr, parsed; undefined when there is none. */
export function summaryLine(stderr: string, jobName: string): { status: string; recordsIn: number; recordsOut: number } | undefined {
  const escaped = jobName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^Job '${escaped}' \\([0-9a-f]{32}\\) (\\w+) in [\\d.]+ s: (\\d+) records in, (\\d+) records out$`, 'm').exec(stderr);
  return match === null ? undefined : { status: match[1]!, recordsIn: Number(match[2]), recordsOut: Number(match[3]) };
}
