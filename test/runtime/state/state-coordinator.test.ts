/*
 * Tests of the StateCoordinator: creating a job's state backend, tracking the keyed backends made
 * through it until they are disposed, statistics, and snapshots of a job's backends.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValueStateDescriptor, type ValueState } from 'flink-ts';
import { StateCoordinator } from '../../../src/runtime/state/state-coordinator.ts';
import { HashMapStateBackend } from '../../../src/runtime/state/hash-map-state-backend.ts';
import { KeyGroupRange } from '../../../src/runtime/state/key-group-range.ts';

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

  it('wraps a given backend and snapshots every keyed backend of a job', async () => {
    const coordinator = new StateCoordinator();
    const { backend } = await coordinator.createStateBackend({ taskManagerId: 'tm-001', jobId: 'job-1', config: new HashMapStateBackend() });
    const a = await backend.createKeyedStateBackend(parameters('job-1', 'op-a', 0));
    const b = await backend.createKeyedStateBackend(parameters('job-1', 'op-b', 0));
    for (const keyed of [a, b]) {
      keyed.setCurrentKey('k');
      keyed.getPartitionedState<ValueState<string>>(new ValueStateDescriptor<string>('v')).update('x');
    }
    const runners = coordinator.snapshotJob('job-1', 7);
    assert.equal(runners.size, 2);
    for (const runner of runners.values()) {
      assert.equal(runner.checkpointId, 7);
      const snapshot = await runner.materialize();
      assert.equal(snapshot.states.length, 1);
      assert.equal([...snapshot.keyGroups.values()].length, 1);
    }
    await a.dispose();
    await b.dispose();
  });

  it('logs statistics only when asked, without keeping the process alive', () => {
    const coordinator = new StateCoordinator();
    coordinator.startStatisticsSummary(10);
    coordinator.stopStatisticsSummary();
  });
});
