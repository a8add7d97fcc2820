/*
 * TwoPhaseCommitSinkFunction end to end with a sink whose transactions are files: pre-commit at
 * the barrier, commit when the checkpoint completed, and a crash between a checkpoint's completion
 * and its commit (the commit throws once) recovered by committing the restored transactions —
 * nothing lost, nothing twice. Also: a sink's pending asynchronous invocations complete before its
 * snapshot is taken.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { RestartStrategies, RichMapFunction, RichSinkFunction, StreamExecutionEnvironment, TwoPhaseCommitSinkFunction } from 'flink-ts';
import { range, tempDirectory } from '../../helpers.ts';

const tempDir = (t: TestContext): Promise<string> => tempDirectory(t, 'flink-ts-2pc-');

interface FileTransaction {
  readonly temp: string;
  readonly target: string;
}

/** Each transaction is a hidden temp file, renamed to a visible one on commit. */
function fileTransactionSink(dir: string, events: { commits: number; recovered: number; failCommitOnce: { armed: boolean; failed: boolean } }): TwoPhaseCommitSinkFunction<number, FileTransaction> {
  let next = 0;
  class FileTransactionSink extends TwoPhaseCommitSinkFunction<number, FileTransaction> {
    protected beginTransaction(): FileTransaction {
      const name = `${this.getRuntimeContext().getIndexOfThisSubtask()}-${this.getRuntimeContext().getAttemptNumber()}-${next++}`;
      const txn = { temp: join(dir, `.txn-${name}`), target: join(dir, `txn-${name}`) };
      writeFileSync(txn.temp, '');
      return txn;
    }
    protected invokeTransaction(txn: FileTransaction, value: number): void {
      appendFileSync(txn.temp, `${value}\n`);
    }
    protected preCommit(): void {}
    protected commit(txn: FileTransaction): void {
      if (events.failCommitOnce.armed && !events.failCommitOnce.failed && this.getRuntimeContext().getAttemptNumber() === 0) {
        events.failCommitOnce.failed = true;
        throw new Error('crash between checkpoint completion and commit');
      }
      // Idempotent: a transaction committed before the failure is found done.
      if (existsSync(txn.temp)) {
        renameSync(txn.temp, txn.target);
        events.commits++;
      }
    }
    protected override recoverAndCommit(txn: FileTransaction): void {
      events.recovered++;
      this.commit(txn);
    }
    protected abort(txn: FileTransaction): void {
      rmSync(txn.temp, { force: true });
    }
  }
  return new FileTransactionSink();
}

function committedRecords(dir: string): number[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('txn-'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== ''))
    .map(Number)
    .sort((a, b) => a - b);
}

function slowly(shared: { completed: number }): RichMapFunction<number, number> {
  class Slowly extends RichMapFunction<number, number> {
    private seen = 0;
    map(v: number): number {
      if (++this.seen % 50 === 0) {
        const until = performance.now() + 1;
        while (performance.now() < until);
      }
      return v;
    }
    notifyCheckpointComplete(id: number): void {
      shared.completed = Math.max(shared.completed, id);
    }
  }
  return new Slowly();
}

describe('TwoPhaseCommitSinkFunction', () => {
  it('commits each checkpoint’s transaction and everything at end of input', async (t) => {
    const dir = await tempDir(t);
    const events = { commits: 0, recovered: 0, failCommitOnce: { armed: false, failed: false } };
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    env.enableCheckpointing(20);
    env.fromSequence(1, 20_000).map(slowly({ completed: 0 })).addSink(fileTransactionSink(dir, events));
    await env.execute();
    assert.ok(events.commits > 2, `${events.commits} commits`);
    assert.deepEqual(committedRecords(dir), range(1, 20_000));
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no transaction left open');
  });

  it('a crash between checkpoint completion and commit loses and duplicates nothing', async (t) => {
    const dir = await tempDir(t);
    const events = { commits: 0, recovered: 0, failCommitOnce: { armed: true, failed: false } };
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    env.enableCheckpointing(20);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(2, 0));
    const n = 30_000;
    env.fromSequence(1, n).map(slowly({ completed: 0 })).addSink(fileTransactionSink(dir, events));
    await env.execute();
    assert.ok(events.failCommitOnce.failed, 'the commit failed once');
    assert.ok(events.recovered > 0, 'restored transactions were committed on recovery');
    assert.deepEqual(committedRecords(dir), range(1, n));
  });
});

describe('asynchronous sinks and checkpoints', () => {
  it('pending invoke() promises complete before the sink’s snapshot', async () => {
    const observed: { started: number; done: number }[] = [];
    class AsyncSink extends RichSinkFunction<number> {
      private started = 0;
      private done = 0;
      invoke(): Promise<void> {
        this.started++;
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            this.done++;
            resolve();
          }),
        );
      }
      snapshotState(): void {
        observed.push({ started: this.started, done: this.done });
      }
      initializeState(): void {}
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1 });
    env.enableCheckpointing(10);
    // The source runs long enough for checkpoints (they need every task running).
    env.fromSequence(1, 4_000).map(slowly({ completed: 0 })).addSink(new AsyncSink());
    await env.execute();
    assert.ok(observed.length > 0, 'checkpoints were taken');
    for (const o of observed) assert.equal(o.done, o.started, `snapshot with ${o.started - o.done} invocations pending`);
  });
});
