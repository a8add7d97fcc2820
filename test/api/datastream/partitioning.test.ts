/*
 * End-to-end tests of every partitioner, observed through the engine: a map after the partitioning
 * tags each record with the subtask that received it, and the tests check where records landed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, RichMapFunction, StreamExecutionEnvironment, type DataStream } from 'flink-ts';
import { assignKeyToParallelOperator } from '../../../src/runtime/state/key-group-range-assignment.ts';
import { assertFlinkError, groupBySubtask, range, rejection, sortedNumbers, subtaskTagger, type Tagged } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

/** Tags each record with the upstream subtask it came from, as `from`. */
class FromTagger extends RichMapFunction<number, { from: number; n: number }> {
  map(n: number): { from: number; n: number } {
    return { from: this.getRuntimeContext().getIndexOfThisSubtask(), n };
  }
}

/** Runs `stream` into a tagger of the given parallelism; returns the records by receiving subtask. */
async function landing<T>(stream: DataStream<T>, parallelism: number): Promise<Map<number, T[]>> {
  const tagged: Tagged<T>[] = await stream.map(subtaskTagger<T>()).setParallelism(parallelism).executeAndCollect();
  return groupBySubtask(tagged);
}

describe('partitioning', () => {
  it('forward: each record stays on the subtask index it came from', async () => {
    const e = env(3);
    const tagged = await e
      .fromSequence(1, 300)
      .map(new FromTagger())
      .forward()
      .map(subtaskTagger<{ from: number; n: number }>())
      // Not chained, so the forward partitioner really routes over channels.
      .disableChaining()
      .executeAndCollect();
    assert.equal(tagged.length, 300);
    for (const t of tagged) assert.equal(t.subtask, t.value.from);
    assert.deepEqual(new Set(tagged.map((t) => t.subtask)), new Set([0, 1, 2]));
  });

  it('rebalance: spreads records round-robin, evenly over the subtasks', async () => {
    const byTask = await landing(env(1).fromSequence(1, 1000).rebalance(), 4);
    assert.deepEqual([...byTask.keys()], [0, 1, 2, 3]);
    for (const values of byTask.values()) assert.equal(values.length, 250);
    assert.deepEqual(sortedNumbers([...byTask.values()].flat()), range(1, 1000));
  });

  it('is the default between operators of different parallelism', async () => {
    const byTask = await landing(env(1).fromSequence(1, 900), 3);
    for (const values of byTask.values()) assert.equal(values.length, 300);
  });

  it('rescale: each upstream subtask feeds only its own subset of downstream subtasks, evenly', async () => {
    const e = env(2);
    const tagged = await e
      .fromSequence(1, 400)
      .map(new FromTagger())
      .rescale()
      .map(subtaskTagger<{ from: number; n: number }>())
      .setParallelism(4)
      .executeAndCollect();
    assert.equal(tagged.length, 400);
    // Flink's pointwise pattern: with 2 producers and 4 consumers, producer 0 feeds 0-1, producer 1 feeds 2-3.
    const targets = new Map<number, Map<number, number>>();
    for (const t of tagged) {
      const counts = targets.get(t.value.from) ?? new Map<number, number>();
      counts.set(t.subtask, (counts.get(t.subtask) ?? 0) + 1);
      targets.set(t.value.from, counts);
    }
    assert.deepEqual([...targets.get(0)!.keys()].sort(), [0, 1]);
    assert.deepEqual([...targets.get(1)!.keys()].sort(), [2, 3]);
    for (const counts of targets.values()) {
      const [x, y] = [...counts.values()];
      assert.ok(Math.abs(x! - y!) <= 1, `round-robin within the subset: ${x} vs ${y}`);
    }
  });

  it('rescale: with fewer consumers, each consumer reads a contiguous group of producers', async () => {
    const tagged = await env(4)
      .fromSequence(1, 400)
      .map(new FromTagger())
      .rescale()
      .map(subtaskTagger<{ from: number; n: number }>())
      .setParallelism(2)
      .executeAndCollect();
    assert.equal(tagged.length, 400);
    for (const t of tagged) assert.equal(t.subtask, t.value.from < 2 ? 0 : 1, `record from producer ${t.value.from}`);
  });

  it('shuffle: every record arrives once, spread over several subtasks', async () => {
    const byTask = await landing(env(1).fromSequence(1, 2000).shuffle(), 4);
    assert.deepEqual(sortedNumbers([...byTask.values()].flat()), range(1, 2000));
    assert.ok(byTask.size > 1, 'all records went to one subtask');
    // 2000 uniform picks over 4 channels: each far from empty and from all.
    for (const values of byTask.values()) assert.ok(values.length > 300 && values.length < 700, `uneven shuffle: ${values.length}`);
  });

  it('broadcast: every downstream subtask gets every record, in order', async () => {
    const byTask = await landing(env(1).fromSequence(1, 100).broadcast(), 3);
    assert.deepEqual([...byTask.keys()], [0, 1, 2]);
    for (const values of byTask.values()) assert.deepEqual(values, range(1, 100));
  });

  it('global: everything goes to subtask 0', async () => {
    const byTask = await landing(env(3).fromSequence(1, 300).global(), 3);
    assert.deepEqual([...byTask.keys()], [0]);
    assert.deepEqual(sortedNumbers(byTask.get(0)!), range(1, 300));
  });

  it('partitionCustom: records land on the subtask the partitioner chose', async () => {
    const calls: number[] = [];
    const byTask = await landing(
      env(2)
        .fromSequence(1, 100)
        .partitionCustom((key: number, n: number) => {
          calls.push(n);
          return key % n;
        }, (x) => x * 7),
      5,
    );
    assert.deepEqual([...byTask.keys()], [0, 1, 2, 3, 4]);
    for (const [subtask, values] of byTask) for (const v of values) assert.equal((v * 7) % 5, subtask);
    assert.ok(calls.every((n) => n === 5));
    assert.equal(calls.length, 100);
  });

  it('partitionCustom accepts a Partitioner object', async () => {
    const byTask = await landing(env(1).fromElements('b', 'a', 'c', 'a').partitionCustom({ partition: (k: string) => (k === 'a' ? 2 : 0) }, (s) => s), 3);
    assert.deepEqual(Object.fromEntries(byTask), { 0: ['b', 'c'], 2: ['a', 'a'] });
  });

  it('partitionCustom: a partition out of range fails the job and says why', async () => {
    const job = env(1)
      .fromElements(1, 2)
      .partitionCustom(() => 7, (x) => x)
      .map((x) => x)
      .setParallelism(2)
      .executeAndCollect();
    assertFlinkError(await rejection(job), ErrorCodes.FLINK_TS_USER_FUNCTION, /partition 7/, /\[0, 2\)/);
  });

  it("keyBy: all records of a key land on the subtask Flink's key groups assign", async () => {
    const keys = range(0, 49).map((i) => `user-${i}`);
    const records = range(0, 999).map((i) => keys[(i * 31) % keys.length]!);
    const byTask = await landing(env(1).fromCollection(records).keyBy((s) => s), 4);
    assert.equal([...byTask.values()].flat().length, records.length);
    for (const [subtask, values] of byTask) {
      for (const key of values) assert.equal(assignKeyToParallelOperator(key, 128, 4), subtask, `key ${key}`);
    }
    assert.ok(byTask.size > 1);
  });

  it('keyBy: numeric keys and the configured max parallelism decide the subtask', async () => {
    const e = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1, 'pipeline.max-parallelism': 16 });
    const byTask = await landing(e.fromSequence(0, 199).keyBy((n) => n % 37), 3);
    for (const [subtask, values] of byTask) {
      for (const n of values) assert.equal(assignKeyToParallelOperator(n % 37, 16, 3), subtask, `key ${n % 37}`);
    }
  });

  it("keyBy: an operator's own max parallelism decides its key groups", async () => {
    const tagged = await env(1)
      .fromSequence(0, 99)
      .keyBy((n) => `k${n % 10}`)
      .map(subtaskTagger<number>())
      .setParallelism(3)
      .setMaxParallelism(7)
      .executeAndCollect();
    for (const t of tagged) assert.equal(assignKeyToParallelOperator(`k${t.value % 10}`, 7, 3), t.subtask);
  });
});
