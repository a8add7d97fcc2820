/*
 * Redistribution of unaligned-checkpoint in-flight data over a new parallelism, on job graphs
 * built by the API: which new subtask replays which stored record, in which order.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from 'flink-ts';
import { Watermark } from '../../../src/api/common/watermark.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import type { JobGraph } from '../../../src/graph/job-graph.ts';
import { decodeChannelItem, encodeChannelItem, type ChannelStateSnapshot } from '../../../src/runtime/checkpoint/channel-state.ts';
import { needsRescaling, rescaleChannelState } from '../../../src/runtime/checkpoint/channel-state-rescaling.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { assignToKeyGroup, computeOperatorIndexForKeyGroup } from '../../../src/runtime/state/key-group-range-assignment.ts';
import type { DataStream } from '../../../src/api/datastream/data-stream.ts';

const site = { operator: 'op', task: 'task', channel: 'c' };
const batch = (...values: number[]): Uint8Array => encodeChannelItem(new RecordBatch(values, values.map((v) => v * 10)), site);
const watermark = (t: number): Uint8Array => encodeChannelItem(new Watermark(t), site);

/** source (2) → exchange → map (consumers), unchained. */
function graphOf(exchange: (s: DataStream<number>) => DataStream<number>, consumers: number): JobGraph {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2, 'pipeline.max-parallelism': 128 });
  exchange(env.fromSequence(1, 10)).map((v) => v).setParallelism(consumers).addSink(() => {}).setParallelism(consumers);
  return env.getJobGraph();
}

function snapshot(vertexId: number, subtaskIndex: number, parts: Partial<Pick<ChannelStateSnapshot, 'inputChannels' | 'resultSubpartitions'>>): ChannelStateSnapshot {
  return { vertexId, subtaskIndex, operatorIds: [], inputChannels: parts.inputChannels ?? [], resultSubpartitions: parts.resultSubpartitions ?? [] };
}

/** Per new task key, the records (value@timestamp) and watermarks it replays, in order. */
function replayed(states: ReadonlyMap<string, ChannelStateSnapshot>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, s] of states) {
    assert.deepEqual(s.resultSubpartitions, [], 'producers restart with empty outputs');
    const items: string[] = [];
    for (const e of s.inputChannels) {
      for (const bytes of e.items) {
        const item = decodeChannelItem(bytes, 'test');
        if (item instanceof RecordBatch) item.values.forEach((v, i) => items.push(`${String(v)}@${item.timestamps![i]}`));
        else items.push(String(item));
      }
    }
    out.set(key, items);
  }
  return out;
}

function rescale(graph: JobGraph, oldConsumers: number, snapshots: ChannelStateSnapshot[]): Map<string, ChannelStateSnapshot> {
  const [source, consumer] = graph.vertices;
  const oldParallelism = new Map([[source!.id, 2], [consumer!.id, oldConsumers]]);
  return rescaleChannelState(new Map(snapshots.map((s) => [`${s.vertexId}/${s.subtaskIndex}`, s])), {
    jobGraph: graph,
    oldParallelism,
    refuse: (what) => new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, `refused: ${what}`),
    where: 'test',
    chainIds: () => ['op'],
  });
}

describe('rescaleChannelState', () => {
  it('hands keyed in-flight records to the owner of their key group, input before output data of a channel', () => {
    const graph = graphOf((s) => s.keyBy((v) => v % 16), 3);
    const [source, consumer] = graph.vertices;
    const gate = consumer!.inputs[0]!.streamEdge.typeNumber;
    const owner = (v: number, n: number): number => computeOperatorIndexForKeyGroup(128, n, assignToKeyGroup(v % 16, 128));
    const values = Array.from({ length: 40 }, (_, i) => i + 1);
    const old0 = values.filter((v) => owner(v, 2) === 0);
    assert.equal(needsRescaling(graph, new Map([[source!.id, 2], [consumer!.id, 2]])), true);
    const states = rescale(graph, 2, [
      // Old consumer 0 had received the first half of producer 1's records for it, and a watermark.
      snapshot(consumer!.id, 0, { inputChannels: [{ gate, channel: 1, items: [batch(...old0.slice(0, 10)), watermark(5)] }] }),
      // Producer 1 still held the rest for old consumer 0.
      snapshot(source!.id, 1, { resultSubpartitions: [{ gate: 0, channel: 0, items: [batch(...old0.slice(10))] }] }),
    ]);
    const got = replayed(states);
    for (let j = 0; j < 3; j++) {
      const expected = old0.filter((v) => owner(v, 3) === j).map((v) => `${v}@${v * 10}`);
      assert.deepEqual(got.get(`${consumer!.id}/${j}`) ?? [], expected, `new subtask ${j}: its records, in order, without the watermark`);
    }
    assert.ok([...got.keys()].every((k) => k.startsWith(`${consumer!.id}/`)), 'only consumers replay');
  });

  it('rebalance: old consumer c to new c mod n; broadcast: a copy per new consumer; unchanged edges keep their watermarks', () => {
    const rebalance = graphOf((s) => s.rebalance(), 1);
    const [rs, rc] = rebalance.vertices;
    const got = replayed(rescale(rebalance, 2, [snapshot(rc!.id, 1, { inputChannels: [{ gate: rc!.inputs[0]!.streamEdge.typeNumber, channel: 0, items: [batch(1, 2)] }] }), snapshot(rs!.id, 0, { resultSubpartitions: [{ gate: 0, channel: 0, items: [batch(3)] }] })]));
    assert.deepEqual(got.get(`${rc!.id}/0`), ['3@30', '1@10', '2@20']);

    const broadcast = graphOf((s) => s.broadcast(), 3);
    const [bs, bc] = broadcast.vertices;
    const copies = replayed(rescale(broadcast, 2, [snapshot(bs!.id, 0, { resultSubpartitions: [{ gate: 0, channel: 0, items: [batch(7)] }, { gate: 0, channel: 1, items: [batch(7)] }] })]));
    assert.deepEqual([0, 1, 2].map((j) => copies.get(`${bc!.id}/${j}`)), [['7@70'], ['7@70'], ['7@70']]);

    const same = graphOf((s) => s.rebalance(), 2);
    const [ss, sc] = same.vertices;
    const oldParallelism = new Map([[ss!.id, 2], [sc!.id, 2]]);
    assert.equal(needsRescaling(same, oldParallelism), false);
    const kept = replayed(rescale(same, 2, [snapshot(ss!.id, 1, { resultSubpartitions: [{ gate: 0, channel: 1, items: [batch(4), watermark(9)] }] })]));
    assert.deepEqual(kept.get(`${sc!.id}/1`), ['4@40', String(new Watermark(9))]);
  });

  it('refuses a rescaled pointwise edge with in-flight data', () => {
    const graph = graphOf((s) => s.rescale(), 3);
    const [source] = graph.vertices;
    assert.throws(() => rescale(graph, 2, [snapshot(source!.id, 0, { resultSubpartitions: [{ gate: 0, channel: 0, items: [batch(1)] }] })]), /refused: the RESCALE edge .* holds in-flight data .*pointwise/);
  });
});
