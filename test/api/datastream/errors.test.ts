/*
 * Failures as a user meets them: a user function that throws fails the job with
 * FLINK_TS_USER_FUNCTION naming operator and subtask and keeping the original error as cause;
 * invalid keys name the operator; a failed job stops its other tasks and settles promptly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCodes,
  FlinkError,
  JobStatus,
  RichMapFunction,
  RichSinkFunction,
  StreamExecutionEnvironment,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type SourceContext,
} from 'flink-ts';
import { assertFlinkError, rejection, runJob } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

describe('failing user functions', () => {
  it('a map that throws on one record fails execute() naming operator, subtask and record', async () => {
    const boom = new Error('cannot parse "x"');
    const e = env();
    e.fromElements('1', '2', 'x', '4')
      .map((s) => {
        if (s === 'x') throw boom;
        return Number(s);
      })
      .name('Parse')
      .addSink(() => {});
    const error = assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_USER_FUNCTION, /'Parse'/, /subtask 1\/1/, /"x"/, /cannot parse/);
    assert.equal(error.cause, boom);
    assert.equal(error.context.operator, 'Parse');
    assert.equal(error.context.subtask, 0);
  });

  it('a throwing flatMap in a parallel job names the failing subtask and stops the others', async (t) => {
    const e = env(3);
    e.fromSequence(1, 30_000)
      .flatMap((n: number, out: Collector<number>) => {
        if (n === 25_000) throw new RangeError(`no ${n}`);
        out.collect(n);
      })
      .name('Explode')
      .addSink(() => {});
    const client = await runJob(t, e);
    const error = assertFlinkError(await rejection(client.getJobExecutionResult()), ErrorCodes.FLINK_TS_USER_FUNCTION, /'Explode'/, /subtask [123]\/3/, /no 25000/);
    assert.ok(error.cause instanceof RangeError);
    // The sequence's ranges are contiguous: 25000 is in the third of three.
    assert.match(error.message, /subtask 3\/3/);
    assert.equal(await client.getJobStatus(), JobStatus.FAILED);
  });

  it('a throwing sink fails the job naming the sink', async () => {
    const e = env();
    e.fromElements(1, 2, 3)
      .addSink((n: number) => {
        if (n === 2) throw new Error('disk full');
      })
      .name('Writer');
    assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_USER_FUNCTION, /Sink: Writer/, /disk full/);
  });

  it('an asynchronous sink whose promise rejects fails the job naming the sink', async () => {
    const e = env();
    e.fromElements(1, 2, 3)
      .addSink(async (n: number) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (n === 3) throw new Error('remote refused');
      })
      .name('Remote');
    const error = assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_USER_FUNCTION, /Sink: Remote/, /remote refused/);
    assert.equal((error.cause as Error).message, 'remote refused');
  });

  it('a throwing SourceFunction fails the job naming the source', async () => {
    const cause = new Error('connection lost');
    const e = env();
    e.addSource(
      {
        run(ctx: SourceContext<number>) {
          ctx.collect(1);
          throw cause;
        },
        cancel() {},
      },
      'Feed',
    ).addSink(() => {});
    const error = assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_USER_FUNCTION, /Source: Feed/, /connection lost/);
    assert.equal(error.cause, cause);
  });

  it('a throwing open() fails the job before any record, naming operator and phase', async () => {
    let invoked = 0;
    class Broken extends RichMapFunction<number, number> {
      override open(): void {
        throw new Error('no config');
      }
      map(n: number): number {
        invoked++;
        return n;
      }
    }
    const e = env(2);
    e.fromSequence(1, 100).map(new Broken()).name('Configured').addSink(() => {});
    assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_USER_FUNCTION, /'Configured'/, /opening/, /no config/);
    assert.equal(invoked, 0);
  });

  it('a throwing close() fails an otherwise successful job', async () => {
    class Leaky extends RichSinkFunction<number> {
      invoke(): void {}
      override close(): void {
        throw new Error('flush failed');
      }
    }
    const e = env();
    e.fromElements(1).addSink(new Leaky()).name('Leaky');
    assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_USER_FUNCTION, /Sink: Leaky/, /closing/, /flush failed/);
  });

  it('a throwing onTimer fails the job naming the timer', async () => {
    const out = env()
      .fromElements('a')
      .keyBy((s) => s)
      .process({
        processElement(_s: string, ctx: KeyedProcessFunctionContext<string>) {
          ctx.timerService().registerEventTimeTimer(10);
        },
        onTimer(_ts: number, _ctx: KeyedOnTimerContext<string>, _out: Collector<string>) {
          throw new Error('timer broke');
        },
      })
      .name('Timed')
      .executeAndCollect();
    assertFlinkError(await rejection(out), ErrorCodes.FLINK_TS_USER_FUNCTION, /'Timed'/, /event-time timer @ 10/, /timer broke/);
  });

  /** Records of which one has no key, keyed into an operator named 'Dedup'. */
  const undefinedKeyJob = () =>
    env(2)
      .fromElements({ id: 'a' }, { id: undefined }, { id: 'c' })
      .map((r) => r)
      .name('Parse')
      .keyBy((r) => r.id)
      .reduce((a) => a)
      .name('Dedup')
      .executeAndCollect();

  it('a key selector returning undefined fails the job, saying what the key was', async () => {
    const error = await rejection(undefinedKeyJob());
    assert.ok(FlinkError.isFlinkError(error), String(error));
    assert.ok(([ErrorCodes.FLINK_TS_INVALID_KEY, ErrorCodes.FLINK_TS_USER_FUNCTION] as string[]).includes(error.code), error.code);
    assert.match(error.message, /key selector returned undefined/);
  });

  it(
    'a key selector returning undefined is reported as an invalid key of the keyed operator and subtask',
    {},
    async () => {
      const error = assertFlinkError(await rejection(undefinedKeyJob()), ErrorCodes.FLINK_TS_INVALID_KEY, /undefined/);
      assert.match(error.message, /Dedup/);
      assert.match(error.message, /subtask \d\/2/);
    },
  );

  it('a key selector that throws fails the job naming the operator', async () => {
    const job = env()
      .fromElements('a', 'b')
      .keyBy((s) => {
        if (s === 'b') throw new Error('bad key');
        return s;
      })
      .process((s: string, _ctx: KeyedProcessFunctionContext<string>, out: Collector<string>) => out.collect(s))
      .name('Keyed')
      .executeAndCollect();
    const error = assertFlinkError(await rejection(job), ErrorCodes.FLINK_TS_USER_FUNCTION, /bad key/);
    assert.match(error.message, /Keyed/);
  });

  it('a failure stops an unbounded source: its cancel() and every close() are called', { timeout: 30_000 }, async (t) => {
    const calls: string[] = [];
    let stop = (): void => {};
    const e = env();
    e.addSource({
      async run(ctx: SourceContext<number>) {
        // More than a batch, so that the failing record travels without waiting for a flush.
        for (let i = 0; i < 5000; i++) await ctx.collectAsync(i);
        // Unbounded: waits until cancelled.
        await new Promise<void>((resolve) => (stop = resolve));
      },
      cancel() {
        calls.push('source cancel');
        stop();
      },
      close() {
        calls.push('source close');
      },
    })
      .map(
        new (class extends RichMapFunction<number, number> {
          map(n: number): number {
            if (n === 40) throw new Error('bad record');
            return n;
          }
          override close(): void {
            calls.push('map close');
          }
        })(),
      )
      .disableChaining()
      .addSink({ invoke() {}, close: () => void calls.push('sink close') });
    const client = await runJob(t, e);
    assertFlinkError(await rejection(client.getJobExecutionResult()), ErrorCodes.FLINK_TS_USER_FUNCTION, /bad record/);
    assert.deepEqual(calls.sort(), ['map close', 'sink close', 'source cancel', 'source close']);
    assert.equal(await client.getJobStatus(), JobStatus.FAILED);
  });
});
