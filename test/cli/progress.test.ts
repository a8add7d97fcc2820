/*
 * Tests of the CLI's progress and summary rendering: the figures taken from vertex metrics and
 * the wording of the live line and the summary line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { VertexMetrics } from 'flink-ts';
import { formatClock, formatCount, formatDuration, formatProgressLine, formatSummaryLine, recordFigures } from '../../src/cli/progress.ts';

function vertex(numRecordsIn: number, numRecordsSend: number, numRecordsInPerSecond: number, numRecordsSendPerSecond: number): VertexMetrics {
  return {
    vertexId: 0,
    parallelism: 1,
    numRecordsIn,
    numRecordsOut: 0,
    numRecordsSend,
    numRecordsInPerSecond,
    numRecordsOutPerSecond: 0,
    numRecordsSendPerSecond,
    inPoolUsage: 0,
    outPoolUsage: 0,
    numBytesIn: null,
    numBytesOut: null,
    debloatedBufferSize: null,
    estimatedTimeToConsumeBuffersMs: null,
    busyTimeMsPerSecond: 0,
    idleTimeMsPerSecond: 1000,
    backPressuredTimeMsPerSecond: 0,
    backPressureRatio: 0,
    backPressureLevel: 'ok',
    subtasks: [],
    userMetrics: {},
    stateMetrics: {},
  };
}

describe('recordFigures', () => {
  it('counts what sources emit as in and what sinks take as out', () => {
    const figures = recordFigures({
      'Source: Orders -> Filter': vertex(900, 0, 90, 0),
      'Source: Refunds': vertex(100, 0, 10, 0),
      'Keyed Reduce': vertex(1000, 0, 100, 0),
      'Map -> Sink: Print to Std. Out': vertex(600, 600, 60, 60),
      'Sink: Audit': vertex(400, 400, 40, 40),
    });
    assert.deepEqual(figures, { recordsIn: 1000, recordsOut: 1000, recordsInPerSecond: 100, recordsOutPerSecond: 100 });
  });

  it('counts a job chained into one vertex', () => {
    const figures = recordFigures({ 'Source: Numbers -> Map -> Sink: Writer': vertex(50, 25, 5, 2.5) });
    assert.deepEqual(figures, { recordsIn: 50, recordsOut: 25, recordsInPerSecond: 5, recordsOutPerSecond: 2.5 });
  });

  it('is all zero for a job without metrics', () => {
    assert.deepEqual(recordFigures({}), { recordsIn: 0, recordsOut: 0, recordsInPerSecond: 0, recordsOutPerSecond: 0 });
  });
});

describe('formatting', () => {
  it('formats durations for the summary', () => {
    assert.equal(formatDuration(0), '0.00 s');
    assert.equal(formatDuration(1234), '1.23 s');
    assert.equal(formatDuration(12_345), '12.3 s');
    assert.equal(formatDuration(75_000), '1m 15s');
    assert.equal(formatDuration(3_725_000), '1h 02m 05s');
    assert.equal(formatDuration(-5), '0.00 s');
  });

  it('formats elapsed time as a clock', () => {
    assert.equal(formatClock(999), '00:00');
    assert.equal(formatClock(7_500), '00:07');
    assert.equal(formatClock(754_000), '12:34');
    assert.equal(formatClock(3_723_000), '1:02:03');
  });

  it('formats counts with a metric suffix from ten thousand on', () => {
    assert.equal(formatCount(0), '0');
    assert.equal(formatCount(9999), '9999');
    assert.equal(formatCount(12_345), '12.3K');
    assert.equal(formatCount(123_456), '123K');
    assert.equal(formatCount(2_500_000), '2.50M');
    assert.equal(formatCount(3_000_000_000), '3.00G');
    assert.equal(formatCount(1234.6), '1235');
  });

  it('renders the live line with job name, clock, rates and totals', () => {
    const line = formatProgressLine('Order Aggregation', 65_000, { recordsIn: 1_234_567, recordsOut: 1_200_000, recordsInPerSecond: 250_400, recordsOutPerSecond: 9_500 });
    assert.equal(line, 'Order Aggregation  01:05  in 250K/s  out 9500/s  total in 1.23M  out 1.20M');
  });

  it('cuts the live line to the terminal width so it never wraps', () => {
    const line = formatProgressLine('A Job With A Rather Long Name', 1000, { recordsIn: 1, recordsOut: 1, recordsInPerSecond: 1, recordsOutPerSecond: 1 }, 30);
    assert.equal(line.length, 29);
    assert.ok(line.startsWith('A Job With A Rather Long Name'.slice(0, 28)));
    assert.ok(line.endsWith('…'));
    assert.equal(formatProgressLine('J', 0, { recordsIn: 0, recordsOut: 0, recordsInPerSecond: 0, recordsOutPerSecond: 0 }, 200), 'J  00:00  in 0/s  out 0/s  total in 0  out 0');
  });

  it('renders the summary line with exact record counts', () => {
    const line = formatSummaryLine({
      jobName: 'Word Count',
      jobId: 'a'.repeat(32),
      status: 'FINISHED',
      runtimeMs: 1240,
      figures: { recordsIn: 123_456, recordsOut: 310, recordsInPerSecond: 0, recordsOutPerSecond: 0 },
    });
    assert.equal(line, `Job 'Word Count' (${'a'.repeat(32)}) FINISHED in 1.24 s: 123456 records in, 310 records out`);
  });
});
