/*
 * Tests of the LocalBackPressureDetector in running jobs: a fast source before a slow sink shows
 * the sink's queue over the threshold, level high and a growing throttle delay, its intake comes in
 * fewer polls than without the detector, and the job still ends with every record; a balanced job
 * stays ok and unthrottled; a source function waiting with collectAsync is throttled too; the
 * detector can be disabled.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment, type SourceContext } from 'flink-ts';
import type { BackPressureStatistics, OperatorBackPressure } from '../../../src/runtime/tasks/local-back-pressure-detector.ts';
import { queueLevelOf } from '../../../src/runtime/tasks/local-back-pressure-detector.ts';

function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

function env(config: Record<string, unknown> = {}): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1, ...config });
}

function operator(stats: BackPressureStatistics, vertex: string): OperatorBackPressure {
  const found = stats.operators.find((o) => o.vertex === vertex);
  assert.ok(found !== undefined, `no operator ${vertex} in ${stats.operators.map((o) => o.vertex).join(', ')}`);
  return found;
}

/** Runs the job, sampling the detector every `everyMs` while it runs; resolves with the samples. */
async function runSampling(e: StreamExecutionEnvironment, everyMs: number): Promise<BackPressureStatistics[]> {
  const client = await e.executeAsync();
  const samples: BackPressureStatistics[] = [];
  const timer = setInterval(() => {
    const stats = client.getBackPressure();
    if (stats !== null) samples.push(stats);
  }, everyMs);
  try {
    await client.getJobExecutionResult();
  } finally {
    clearInterval(timer);
  }
  return samples;
}

describe('LocalBackPressureDetector', () => {
  it('levels of queue utilization: high over the threshold, low over 0.10', () => {
    assert.equal(queueLevelOf(0.1, 0.8), 'ok');
    assert.equal(queueLevelOf(0.5, 0.8), 'low');
    assert.equal(queueLevelOf(0.8, 0.8), 'low');
    assert.equal(queueLevelOf(0.81, 0.8), 'high');
  });

  it('finds a slow sink behind a fast source: queue over the threshold, level high, a growing throttle delay, all records delivered', { timeout: 60_000 }, async () => {
    const e = env({ 'taskmanager.network.local-back-pressure.max-throttle-delay': '10 s' });
    const n = 60_000;
    let count = 0;
    let sum = 0;
    e.fromSequence(1, n)
      .rebalance()
      .addSink((v: number) => {
        spin(20);
        count++;
        sum += v;
      });
    const samples = await runSampling(e, 50);
    assert.equal(count, n);
    assert.equal(sum, (n * (n + 1)) / 2);
    // Skip the first samples (warm-up) and the last ones (the end of input relieves the pressure).
    const running = samples.slice(3, -3);
    assert.ok(running.length >= 5, `only ${running.length} samples`);
    for (const stats of running) {
      const sink = operator(stats, 'Sink: Unnamed');
      assert.ok(sink.queueUtilization! > stats.threshold, `sink queue ${sink.queueUtilization}`);
      assert.equal(sink.level, 'high');
      assert.equal(stats.level, 'high');
      const source = operator(stats, 'Source: Sequence Source');
      assert.equal(source.queueUtilization, null, 'a source has no input queue');
      assert.ok(source.outputUtilization! > stats.threshold);
      assert.ok(source.backPressuredTimeMsPerSecond > 500, `source back-pressured ${source.backPressuredTimeMsPerSecond}`);
    }
    // The delay doubles from 10 ms with every poll that ends over the threshold (a poll cut short,
    // as at the end of input, resets it).
    const delays = samples.map((s) => operator(s, 'Source: Sequence Source').throttle!.delayMs);
    const peak = delays.indexOf(Math.max(...delays));
    let from = peak;
    while (from > 0 && delays[from - 1]! > 0 && delays[from - 1]! < delays[from]!) from--;
    assert.ok(delays[peak]! >= 160 && peak - from >= 2, `the delay grew over at least three samples up to 160 ms or more: ${delays.join(' ')}`);
    const throttle = operator(samples.at(-1)!, 'Source: Sequence Source').throttle!;
    assert.ok(throttle.holds > 0 && throttle.polls >= throttle.holds);
  });

  it('makes the throttled source take its input in fewer, fuller polls', { timeout: 60_000 }, async () => {
    /** Source polls: emissions more than 2 ms apart (the slow sink ran in between). */
    async function polls(enabled: boolean): Promise<number> {
      const e = env({ 'taskmanager.network.local-back-pressure.enabled': enabled, 'taskmanager.network.local-back-pressure.threshold': 0.5 });
      let last = 0;
      let bursts = 0;
      let count = 0;
      e.fromSequence(1, 512 * 120)
        .map((v: number) => {
          const now = performance.now();
          if (now - last > 2) bursts++;
          last = now;
          return v;
        })
        .rebalance()
        .addSink(() => {
          spin(5);
          count++;
        });
      await e.execute();
      assert.equal(count, 512 * 120);
      return bursts;
    }
    const free = await polls(false);
    const throttled = await polls(true);
    // Without the throttle the source refills what each step of the sink took (4 batches); with a
    // threshold of 0.5 it waits until the sink took at least half of its 10 batches of credit.
    assert.ok(throttled < free * 0.75, `throttled ${throttled} polls, free ${free}`);
  });

  it('keeps a balanced job ok and unthrottled', { timeout: 60_000 }, async () => {
    const e = env();
    e.fromSequence(1, Number.MAX_SAFE_INTEGER)
      .map((v: number) => {
        spin(20);
        return v;
      })
      .rebalance()
      .addSink(() => {});
    const client = await e.executeAsync();
    try {
      await new Promise((r) => setTimeout(r, 1200));
      const stats = client.getBackPressure()!;
      assert.equal(stats.level, 'ok', JSON.stringify(stats));
      const source = operator(stats, 'Source: Sequence Source -> Map');
      assert.equal(source.throttle!.delayMs, 0);
      assert.equal(source.throttle!.holds, 0);
      assert.ok(source.throttle!.polls > 0);
      assert.ok(operator(stats, 'Sink: Unnamed').queueUtilization! <= 0.1);
    } finally {
      await client.cancel();
    }
  });

  it('throttles a source function that emits with collectAsync', { timeout: 60_000 }, async () => {
    const e = env();
    const n = 40_000;
    let count = 0;
    e.addSource({
      async run(ctx: SourceContext<number>) {
        for (let i = 0; i < n; i++) await ctx.collectAsync(i);
      },
      cancel() {},
    })
      .rebalance()
      .addSink(() => {
        spin(20);
        count++;
      });
    const samples = await runSampling(e, 100);
    assert.equal(count, n);
    const middle = samples[Math.floor(samples.length / 2)]!;
    assert.equal(middle.level, 'high');
    const throttle = operator(middle, 'Source: Custom Source').throttle!;
    assert.ok(throttle.holds > 0 && throttle.delayMs > 0, JSON.stringify(throttle));
  });

  it('can be disabled', { timeout: 30_000 }, async () => {
    const e = env({ 'taskmanager.network.local-back-pressure.enabled': false });
    let count = 0;
    e.fromSequence(1, 5000)
      .rebalance()
      .addSink(() => {
        count++;
      });
    const client = await e.executeAsync();
    assert.equal(client.getBackPressure(), null);
    await client.getJobExecutionResult();
    assert.equal(count, 5000);
  });
});
