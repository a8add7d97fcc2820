/*
 * StreamExecutionEnvironment: configuration with Flink's keys (unknown keys and wrong types are
 * rejected naming the key), pipelines that cannot run (rejected at build or submit time with
 * FLINK_TS_INVALID_PIPELINE), job names, results and job listeners.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCodes,
  JobExecutionResult,
  KeyedProcessFunction,
  OutputTag,
  ProcessFunction,
  StreamExecutionEnvironment,
  type Collector,
  type JobClient,
  type KeyedProcessFunctionContext,
  type ProcessFunctionContext,
} from 'flink-ts';
import { assertFlinkError, rejection, thrown } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

describe('configuration', () => {
  it("takes Flink's keys: parallelism.default sets the parallelism of every operator", () => {
    const e = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 3, 'pipeline.max-parallelism': 12 });
    assert.equal(e.getParallelism(), 3);
    assert.equal(e.getMaxParallelism(), 12);
    e.fromSequence(1, 10).map((x) => x).disableChaining().addSink(() => {});
    assert.deepEqual(
      e.getJobGraph().vertices.map((v) => [v.parallelism, v.maxParallelism]),
      [
        [3, 12],
        [3, 12],
        [3, 12],
      ],
    );
  });

  it('rejects an unknown key, naming it', () => {
    const error = assertFlinkError(
      thrown(() => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.defualt': 2 })),
      ErrorCodes.FLINK_TS_CONFIGURATION,
      /parallelism\.defualt/,
    );
    assert.match(error.message, /getExecutionEnvironment/);
  });

  for (const [key, value] of [
    ['parallelism.default', 'four'],
    ['parallelism.default', 0],
    ['pipeline.operator-chaining.enabled', 'maybe'],
    ['pipeline.max-parallelism', 1.5],
  ] as const) {
    it(`rejects ${JSON.stringify(value)} for '${key}', naming the key`, () => {
      assertFlinkError(
        thrown(() => StreamExecutionEnvironment.getExecutionEnvironment({ [key]: value })),
        ErrorCodes.FLINK_TS_CONFIGURATION,
        new RegExp(key.replaceAll('.', '\\.')),
      );
    });
  }

  it('rejects a parallelism that is not a positive integer', () => {
    for (const p of [0, -1, 2.5]) assertFlinkError(thrown(() => env().setParallelism(p)), ErrorCodes.FLINK_TS_INVALID_PIPELINE);
    assertFlinkError(
      thrown(() => env().fromSequence(1, 2).map((x) => x).setParallelism(0)),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /'Map'/,
    );
  });
});

describe('invalid pipelines', () => {
  it('an operator parallelism above its max parallelism is rejected when set', () => {
    const mapped = env().fromSequence(1, 10).map((x) => x).name('Wide').setMaxParallelism(4);
    assertFlinkError(
      thrown(() => mapped.setParallelism(8)),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /'Wide'/,
      /maximum parallelism/,
    );
  });

  it('an operator parallelism above its max parallelism set later is rejected at submit', async () => {
    const e = env();
    e.fromSequence(1, 10).map((x) => x).name('Wide').setParallelism(8).setMaxParallelism(4).addSink(() => {});
    assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /'Wide'/, /\(8\)/, /\(4\)/);
  });

  it('a default parallelism above the max parallelism of the environment is rejected at submit', async () => {
    const e = env().setMaxParallelism(4).setParallelism(8);
    e.fromSequence(1, 10).addSink(() => {});
    assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /Sequence Source/, /maximum parallelism \(4\)/);
  });

  it('forward partitioning between different parallelisms is rejected at submit, naming both operators', async () => {
    const e = env(2);
    e.fromSequence(1, 10).map((x) => x).name('Up').forward().map((x) => x).name('Down').setParallelism(3).addSink(() => {});
    assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /Forward partitioning/, /'Up'/, /'Down'/);
  });

  it('getSideOutput on a map is rejected: only process functions emit side outputs', () => {
    const mapped = env().fromElements(1).map((x) => x).name('Plain');
    assertFlinkError(
      thrown(() => mapped.getSideOutput(new OutputTag<number>('extra'))),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /'Plain'/,
      /extra/,
    );
  });

  it('a KeyedProcessFunction on a non-keyed stream is rejected', () => {
    class Keyed extends KeyedProcessFunction<string, number, number> {
      processElement(_v: number, _ctx: KeyedProcessFunctionContext<string>, _out: Collector<number>): void {}
    }
    assertFlinkError(
      thrown(() => env().fromElements(1).process(new Keyed())),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /KeyedProcessFunction/,
      /keyBy/,
    );
  });

  it('a ProcessFunction on a keyed stream is rejected', () => {
    class Plain extends ProcessFunction<number, number> {
      processElement(_v: number, _ctx: ProcessFunctionContext, _out: Collector<number>): void {}
    }
    assertFlinkError(
      thrown(() =>
        env()
          .fromElements(1)
          .keyBy((x) => x)
          .process(new Plain()),
      ),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /KeyedProcessFunction/,
    );
  });

  it('a job without sinks is rejected at submit', async () => {
    const e = env();
    e.fromElements(1).map((x) => x);
    assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /no sink/);
  });

  it('a job without any operator is rejected at submit', async () => {
    assertFlinkError(await rejection(env().execute()), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /No operators/);
  });

  it('a pipeline runs once: execute() consumes it', async () => {
    const e = env();
    const seen: number[] = [];
    e.fromElements(1).addSink((x: number) => void seen.push(x));
    await e.execute();
    assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /No operators/);
    assert.deepEqual(seen, [1]);
  });

  it('a job listener hears of a rejected submission', async () => {
    const heard: unknown[] = [];
    const e = env().registerJobListener({ onJobSubmitted: (client, error) => heard.push(client, error) });
    await rejection(e.execute());
    assert.equal(heard[0], null);
    assertFlinkError(heard[1], ErrorCodes.FLINK_TS_INVALID_PIPELINE);
  });
});

describe('execution', () => {
  it('execute(jobName) resolves with a JobExecutionResult for that job', async () => {
    const e = env();
    e.fromElements(1, 2).addSink(() => {});
    const result = await e.execute('Named Job');
    assert.ok(result instanceof JobExecutionResult);
    assert.equal(result.jobName, 'Named Job');
    assert.match(result.getJobID(), /^[0-9a-f]{32}$/);
    assert.ok(result.getNetRuntime() >= 0);
  });

  it("the job name defaults to pipeline.name, then Flink's default", async () => {
    const named = StreamExecutionEnvironment.getExecutionEnvironment({ 'pipeline.name': 'From Config' });
    named.fromElements(1).addSink(() => {});
    assert.equal((await named.execute()).jobName, 'From Config');
    const plain = env();
    plain.fromElements(1).addSink(() => {});
    assert.equal((await plain.execute()).jobName, 'Flink Streaming Job');
  });

  it('job listeners hear of submission and of the result', async () => {
    const events: string[] = [];
    let submitted: JobClient | null = null;
    const e = env().registerJobListener({
      onJobSubmitted: (client, error) => {
        submitted = client;
        events.push(`submitted ${error === undefined}`);
      },
      onJobExecuted: (result, error) => events.push(`executed ${result?.jobName} ${error === undefined}`),
    });
    e.fromElements(1).addSink(() => {});
    const result = await e.execute('Heard');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(events, ['submitted true', 'executed Heard true']);
    assert.equal(submitted!.getJobID(), result.getJobID());
  });

  it('isBounded() tells whether every source is bounded', () => {
    const bounded = env();
    bounded.fromSequence(1, 2).union(bounded.fromElements(3)).addSink(() => {});
    assert.equal(bounded.isBounded(), true);
    const unbounded = env();
    unbounded.addSource({ run() {}, cancel() {} }).addSink(() => {});
    assert.equal(unbounded.isBounded(), false);
  });
});
