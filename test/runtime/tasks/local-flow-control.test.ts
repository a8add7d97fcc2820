/*
 * Tests of local flow control: the options resolved from Flink's keys, the credit of in-thread
 * channels (buffer keys, or the detector's default queue size in records), buffer debloating in
 * running jobs (a slow consumer gets smaller batches, a fast one keeps full ones, results are
 * unchanged) and the network figures of getMetrics().
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from 'flink-ts';
import { Configuration } from '../../../src/configuration/configuration.ts';
import { LocalFlowControl, localChannelCapacity, localFlowControlOptions } from '../../../src/runtime/tasks/local-flow-control.ts';

function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

const DEBLOAT = {
  'taskmanager.network.memory.buffer-debloat.enabled': true,
  'taskmanager.network.memory.buffer-debloat.target': '100 ms',
  'taskmanager.network.memory.buffer-debloat.period': '50 ms',
  'taskmanager.network.memory.buffer-debloat.samples': 2,
};

describe('local flow control options', () => {
  it('defaults: the detector on (0.8, 10 ms, 1 s), debloating off (1 s target, 200 ms period, 20 samples, 25%)', () => {
    const options = localFlowControlOptions(new Configuration());
    assert.deepEqual(options.backPressure, { enabled: true, backPressureThreshold: 0.8, baseThrottleDelayMs: 10, maxThrottleDelayMs: 1000 });
    assert.deepEqual(options.bufferDebloat, { enabled: false, targetMs: 1000, periodMs: 200, samples: 20, thresholdPercentages: 25 });
  });

  it('reads every key', () => {
    const options = localFlowControlOptions(
      Configuration.fromObject({
        'taskmanager.network.local-back-pressure.enabled': false,
        'taskmanager.network.local-back-pressure.threshold': 0.5,
        'taskmanager.network.local-back-pressure.base-throttle-delay': '5 ms',
        'taskmanager.network.local-back-pressure.max-throttle-delay': '2 s',
        'taskmanager.network.local-back-pressure.default-max-queue-size': 1000,
        ...DEBLOAT,
        'taskmanager.network.memory.buffer-debloat.threshold-percentages': 10,
      }),
    );
    assert.deepEqual(options.backPressure, { enabled: false, backPressureThreshold: 0.5, baseThrottleDelayMs: 5, maxThrottleDelayMs: 2000, defaultMaxQueueSize: 1000 });
    assert.deepEqual(options.bufferDebloat, { enabled: true, targetMs: 100, periodMs: 50, samples: 2, thresholdPercentages: 10 });
    assert.throws(() => Configuration.fromObject({ 'taskmanager.network.local-back-pressure.threshold': 1.5 }), /between 0 and 1/);
  });

  it('gives channels Flink\'s buffers, or the default queue size in records when no buffer key is set', () => {
    assert.equal(localChannelCapacity(new Configuration(), 512), 10);
    const queue = { 'taskmanager.network.local-back-pressure.default-max-queue-size': 1000 };
    assert.equal(localChannelCapacity(Configuration.fromObject(queue), 512), 2);
    assert.equal(localChannelCapacity(Configuration.fromObject(queue), 100), 10);
    assert.equal(localChannelCapacity(Configuration.fromObject({ 'taskmanager.network.local-back-pressure.default-max-queue-size': 1 }), 512), 1);
    assert.equal(localChannelCapacity(Configuration.fromObject({ ...queue, 'taskmanager.network.memory.buffers-per-channel': 4 }), 512), 12, 'the buffer keys win');
    assert.equal(localChannelCapacity(Configuration.fromObject({ ...queue, 'taskmanager.network.memory.floating-buffers-per-gate': 0 }), 512), 2);
  });

  it('creates neither part when both are disabled', () => {
    const control = new LocalFlowControl({
      backPressure: { enabled: false, backPressureThreshold: 0.8, baseThrottleDelayMs: 10, maxThrottleDelayMs: 1000 },
    });
    assert.equal(control.detector, null);
    assert.equal(control.getBackPressure(), null);
    assert.deepEqual(control.vertexNetworkMetrics([]), { numBytesIn: 0, numBytesOut: 0, debloatedBufferSize: null, estimatedTimeToConsumeBuffersMs: null });
  });
});

describe('buffer debloating in a job', () => {
  /** Runs source -> rebalance -> sink, reading the sink's figures after `afterMs`; resolves with them and the sink's sum. */
  async function run(records: number, sinkMicros: number, afterMs: number, config: Record<string, unknown>) {
    const e = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1, ...config });
    let count = 0;
    let sum = 0;
    e.fromSequence(1, records)
      .rebalance()
      .addSink((v: number) => {
        if (sinkMicros > 0) spin(sinkMicros);
        count++;
        sum += v;
      });
    const client = await e.executeAsync();
    await new Promise((r) => setTimeout(r, afterMs));
    const metrics = await client.getMetrics();
    await client.getJobExecutionResult();
    assert.equal(count, records);
    assert.equal(sum, (records * (records + 1)) / 2);
    return { sink: metrics['Sink: Unnamed']!, source: metrics['Source: Sequence Source']! };
  }

  it('gives a slow consumer smaller batches, so that what is queued takes about the target time', { timeout: 60_000 }, async () => {
    // The sink takes 100 µs a record: 10,000 records/s, 1,000 in the 100 ms target over 10 batches of credit.
    const { sink } = await run(20_000, 100, 1200, DEBLOAT);
    assert.ok(sink.debloatedBufferSize! < 256, `batch size ${sink.debloatedBufferSize}`);
    assert.ok(sink.debloatedBufferSize! >= 4);
    assert.ok(sink.estimatedTimeToConsumeBuffersMs! < 250, `time to consume ${sink.estimatedTimeToConsumeBuffersMs} ms`);
    assert.ok(sink.inPoolUsage > 0.8, `inPoolUsage ${sink.inPoolUsage}`);
  });

  it('keeps full batches for a fast consumer', { timeout: 60_000 }, async () => {
    const { sink } = await run(3_000_000, 0, 300, DEBLOAT);
    assert.equal(sink.debloatedBufferSize, 512);
  });

  it('reports no debloating figures when it is off', { timeout: 60_000 }, async () => {
    const { sink } = await run(20_000, 100, 600, {});
    assert.equal(sink.debloatedBufferSize, null);
    assert.equal(sink.estimatedTimeToConsumeBuffersMs, null);
  });
});

describe('network figures in getMetrics()', () => {
  it('reports bytes of in-thread channels as not measured, 0 where there are no channels, and the pool usages', { timeout: 30_000 }, async () => {
    const e = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    e.fromSequence(1, 10_000)
      .rebalance()
      .addSink(() => {});
    const client = await e.executeAsync();
    await client.getJobExecutionResult();
    const metrics = await client.getMetrics();
    const source = metrics['Source: Sequence Source']!;
    const sink = metrics['Sink: Unnamed']!;
    assert.equal(source.numBytesIn, 0, 'a source reads no channel');
    assert.equal(source.numBytesOut, null, 'in-thread channels serialize nothing');
    assert.equal(sink.numBytesIn, null);
    assert.equal(sink.numBytesOut, 0, 'a sink writes no channel');
    for (const v of [source.inPoolUsage, source.outPoolUsage, sink.inPoolUsage, sink.outPoolUsage]) assert.ok(v >= 0 && v <= 1);
  });
});
