/*
 * Rescaling unaligned checkpoints that hold in-flight data: a keyed job with a slow keyed
 * operator takes an unaligned checkpoint under back pressure (its in-flight data is stored), and
 * is restored from it at a higher and at a lower parallelism. Every in-flight record is processed
 * exactly once, by the subtask owning its key group under the new parallelism, and before the new
 * records of its key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import {
  ErrorCodes,
  ExternalizedCheckpointRetention,
  KeyedProcessFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type DataStream,
  type JobClient,
  type KeyedProcessFunctionContext,
} from 'flink-ts';
import { assertFlinkError, eventually, rejection, runJob, tempDirectory } from '../../helpers.ts';

const BACK_PRESSURE_CONFIG = {
  'pipeline.batch-size': 64,
  'taskmanager.network.memory.buffers-per-channel': 64,
  'taskmanager.network.memory.floating-buffers-per-gate': 0,
} as const;

const N = 30_000;
const KEYS = 64;

/** What the keyed operator emits per record: key, count so far, value, sum so far, and whether it came after a larger value of its key. */
type Out = [key: number, count: number, value: number, sum: number, outOfOrder: boolean];

/** Counts and sums per key, remembers the last value; busy-waits `micros` per record. */
class SlowCount extends KeyedProcessFunction<number, number, Out> {
  private readonly micros: number;
  constructor(micros: number) {
    super();
    this.micros = micros;
  }
  processElement(value: number, ctx: KeyedProcessFunctionContext<number>, out: Collector<Out>): void {
    const until = performance.now() + this.micros / 1000;
    while (performance.now() < until);
    const state = this.getRuntimeContext().getState(new ValueStateDescriptor<[number, number, number]>('count-sum-last', [0, 0, 0]));
    const [count, sum, last] = state.value()!;
    state.update([count + 1, sum + value, value]);
    out.collect([ctx.getCurrentKey(), count + 1, value, sum + value, value <= last]);
  }
}

/** Another exchange and a map before the keyed operator. */
type Exchange = (numbers: DataStream<number>) => DataStream<number>;

/** source (sourceParallelism) → [exchange → map] → keyBy → slow count (parallelism) → sink chained to it. */
function buildJob(env: StreamExecutionEnvironment, sourceParallelism: number, micros: number, out: Out[], exchange: Exchange = (s) => s): void {
  exchange(env.fromSequence(1, N).uid('numbers').setParallelism(sourceParallelism))
    .keyBy((v) => v % KEYS)
    .process(new SlowCount(micros))
    .uid('count')
    .addSink((o) => void out.push(o as Out))
    .uid('sink');
}

async function backPressured(client: JobClient): Promise<boolean> {
  const metrics = await client.getMetrics();
  return Object.values(metrics).some((m) => (m.inPoolUsage ?? 0) >= 0.8);
}

/** Runs the job at parallelism 2 until an exchange is back-pressured, takes an unaligned checkpoint, retains it and cancels. */
async function retainedUnalignedCheckpoint(t: TestContext, sourceParallelism: number, exchange?: Exchange): Promise<{ pointer: string; checkpointId: number }> {
  const dir = await tempDirectory(t, 'flink-ts-unaligned-rescale-');
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ ...BACK_PRESSURE_CONFIG, 'parallelism.default': 2, 'state.checkpoints.dir': dir });
  env.enableCheckpointing(3_600_000);
  env.getCheckpointConfig().enableUnalignedCheckpoints().setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
  buildJob(env, sourceParallelism, 300, [], exchange);
  const client = await runJob(t, env);
  await eventually(() => backPressured(client), 10_000, 'back pressure');
  const id = await client.triggerCheckpoint();
  assert.notEqual(id, null);
  await eventually(() => (client.getCheckpointStatistics()!.lastCompletedCheckpointId ?? 0) >= id!, 20_000, `checkpoint ${id} to complete`);
  const summary = client.getCheckpointStatistics()!.history.find((h) => h.checkpointId === id)!;
  assert.equal(summary.unaligned, true);
  assert.ok(summary.persistedData > 0, 'the checkpoint holds in-flight data');
  const pointer = client.getCheckpointStatistics()!.lastCheckpointExternalPath!;
  await client.cancel();
  return { pointer, checkpointId: id! };
}

/** Restores `pointer` at `parallelism` and checks exactly-once counts and sums, and per-key order when one producer feeds each key. */
async function restoreAndCheck(pointer: string, sourceParallelism: number, parallelism: number, checkOrder: boolean, exchange?: Exchange): Promise<number> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ ...BACK_PRESSURE_CONFIG, 'parallelism.default': parallelism, 'execution.savepoint.path': pointer });
  const out: Out[] = [];
  buildJob(env, sourceParallelism, 0, out, exchange);
  await env.execute();
  const byKey = new Map<number, Out[]>();
  for (const o of out) byKey.set(o[0], [...(byKey.get(o[0]) ?? []), o]);
  assert.equal(byKey.size, KEYS, 'every key was counted after the restore');
  for (let key = 0; key < KEYS; key++) {
    const values = Array.from({ length: N }, (_, i) => i + 1).filter((v) => v % KEYS === key);
    const outs = byKey.get(key)!;
    // Exactly once: the counts after the restore go on from the restored state without a gap or a repeat.
    const counts = outs.map((o) => o[1]);
    const first = Math.min(...counts);
    assert.deepEqual(
      [...counts].sort((a, b) => a - b),
      Array.from({ length: values.length - first + 1 }, (_, i) => first + i),
      `key ${key}: counts`,
    );
    const last = outs.find((o) => o[1] === values.length)!;
    assert.equal(last[3], values.reduce((a, b) => a + b, 0), `key ${key}: the sum of all its values`);
    if (checkOrder) assert.deepEqual(outs.filter((o) => o[4]), [], `key ${key}: in-flight records before new ones, in order`);
  }
  return out.length;
}

describe('rescaling unaligned checkpoints with in-flight data', () => {
  it('restores at a higher and at a lower parallelism of the keyed operator: exactly once, per-key order kept', async (t) => {
    const { pointer } = await retainedUnalignedCheckpoint(t, 1);
    const up = await restoreAndCheck(pointer, 1, 3, true);
    const down = await restoreAndCheck(pointer, 1, 1, true);
    t.diagnostic(`records after the restore: ${up} at parallelism 3, ${down} at parallelism 1 (of ${N})`);
    assert.equal(up, down, 'both restores start from the same checkpoint');
  });

  it('rescales both sides of the keyed exchange (input and output in-flight data)', async (t) => {
    const { pointer } = await retainedUnalignedCheckpoint(t, 2);
    const up = await restoreAndCheck(pointer, 3, 3, false);
    const down = await restoreAndCheck(pointer, 1, 1, false);
    assert.equal(up, down, 'both restores start from the same checkpoint');
  });

  it('redistributes the in-flight data of a rebalance exchange too', async (t) => {
    const exchange: Exchange = (s) => s.rebalance().map((v) => v).uid('identity');
    const { pointer } = await retainedUnalignedCheckpoint(t, 2, exchange);
    const up = await restoreAndCheck(pointer, 3, 3, false, exchange);
    const down = await restoreAndCheck(pointer, 1, 1, false, exchange);
    assert.equal(up, down, 'both restores start from the same checkpoint');
  });

  it('refuses, as Flink does, to rescale the in-flight data of a pointwise (rescale) exchange, naming edge and checkpoint', async (t) => {
    const exchange: Exchange = (s) => s.rescale().map((v) => v).uid('identity');
    const { pointer, checkpointId } = await retainedUnalignedCheckpoint(t, 2, exchange);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ ...BACK_PRESSURE_CONFIG, 'parallelism.default': 3, 'execution.savepoint.path': pointer });
    buildJob(env, 3, 0, [], exchange);
    const error = await rejection(env.execute());
    assertFlinkError(error, ErrorCodes.FLINK_TS_UNSUPPORTED, /RESCALE edge 'Source: .*' → 'Map.*' holds in-flight data/, /pointwise edge/, new RegExp(`checkpoint ${checkpointId}`));
  });
});
