/*
 * Checkpoints after tasks finished (FLIP-147) end to end. A bounded job with checkpointing takes a
 * final checkpoint after its input ended — promptly, not an interval later — and committing sinks
 * (TwoPhaseCommitSinkFunction, FileSink) commit their last transaction when it completes, not at
 * end of input. A job whose bounded sources ended early goes on checkpointing, and a restore after
 * a failure does not run those sources again. Without checkpointing, sinks commit at end of input
 * as before.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  BasePathBucketAssigner,
  FileSink,
  JobStatus,
  ListStateDescriptor,
  RestartStrategies,
  RichMapFunction,
  RichParallelSourceFunction,
  RichSourceFunction,
  SimpleStringEncoder,
  StreamExecutionEnvironment,
  TwoPhaseCommitSinkFunction,
  type FunctionInitializationContext,
  type JobClient,
  type ListState,
  type Sink,
  type SourceContext,
} from 'flink-ts';
import { collectingSink, eventually, range, sortedNumbers, tempDirectory } from '../../helpers.ts';

const tempDir = (t: TestContext): Promise<string> => tempDirectory(t, 'flink-ts-final-checkpoint-');

/** Far longer than the tests take: a job that ends promptly did not wait for a periodic checkpoint. */
const LONG_INTERVAL_MS = 60_000;

interface SinkLog {
  /** Per subtask, in order: finish, snapshot <id>, notify <id>, commit <txn>. */
  readonly events: Map<number, string[]>;
  readonly transactions: Map<string, number[]>;
  readonly committed: number[];
}

/** A 2PC sink whose transactions are lists in `log`; it logs every lifecycle step per subtask. */
function loggingTwoPhaseSink(log: SinkLog): TwoPhaseCommitSinkFunction<number, { readonly id: string }> {
  let next = 0;
  class LoggingSink extends TwoPhaseCommitSinkFunction<number, { readonly id: string }> {
    private event(what: string): void {
      const subtask = this.getRuntimeContext().getIndexOfThisSubtask();
      log.events.set(subtask, [...(log.events.get(subtask) ?? []), what]);
    }
    protected beginTransaction(): { id: string } {
      const id = `${this.getRuntimeContext().getIndexOfThisSubtask()}-${next++}`;
      log.transactions.set(id, []);
      return { id };
    }
    protected invokeTransaction(txn: { id: string }, value: number): void {
      log.transactions.get(txn.id)!.push(value);
    }
    protected preCommit(): void {}
    protected commit(txn: { id: string }): void {
      const records = log.transactions.get(txn.id);
      if (records === undefined) return;
      log.transactions.delete(txn.id);
      log.committed.push(...records);
      this.event(`commit ${txn.id}`);
    }
    protected abort(txn: { id: string }): void {
      log.transactions.delete(txn.id);
    }
    override async finish(): Promise<void> {
      this.event('finish');
      await super.finish();
    }
    override async snapshotState(context: Parameters<TwoPhaseCommitSinkFunction<number, { id: string }>['snapshotState']>[0]): Promise<void> {
      this.event(`snapshot ${context.getCheckpointId()}`);
      await super.snapshotState(context);
    }
    override notifyCheckpointComplete(checkpointId: number): Promise<void> {
      this.event(`notify ${checkpointId}`);
      return super.notifyCheckpointComplete(checkpointId);
    }
  }
  return new LoggingSink();
}

async function runToEnd(env: StreamExecutionEnvironment): Promise<{ client: JobClient; ms: number }> {
  const start = performance.now();
  const client = await env.executeAsync();
  await client.getJobExecutionResult();
  return { client, ms: performance.now() - start };
}

describe('final checkpoint at end of input', () => {
  it('a bounded job ends promptly, its 2PC sink committing the last transactions through the final checkpoint', async () => {
    const log: SinkLog = { events: new Map(), transactions: new Map(), committed: [] };
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    env.enableCheckpointing(LONG_INTERVAL_MS);
    const n = 10_000;
    env.fromSequence(1, n).rebalance().addSink(loggingTwoPhaseSink(log));
    const { client, ms } = await runToEnd(env);
    assert.ok(ms < LONG_INTERVAL_MS / 4, `the job took ${Math.round(ms)} ms`);
    assert.equal(await client.getJobStatus(), JobStatus.FINISHED);
    assert.deepEqual(sortedNumbers(log.committed), range(1, n), 'every record committed exactly once');
    const final = client.getCheckpointStatistics()!.lastCompletedCheckpointId!;
    assert.ok(final >= 1);
    for (const [subtask, events] of log.events) {
      const finish = events.indexOf('finish');
      const snapshot = events.indexOf(`snapshot ${final}`);
      const notify = events.indexOf(`notify ${final}`);
      assert.ok(finish >= 0 && finish < snapshot && snapshot < notify, `subtask ${subtask}: ${events.join(', ')}`);
      const commits = events.filter((e) => e.startsWith('commit'));
      assert.ok(commits.length > 0, `subtask ${subtask} committed`);
      // Nothing is committed at end of input: the last commit follows the final checkpoint's notification.
      assert.ok(events.slice(finish, notify).every((e) => !e.startsWith('commit')), `subtask ${subtask}: ${events.join(', ')}`);
      assert.ok(events.lastIndexOf(commits.at(-1)!) > notify);
    }
  });

  it('without checkpointing the 2PC sink commits at end of input, as before', async () => {
    const log: SinkLog = { events: new Map(), transactions: new Map(), committed: [] };
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    env.fromSequence(1, 5_000).rebalance().addSink(loggingTwoPhaseSink(log));
    const { client } = await runToEnd(env);
    assert.equal(client.getCheckpointStatistics(), null);
    assert.deepEqual(sortedNumbers(log.committed), range(1, 5_000));
    for (const events of log.events.values()) {
      assert.equal(events[0], 'finish');
      assert.ok(events.slice(1).every((e) => e.startsWith('commit')), events.join(', '));
    }
  });

  it('a bounded FileSink job ends promptly and its files are committed by the final checkpoint', async (t) => {
    const dir = await tempDir(t);
    const n = 20_000;
    const seen = { lastCompletedAtCommit: [] as (number | null)[] };
    let client: JobClient | null = null;
    const fileSink = FileSink.forRowFormat(dir, new SimpleStringEncoder<string>()).withBucketAssigner(new BasePathBucketAssigner<string>()).build();
    // The FileSink with a committer that notes which checkpoint had completed when it committed.
    const observed: Sink<string> = {
      createWriter: (context) => fileSink.createWriter(context),
      restoreWriter: (context, states) => fileSink.restoreWriter(context, states),
      createCommitter: () => {
        const committer = fileSink.createCommitter();
        return {
          commit: (requests) => {
            seen.lastCompletedAtCommit.push(client?.getCheckpointStatistics()?.lastCompletedCheckpointId ?? null);
            return committer.commit(requests as Parameters<typeof committer.commit>[0]);
          },
          close: () => committer.close(),
        };
      },
    };
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    env.enableCheckpointing(LONG_INTERVAL_MS);
    env.fromSequence(1, n).map(String).sinkTo(observed);
    const start = performance.now();
    client = await env.executeAsync();
    await client.getJobExecutionResult();
    assert.ok(performance.now() - start < LONG_INTERVAL_MS / 4);
    const final = client.getCheckpointStatistics()!.lastCompletedCheckpointId;
    assert.ok(final !== null);
    assert.deepEqual(seen.lastCompletedAtCommit, [final, final], 'each subtask committed once, after the final checkpoint completed');
    const files = readdirSync(dir);
    assert.ok(files.every((f) => f.startsWith('part-')), files.join(', '));
    const records = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== '').map(Number));
    assert.deepEqual(sortedNumbers(records), range(1, n));
  });
});

describe('checkpoints after some tasks finished', () => {
  it('go on while bounded sources have ended; a restore runs them no more', async () => {
    const shared = { functionRuns: 0, functionEmitted: 0, collectionEmitted: 0, failNow: false, failed: false };
    /** Non-parallel, stateless: run again, it would emit everything again. */
    class Bounded extends RichSourceFunction<string> {
      async run(ctx: SourceContext<string>): Promise<void> {
        shared.functionRuns++;
        for (let i = 0; i < 100; i++) {
          shared.functionEmitted++;
          await ctx.collectAsync(`f${i}`);
        }
      }
      cancel(): void {}
    }
    /** Emits its subtask's numbers from its checkpointed offset on, slowly; fails once when told to. */
    class Unbounded extends RichParallelSourceFunction<string> {
      private offset = 0;
      private state: ListState<number> | null = null;
      private running = true;
      initializeState(context: FunctionInitializationContext): void {
        this.state = context.getOperatorStateStore().getListState(new ListStateDescriptor<number>('offset'));
        this.offset = [...(this.state.get() ?? [])][0] ?? 0;
      }
      snapshotState(): void {
        this.state!.update([this.offset]);
      }
      async run(ctx: SourceContext<string>): Promise<void> {
        const attempt = this.getRuntimeContext().getAttemptNumber();
        while (this.running && this.offset < 3_000) {
          if (shared.failNow && attempt === 0) {
            shared.failed = true;
            throw new Error('injected failure after the bounded sources ended');
          }
          await ctx.collectAsync(`u${this.offset++}`);
          if (this.offset % 20 === 0) await new Promise((r) => setTimeout(r, 1));
        }
      }
      cancel(): void {
        this.running = false;
      }
    }
    class CountCollection extends RichMapFunction<string, string> {
      map(v: string): string {
        shared.collectionEmitted++;
        return v;
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    env.enableCheckpointing(30);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
    const sink = collectingSink<string>();
    const fromFunction = env.addSource(new Bounded(), 'Bounded');
    const fromCollection = env.fromCollection(range(1, 50).map((i) => `c${i}`), 'Collection').map(new CountCollection()).name('Count');
    fromFunction.union(fromCollection, env.addSource(new Unbounded(), 'Unbounded')).rebalance().map((v) => v).addSink(sink.function);
    const client = await env.executeAsync();
    const ended = async (): Promise<boolean> => {
      const metrics = await client.getMetrics();
      const bounded = Object.entries(metrics).filter(([name]) => name.startsWith('Source: Bounded') || name.startsWith('Source: Collection'));
      return bounded.length === 2 && bounded.every(([, m]) => m.subtasks.every((s) => s.state === 'FINISHED'));
    };
    await eventually(ended, 20_000, 'the bounded sources ended');
    // A checkpoint triggered now has them as finished tasks; once it completed, fail.
    let id: number | null = null;
    await eventually(async () => (id = await client.triggerCheckpoint()) !== null, 10_000, 'checkpoint triggered');
    await eventually(() => (client.getCheckpointStatistics()!.lastCompletedCheckpointId ?? 0) >= id!, 10_000, `checkpoint ${id} completed`);
    shared.failNow = true;
    await client.getJobExecutionResult();
    assert.ok(shared.failed);
    assert.equal(client.getNumRestarts(), 1);
    assert.ok(client.getCheckpointStatistics()!.lastRestoredCheckpointId! >= id!);
    assert.equal(shared.functionRuns, 1, 'the ended source function did not run again');
    assert.equal(shared.functionEmitted, 100);
    assert.equal(shared.collectionEmitted, 50, 'the ended split source did not emit again');
    const values = sink.values();
    assert.equal(values.filter((v) => v.startsWith('f')).length, 100);
    assert.equal(values.filter((v) => v.startsWith('c')).length, 50);
    const unbounded = new Set(values.filter((v) => v.startsWith('u')));
    assert.deepEqual(unbounded.size, 3_000, 'every number of the unbounded sources arrived');
  });
});
