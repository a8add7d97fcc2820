/*
 * Recovery end to end: jobs with checkpointing whose user functions throw once at least two
 * checkpoints have completed (in the first attempt only), restart with a restart strategy and
 * restore the latest completed checkpoint — keyed state by key group, operator state of
 * CheckpointedFunctions, source positions of fromSequence, fromCollection and a checkpointed
 * SourceFunction. executeAndCollect is exactly-once with checkpointing, so every output is checked
 * to be exact: no record lost, none twice, state exactly as if nothing had failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import {
  ErrorCodes,
  ListStateDescriptor,
  RestartStrategies,
  RichMapFunction,
  RichParallelSourceFunction,
  StreamExecutionEnvironment,
  type FunctionInitializationContext,
  type JobClient,
  type ListState,
  type SourceContext,
} from 'flink-ts';
import { assertFlinkError, CountPerKey, failAfterCheckpoints, range, rejection, sortedNumbers, tempDirectory } from '../../helpers.ts';

const tempDir = (t: TestContext): Promise<string> => tempDirectory(t, 'flink-ts-recovery-');

/** An environment with checkpoints every 10 ms and immediate restarts; the client is captured. */
function checkpointedEnvironment(dir: string, parallelism: number, clients: JobClient[]): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism, 'state.checkpoints.dir': dir });
  env.enableCheckpointing(10);
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
  env.registerJobListener({ onJobSubmitted: (client) => client !== null && clients.push(client) });
  return env;
}

function assertRestored(clients: JobClient[]): void {
  const client = clients.at(-1)!;
  assert.equal(client.getNumRestarts(), 1);
  const stats = client.getCheckpointStatistics()!;
  assert.ok(stats.lastRestoredCheckpointId !== null && stats.lastRestoredCheckpointId >= 2, `restored checkpoint ${String(stats.lastRestoredCheckpointId)}`);
}

describe('recovery from checkpoints', () => {
  it('restores keyed state and sequence positions exactly after a failure (exactly-once)', async (t) => {
    const dir = await tempDir(t);
    const clients: JobClient[] = [];
    const env = checkpointedEnvironment(dir, 2, clients);
    const shared = { completed: 0, failed: false };
    const n = 60_000;
    const out = (await env.fromSequence(1, n).map(failAfterCheckpoints<number>(shared)).keyBy((v) => v % 7).process(new CountPerKey()).executeAndCollect()) as [number, number][];
    assert.ok(shared.failed, 'the failure was injected');
    assertRestored(clients);
    assert.equal(out.length, n);
    const byKey = new Map<number, number[]>();
    for (const [key, count] of out) byKey.set(key, [...(byKey.get(key) ?? []), count]);
    for (let key = 0; key < 7; key++) {
      const expected = range(1, n).filter((v) => v % 7 === key).length;
      // Every count from 1 to the key's total exactly once: state neither lost nor counted twice.
      assert.deepEqual(sortedNumbers(byKey.get(key)!), range(1, expected), `key ${key}`);
    }
  });

  it('resumes fromCollection at its position and keeps the order', async (t) => {
    const dir = await tempDir(t);
    const clients: JobClient[] = [];
    const env = checkpointedEnvironment(dir, 1, clients);
    const shared = { completed: 0, failed: false };
    const input = range(0, 40_000).map((i) => `e${i}`);
    const out = await env.fromCollection(input).map(failAfterCheckpoints<string>(shared)).executeAndCollect();
    assert.ok(shared.failed);
    assertRestored(clients);
    assert.deepEqual(out, input);
  });

  it('restores the operator state of CheckpointedFunctions', async (t) => {
    const dir = await tempDir(t);
    const clients: JobClient[] = [];
    const env = checkpointedEnvironment(dir, 2, clients);
    const shared = { completed: 0, failed: false };
    /** Counts the records of its subtask in a field that snapshotState() keeps in operator state. */
    class CountingMap extends RichMapFunction<number, number> {
      private count = 0;
      private state: ListState<number> | null = null;
      initializeState(context: FunctionInitializationContext): void {
        this.state = context.getOperatorStateStore().getListState(new ListStateDescriptor<number>('count'));
        this.count = 0;
        for (const c of this.state.get() ?? []) this.count += c;
      }
      snapshotState(): void {
        this.state!.update([this.count]);
      }
      map(): number {
        return ++this.count;
      }
    }
    const n = 50_000;
    const counts = await env.fromSequence(1, n).map(failAfterCheckpoints<number>(shared)).map(new CountingMap()).executeAndCollect();
    assert.ok(shared.failed);
    assertRestored(clients);
    assert.equal(counts.length, n);
    // Each subtask's counts run 1..k without a gap or a repeat: a count appears at most once per
    // subtask, and a count c appears at least as often as c + 1.
    const occurrences = new Map<number, number>();
    for (const c of counts) occurrences.set(c, (occurrences.get(c) ?? 0) + 1);
    const max = Math.max(...counts);
    for (let c = 1; c <= max; c++) {
      const here = occurrences.get(c) ?? 0;
      assert.ok(here >= 1 && here <= 2, `count ${c} appears ${here} times`);
      assert.ok(here >= (occurrences.get(c + 1) ?? 0), `count ${c + 1} appears more often than ${c}`);
    }
  });

  it('resumes a SourceFunction from the offset it keeps as operator state', async (t) => {
    const dir = await tempDir(t);
    const clients: JobClient[] = [];
    const env = checkpointedEnvironment(dir, 2, clients);
    const shared = { completed: 0, failed: false };
    const perSubtask = 20_000;
    /** Flink's classic checkpointed counting source: emits its offset, keeps it as list state. */
    class CountingSource extends RichParallelSourceFunction<number> {
      private offset = 0;
      private running = true;
      private state: ListState<number> | null = null;
      initializeState(context: FunctionInitializationContext): void {
        this.state = context.getOperatorStateStore().getListState(new ListStateDescriptor<number>('offset'));
        this.offset = 0;
        for (const o of this.state.get() ?? []) this.offset = o;
      }
      snapshotState(): void {
        this.state!.update([this.offset]);
      }
      async run(ctx: SourceContext<number>): Promise<void> {
        const base = this.getRuntimeContext().getIndexOfThisSubtask() * perSubtask;
        while (this.running && this.offset < perSubtask) {
          await ctx.collectAsync(base + this.offset);
          this.offset++;
          // As a source reading from I/O, it gives the event loop a turn now and then.
          if (this.offset % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      }
      cancel(): void {
        this.running = false;
      }
    }
    const out = await env.addSource(new CountingSource()).map(failAfterCheckpoints<number>(shared)).executeAndCollect();
    assert.ok(shared.failed);
    assertRestored(clients);
    assert.deepEqual(sortedNumbers(out), range(0, 2 * perSubtask - 1));
  });

  it('fails the job when the restart attempts are used up', async (t) => {
    const dir = await tempDir(t);
    const clients: JobClient[] = [];
    const env = checkpointedEnvironment(dir, 1, clients);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
    env
      .fromSequence(1, 10)
      .map(() => {
        throw new Error('always');
      })
      .addSink(() => {});
    const error = await rejection(env.execute());
    assertFlinkError(error, ErrorCodes.FLINK_TS_USER_FUNCTION, /always/);
    assert.equal(clients[0]!.getNumRestarts(), 1);
  });

  it('does not restart without checkpointing unless a strategy is set (Flink 1.19 default)', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1 });
    assert.deepEqual(env.getRestartStrategy(), { type: 'none' });
    const clients: JobClient[] = [];
    env.registerJobListener({ onJobSubmitted: (client) => client !== null && clients.push(client) });
    env
      .fromSequence(1, 10)
      .map(() => {
        throw new Error('once');
      })
      .addSink(() => {});
    await rejection(env.execute());
    assert.equal(clients[0]!.getNumRestarts(), 0);
    env.enableCheckpointing(100);
    assert.equal(env.getRestartStrategy().type, 'exponential-delay');
  });
});
