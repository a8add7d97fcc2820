/*
 * Tests of BufferDebloater: the batch size that lets a gate's queued data be consumed in the
 * target time, its moving average (bounded growth), the minimum and maximum, the threshold below
 * which a change is not announced, and the estimated time to consume what is queued.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BufferDebloater, DEFAULT_BUFFER_DEBLOAT_CONFIGURATION, minDebloatedBatchSize, type BufferDebloatConfiguration } from '../../../src/runtime/io/buffer-debloater.ts';
import { LocalChannel } from '../../../src/runtime/io/local-channel.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';

function config(overrides: Partial<BufferDebloatConfiguration> = {}): BufferDebloatConfiguration {
  return { ...DEFAULT_BUFFER_DEBLOAT_CONFIGURATION, enabled: true, ...overrides };
}

/** `n` channels of capacity 10, each holding `batches` batches of `records` records. */
function queued(n: number, batches: number, records: number): LocalChannel[] {
  return Array.from({ length: n }, (_, i) => {
    const c = new LocalChannel(10, i, 0);
    for (let b = 0; b < batches; b++) c.push(new RecordBatch(new Array<number>(records).fill(b)));
    return c;
  });
}

describe('BufferDebloater', () => {
  it('sizes batches so that the queued batches take the target time at the measured throughput', () => {
    const channels = queued(2, 10, 512);
    const d = new BufferDebloater(channels, 512, config({ samples: 1, targetMs: 1000 }));
    // 2,000 records/s for 1 s spread over the 20 queued batches: 100 records each.
    assert.equal(d.recalculate(2000), 100);
    assert.equal(d.debloatedBufferSize, 100);
    for (const c of channels) assert.equal(c.announcedBatchSize, 100);
    // What is queued now (20 × 512 records) takes 5.12 s at 2,000 records/s.
    assert.equal(d.estimatedTimeToConsumeBuffersMs, 5120);
    assert.equal(d.announcements, 1);
  });

  it('keeps the full batch size for a consumer fast enough to take it in the target time', () => {
    const channels = queued(1, 10, 512);
    const d = new BufferDebloater(channels, 512, config({ samples: 1 }));
    assert.equal(d.recalculate(10_000_000), null, 'nothing to announce');
    assert.equal(d.debloatedBufferSize, 512);
    assert.equal(channels[0]!.announcedBatchSize, Number.POSITIVE_INFINITY);
    assert.ok(d.estimatedTimeToConsumeBuffersMs < 1);
  });

  it('moves as a moving average over the samples and grows at most twofold per period', () => {
    const channels = queued(1, 10, 512);
    const d = new BufferDebloater(channels, 512, config({ samples: 3, thresholdPercentages: 0 }));
    // alpha = 2 / (3 + 1): half way to the instant size (1,000 records/s × 1 s / 10 batches = 100) each period.
    assert.equal(d.recalculate(1000), 306);
    const sizes = [d.debloatedBufferSize];
    for (let i = 0; i < 6; i++) sizes.push(d.recalculate(1000) ?? d.debloatedBufferSize);
    for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! <= sizes[i - 1]!, `${sizes.join(' ')}`);
    assert.ok(Math.abs(sizes.at(-1)! - 100) <= 5, `${sizes.join(' ')}`);
    // A much faster consumer: the instant size is capped at twice the average, so it grows gradually.
    const before = d.debloatedBufferSize;
    const grown = d.recalculate(1_000_000)!;
    assert.ok(grown > before && grown <= Math.round(before + 0.5 * before) + 1, `${before} -> ${grown}`);
  });

  it('stays between the minimum and the configured batch size', () => {
    assert.equal(minDebloatedBatchSize(512), 4);
    assert.equal(minDebloatedBatchSize(16), 1);
    const channels = queued(1, 10, 512);
    const d = new BufferDebloater(channels, 512, config({ samples: 1 }));
    assert.equal(d.recalculate(0), 4);
    assert.equal(d.estimatedTimeToConsumeBuffersMs, Number.POSITIVE_INFINITY, 'nothing consumed, data queued');
    assert.equal(d.recalculate(1e12), 8, 'at most twice the previous size');
  });

  it('does not announce a change smaller than the threshold, unless it reaches a bound', () => {
    const channels = queued(1, 10, 100);
    const d = new BufferDebloater(channels, 512, config({ samples: 1, thresholdPercentages: 25 }));
    assert.equal(d.recalculate(2000), 200);
    assert.equal(d.recalculate(2300), null, '230 is within 25% of 200');
    assert.equal(d.debloatedBufferSize, 200);
    assert.equal(d.recalculate(2600), 260);
    assert.equal(d.recalculate(1e9), 512, 'the maximum is always announced');
  });
});
