/*
 * Tests of TimestampsAndWatermarksOperator, after Flink's TimestampsAndWatermarksOperatorTest:
 * timestamps from the assigner, periodic watermarks on the processing-time service, punctuated
 * ones on events, upstream watermarks dropped except the final one, idleness, and the last
 * periodic emit at finish().
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_TIMESTAMP, Watermark } from '../../../src/api/common/watermark.ts';
import { WatermarkStrategy } from '../../../src/api/eventtime/watermark-strategy.ts';
import { WatermarkStatus } from '../../../src/runtime/io/stream-events.ts';
import { TimestampsAndWatermarksOperator } from '../../../src/runtime/operators/timestamps-and-watermarks-operator.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

const MAX = Watermark.MAX_WATERMARK.timestamp;

/** The idleness clock follows the harness's processing time. */
async function harness<T>(strategy: WatermarkStrategy<T>, intervalMs = 50): Promise<OneInputOperatorTestHarness<T, T>> {
  const clock = { relativeTimeMillis: () => h.processingTimeService.getCurrentProcessingTime() };
  const h: OneInputOperatorTestHarness<T, T> = new OneInputOperatorTestHarness<T, T>(new TimestampsAndWatermarksOperator<T>(strategy, intervalMs, clock));
  await h.open();
  return h;
}

/** Watermarks and statuses in the order they were emitted. */
function trail(h: OneInputOperatorTestHarness<unknown, unknown>): string[] {
  return h.output.events.map((e) => (e instanceof Watermark ? `W${e.timestamp}` : `${String(e.value)}@${e.timestamp}`));
}

describe('TimestampsAndWatermarksOperator', () => {
  it('assigns timestamps and emits periodic watermarks only when they rise', async () => {
    const h = await harness(WatermarkStrategy.forBoundedOutOfOrderness<number>(5).withTimestampAssigner((v) => v * 10));
    h.processElement(1, 999);
    h.processElement(3);
    h.setProcessingTime(49);
    assert.deepEqual(trail(h), ['1@10', '3@30']);
    h.setProcessingTime(50);
    h.processElement(2);
    h.setProcessingTime(100);
    h.setProcessingTime(150);
    assert.deepEqual(trail(h), ['1@10', '3@30', 'W24', '2@20']);
    assert.equal(h.processingTimeService.numPendingTimers, 1);
  });

  it('passes the record timestamp to the assigner; without an assigner records keep it', async () => {
    const h = await harness(WatermarkStrategy.forMonotonousTimestamps<string>().withTimestampAssigner((_v, ts) => ts + 1));
    h.processElement('a', 41);
    assert.deepEqual(h.getOutput(), [{ value: 'a', timestamp: 42 }]);
    const plain = await harness(WatermarkStrategy.forMonotonousTimestamps<string>());
    plain.processElement('b', 7);
    plain.processElement('c');
    assert.deepEqual(plain.getOutput(), [
      { value: 'b', timestamp: 7 },
      { value: 'c', timestamp: NO_TIMESTAMP },
    ]);
  });

  it('punctuated generators emit right after the record that carries the mark', async () => {
    const h = await harness(
      WatermarkStrategy.forGenerator<{ t: number; mark?: boolean }>(() => ({
        onEvent: (e, ts, out) => {
          if (e.mark === true) out.emitWatermark(new Watermark(ts));
        },
        onPeriodicEmit: () => {},
      })).withTimestampAssigner((e) => e.t),
    );
    h.processElement({ t: 5 });
    h.processElement({ t: 9, mark: true });
    h.processElement({ t: 7, mark: true });
    assert.deepEqual(h.getWatermarks(), [9]);
    assert.deepEqual(
      h.output.events.map((e) => (e instanceof Watermark ? 'W' : 'r')),
      ['r', 'r', 'W', 'r'],
    );
  });

  it('drops upstream watermarks and statuses, but forwards the final watermark', async () => {
    const h = await harness(WatermarkStrategy.forMonotonousTimestamps<number>());
    h.processWatermark(100);
    h.operator.processWatermarkStatus(WatermarkStatus.IDLE);
    assert.deepEqual(h.getWatermarks(), []);
    assert.deepEqual(h.output.statuses, []);
    h.processWatermark(MAX);
    assert.deepEqual(h.getWatermarks(), [MAX]);
  });

  it('with idleness: marks the output idle after the timeout without events, active again with the next event', async () => {
    const h = await harness(WatermarkStrategy.forMonotonousTimestamps<number>().withIdleness(25).withTimestampAssigner((v) => v), 10);
    h.processElement(5);
    h.setProcessingTime(10);
    assert.deepEqual(h.getWatermarks(), [4]);
    // Countdown from the first quiet emit (20); idle at the first emit more than 25 ms later (50).
    for (const t of [20, 30, 40]) h.setProcessingTime(t);
    assert.deepEqual(h.output.statuses, []);
    h.setProcessingTime(50);
    assert.deepEqual(h.output.statuses, [WatermarkStatus.IDLE]);
    h.setProcessingTime(60);
    assert.deepEqual(h.output.statuses, [WatermarkStatus.IDLE], 'marked once');
    h.processElement(8);
    assert.deepEqual(h.output.statuses, [WatermarkStatus.IDLE, WatermarkStatus.ACTIVE], 'active before the record goes out');
    h.setProcessingTime(70);
    assert.deepEqual(h.getWatermarks(), [4, 7]);
  });

  it('the final watermark ends idleness first', async () => {
    const idle = await harness(WatermarkStrategy.forGenerator<number>(() => ({ onEvent: () => {}, onPeriodicEmit: (o) => o.markIdle() })), 10);
    idle.setProcessingTime(10);
    assert.deepEqual(idle.output.statuses, [WatermarkStatus.IDLE]);
    idle.processWatermark(MAX);
    assert.deepEqual(idle.output.statuses, [WatermarkStatus.IDLE, WatermarkStatus.ACTIVE]);
    assert.deepEqual(idle.getWatermarks(), [MAX]);
  });

  it('finish() gives the generator a last periodic emit and stops the timer', async () => {
    const h = await harness(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => v));
    h.processElement(10);
    await h.finish();
    assert.deepEqual(h.getWatermarks(), [9]);
    assert.equal(h.processingTimeService.numPendingTimers, 0);
    await h.close();
  });

  it('noWatermarks: timestamps only, no periodic timer', async () => {
    const h = await harness(WatermarkStrategy.noWatermarks<number>().withTimestampAssigner((v) => v));
    h.processElement(3);
    assert.equal(h.processingTimeService.numPendingTimers, 0);
    assert.deepEqual(h.getOutput(), [{ value: 3, timestamp: 3 }]);
  });

  it('a failing assigner fails with an error naming the operator and the record', async () => {
    const h = await harness(
      WatermarkStrategy.forMonotonousTimestamps<{ id: number }>().withTimestampAssigner(() => {
        throw new Error('no timestamp');
      }),
    );
    const error = (() => {
      try {
        h.processElement({ id: 7 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(FlinkError.isFlinkError(error));
    assert.equal(error.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
    assert.match(error.message, /test-operator/);
    assert.match(error.message, /"id":7/);
    assert.equal((error.cause as Error).message, 'no timestamp');
  });
});
