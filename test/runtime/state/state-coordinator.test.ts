/*
 * Tests of the StateCoordinator: creating a job's state backend, tracking the keyed backends made
 * through it until they are disposed, statistics and their periodic summary, and the completed
 * checkpoints the checkpoint coordinator reports to it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedProcessFunction, StreamExecutionEnvironment, ValueStateDescriptor, type ValueState } from 'flink-ts';
import { StateCoordinator } from '../../../src/runtime/state/state-coordinator.ts';
import { HashMapStateBackend } from '../../../src/runtime/state/hash-map-state-backend.ts';
import { KeyGroupRange } from '../../../src/runtime/state/key-group-range.ts';
import { runScript } from '../../helpers.ts';

class Count extends KeyedProcessFunction<number, number, number> {
  processElement(_n: number): void {
    const count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
    count.update(count.value()! + 1);
  }
}

function parameters(jobId: string, operator: string, subtaskIndex: number) {
  return {
    jobId,
    operatorIdentifier: operator,
    keyGroupRange: KeyGroupRange.of(0, 127),
    maxParallelism: 128,
    subtaskIndex,
    where: `operator '${operator}' (subtask ${subtaskIndex + 1}/1)`,
  };
}

describe('StateCoordinator', () => {
  it('creates a heap backend by default and tracks keyed backends until they are disposed', async () => {
    const coordinator = new StateCoordinator();
    const { id, backend } = await coordinator.createStateBackend({ taskManagerId: 'tm-001', jobId: 'job-1' });
    assert.match(id, /^tm-001\/job-1\//);
    assert.equal(backend.type, 'hashmap');
    const keyed = await backend.createKeyedStateBackend(parameters('job-1', 'counter', 0));
    assert.equal(coordinator.registeredBackends('job-1').length, 1);
    assert.equal(coordinator.registeredBackends('job-2').length, 0);
    const state = keyed.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('count'));
    for (const key of ['a', 'b', 'c']) {
      keyed.setCurrentKey(key);
      state.update(1);
    }
    const stats = coordinator.getStatistics('job-1');
    assert.equal(stats.totalEntries, 3);
    assert.equal(stats.backends[0]!.type, 'hashmap');
    assert.equal(stats.backPressureLevel, 0);
    await keyed.dispose();
    assert.equal(coordinator.registeredBackends().length, 0);
  });

  it('wraps a given backend and records the completed checkpoints the checkpoint coordinator reports', async () => {
    const coordinator = new StateCoordinator();
    const { backend } = await coordinator.createStateBackend({ taskManagerId: 'tm-001', jobId: 'job-1', config: new HashMapStateBackend() });
    assert.equal(backend.type, 'hashmap');
    const a = await backend.createKeyedStateBackend(parameters('job-1', 'op-a', 0));
    assert.equal(coordinator.getStatistics('job-1').completedCheckpoints, 0);
    assert.equal(coordinator.getStatistics('job-1').lastCheckpoint, undefined);
    const report = (checkpointId: number) => ({ checkpointId, stateSize: 10 * checkpointId, fullStateSize: 100, durationMs: 5, unaligned: false, completedAt: 1_000 + checkpointId });
    coordinator.checkpointCompleted('job-1', report(2));
    coordinator.checkpointCompleted('job-1', report(1)); // late report of an older checkpoint: not the latest
    coordinator.checkpointCompleted('job-2', report(9));
    const stats = coordinator.getStatistics('job-1');
    assert.equal(stats.completedCheckpoints, 1);
    assert.deepEqual(stats.lastCheckpoint, report(2));
    coordinator.releaseJob('job-1');
    assert.equal(coordinator.getStatistics('job-1').lastCheckpoint, undefined);
    await a.dispose();
  });

  it('hears of every completed checkpoint of a running job', { timeout: 30_000 }, async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    env.enableCheckpointing(20);
    let release = () => {};
    const done = new Promise<void>((r) => (release = r));
    env
      .addSource<number>({
        async run(ctx) {
          for (let i = 0; i < 100; i++) {
            ctx.collect(i % 5);
            await new Promise((r) => setTimeout(r, 1));
          }
          await done;
        },
        cancel() {
          release();
        },
      })
      .keyBy((n) => n)
      .process(new Count())
      .addSink(() => {});
    const client = await env.executeAsync('checkpointed counts');
    for (let i = 0; i < 500 && (client.getStateStatistics().lastCheckpoint?.checkpointId ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const stats = client.getStateStatistics();
    await client.cancel();
    await client.getJobExecutionResult().catch(() => {});
    assert.ok(stats.completedCheckpoints >= 2, `completed checkpoints reported: ${stats.completedCheckpoints}`);
    assert.ok(stats.lastCheckpoint!.checkpointId >= 2);
    assert.ok(stats.lastCheckpoint!.fullStateSize > 0, 'the keyed counts are in the checkpoint');
  });

  it('logs a summary of a job\'s statistics at the interval it is asked for, and stops when told', async () => {
    const coordinator = new StateCoordinator();
    const { backend } = await coordinator.createStateBackend({ taskManagerId: 'tm', jobId: 'job-1' });
    const keyed = await backend.createKeyedStateBackend(parameters('job-1', 'counter', 0));
    const state = keyed.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('count'));
    keyed.setCurrentKey('a');
    state.update(1);
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const logger = {
      info: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'info', fields, message }),
      debug: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'debug', fields, message }),
    };
    coordinator.startStatisticsSummary(10, { jobId: 'job-1', logger: logger as never });
    await new Promise((r) => setTimeout(r, 60));
    coordinator.stopStatisticsSummary();
    const summaries = lines.filter((l) => l.level === 'info');
    assert.ok(summaries.length >= 2, `several summaries in 60 ms, got ${summaries.length}`);
    assert.deepEqual(summaries[0], { level: 'info', fields: { jobId: 'job-1', backends: 1, totalEntries: 1, backPressureLevel: 0 }, message: 'state backend statistics' });
    assert.equal(lines.find((l) => l.level === 'debug')?.fields.where, "operator 'counter' (subtask 1/1)");
    const count = lines.length;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(lines.length, count, 'nothing after stop');
    assert.throws(() => coordinator.startStatisticsSummary(0), /must be positive/);
    await keyed.dispose();
  });

  it('logs the summary of a running job only with state.backend.statistics.summary-interval', { timeout: 30_000 }, async (t) => {
    const job = (config: string) => `
      import { KeyedProcessFunction, StreamExecutionEnvironment, ValueStateDescriptor } from 'flink-ts';
      class Count extends KeyedProcessFunction {
        processElement(n, ctx, out) {
          const s = this.getRuntimeContext().getState(new ValueStateDescriptor('n', 0));
          s.update(s.value() + 1);
        }
      }
      const env = StreamExecutionEnvironment.getExecutionEnvironment(${config});
      env.addSource({
        async run(ctx) { for (let i = 0; i < 40; i++) { ctx.collect(i % 7); await new Promise((r) => setTimeout(r, 5)); } },
        cancel() {},
      }).keyBy((n) => n).process(new Count()).addSink(() => {});
      await env.execute('summary job');
    `;
    const withSummary = await runScript(t, job(`{ 'state.backend.statistics.summary-interval': '20 ms' }`), 20_000, { FLINK_TS_LOG_LEVEL: 'info' });
    assert.equal(withSummary.code, 0, withSummary.stderr);
    const summaries = withSummary.stderr.split('\n').filter((l) => l.includes('"state backend statistics"'));
    assert.ok(summaries.length >= 2, withSummary.stderr);
    assert.ok(summaries.some((l) => /"totalEntries":[1-7]\b/.test(l)), summaries.join('\n'));
    const without = await runScript(t, job('{}'), 20_000, { FLINK_TS_LOG_LEVEL: 'info' });
    assert.equal(without.code, 0, without.stderr);
    assert.ok(!without.stderr.includes('state backend statistics'), without.stderr);
  });
});
