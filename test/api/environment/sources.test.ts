/*
 * End-to-end tests of the sources a StreamExecutionEnvironment offers: fromElements,
 * fromCollection (non-parallel), fromSequence (parallel, one contiguous range per subtask),
 * addSource with SourceFunctions (collect, timestamps, watermarks, collectAsync; parallel rich
 * sources), and fromSource with a split-based Source written here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Boundedness,
  ErrorCodes,
  InputStatus,
  JsonSplitSerializer,
  RichMapFunction,
  RichParallelSourceFunction,
  StreamExecutionEnvironment,
  Watermark,
  WatermarkStrategy,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type ParallelSourceFunction,
  type ReaderOutput,
  type Source,
  type SourceContext,
  type SourceReader,
  type SourceReaderContext,
  type SourceSplit,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from 'flink-ts';
import { assertFlinkError, collectingSink, groupBySubtask, range, sortedNumbers, thrown } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

/** Tags each record with the subtask of the (chained) source that emitted it. */
class SourceSubtask<T> extends RichMapFunction<T, { subtask: number; value: T }> {
  map(value: T): { subtask: number; value: T } {
    return { subtask: this.getRuntimeContext().getIndexOfThisSubtask(), value };
  }
}

describe('fromElements and fromCollection', () => {
  it('fromElements emits its arguments in order, from one subtask', async () => {
    assert.deepEqual(await env().fromElements('x', 'y', 'z').executeAndCollect(), ['x', 'y', 'z']);
    const e = env(4);
    const s = e.fromElements('x', 'y', 'z');
    assert.equal(s.getParallelism(), 1);
    // Downstream subtasks receive them round-robin, so only the set is certain.
    assert.deepEqual((await s.executeAndCollect()).sort(), ['x', 'y', 'z']);
  });

  it('fromCollection takes any iterable', async () => {
    function* gen(): Generator<number> {
      yield* [3, 1, 2];
    }
    assert.deepEqual(await env().fromCollection(new Set(['a', 'b', 'a'])).executeAndCollect(), ['a', 'b']);
    assert.deepEqual(await env().fromCollection(gen()).executeAndCollect(), [3, 1, 2]);
  });

  it('fromCollection is not parallel: its parallelism is 1 and cannot be raised', () => {
    const e = env(4);
    const s = e.fromCollection([1, 2, 3]);
    assert.equal(s.getParallelism(), 1);
    assertFlinkError(
      thrown(() => s.setParallelism(2)),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /non parallel/,
      /Collection Source/,
    );
    assert.doesNotThrow(() => s.setParallelism(1));
  });

  it('fromCollection rejects what is not iterable', () => {
    assertFlinkError(
      thrown(() => env().fromCollection(42 as unknown as number[])),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
    );
  });
});

describe('fromSequence', () => {
  for (const parallelism of [1, 3, 4]) {
    it(`at parallelism ${parallelism} emits every number exactly once, one contiguous range per subtask`, async () => {
      const tagged = await env(parallelism).fromSequence(1, 10_001).map(new SourceSubtask<number>()).executeAndCollect();
      assert.deepEqual(sortedNumbers(tagged.map((t) => t.value)), range(1, 10_001));
      const bySubtask = groupBySubtask(tagged);
      assert.equal(bySubtask.size, parallelism);
      for (const [subtask, values] of bySubtask) {
        // In order, without gaps: exactly one range, read front to back.
        assert.deepEqual(values, range(values[0]!, values[0]! + values.length - 1), `subtask ${subtask}`);
        assert.ok(Math.abs(values.length - 10_001 / parallelism) <= 1, `subtask ${subtask} got ${values.length}`);
      }
    });
  }

  it('handles negative bounds and a single number', async () => {
    assert.deepEqual(await env().fromSequence(-3, 2).executeAndCollect(), [-3, -2, -1, 0, 1, 2]);
    assert.deepEqual(await env(3).fromSequence(5, 5).executeAndCollect(), [5]);
  });

  it('rejects a start after the end', () => {
    assertFlinkError(
      thrown(() => env().fromSequence(10, 1)),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
      /10/,
    );
  });
});

describe('addSource with a SourceFunction', () => {
  it('emits with collect, collectWithTimestamp, emitWatermark and collectAsync', async () => {
    const e = env();
    const events: string[] = [];
    e.addSource({
      async run(ctx: SourceContext<string>) {
        ctx.collect('plain');
        ctx.collectWithTimestamp('stamped', 100);
        ctx.emitWatermark(new Watermark(150));
        await ctx.collectAsync('async');
        ctx.collectWithTimestamp('late', 120);
      },
      cancel() {},
    })
      .keyBy(() => 'k')
      .process({
        processElement(v: string, ctx: KeyedProcessFunctionContext<string>, out: Collector<string>) {
          events.push(`${v} ts=${ctx.timestamp()} wm=${ctx.timerService().currentWatermark()}`);
          if (v === 'stamped') ctx.timerService().registerEventTimeTimer(140);
          out.collect(v);
        },
        onTimer(ts: number, _ctx: KeyedOnTimerContext<string>) {
          events.push(`timer ${ts}`);
        },
      })
      .addSink(() => {});
    await e.execute();
    const min = Number.MIN_SAFE_INTEGER;
    assert.deepEqual(events, [`plain ts=null wm=${min}`, `stamped ts=100 wm=${min}`, 'timer 140', 'async ts=null wm=150', 'late ts=120 wm=150']);
  });

  it('a collectAsync loop waits for room and delivers 200k records in order over the network', { timeout: 30_000 }, async () => {
    const n = 200_000;
    let count = 0;
    let outOfOrder = 0;
    const e = env();
    e.addSource({
      async run(ctx: SourceContext<number>) {
        for (let i = 0; i < n; i++) await ctx.collectAsync(i);
      },
      cancel() {},
    })
      .map((x) => x)
      .disableChaining()
      .addSink((x: number) => {
        if (x !== count) outOfOrder++;
        count++;
      });
    await e.execute();
    assert.equal(count, n);
    assert.equal(outOfOrder, 0);
  });

  it('a non-parallel SourceFunction runs with parallelism 1 and refuses more', () => {
    const s = env(4).addSource({ run() {}, cancel() {} });
    assert.equal(s.getParallelism(), 1);
    assertFlinkError(
      thrown(() => s.setParallelism(3)),
      ErrorCodes.FLINK_TS_INVALID_PIPELINE,
    );
  });

  it('a RichParallelSourceFunction runs one instance per subtask, each knowing its index', async () => {
    const opened: number[] = [];
    const instances = new Set<object>();
    class Numbers extends RichParallelSourceFunction<{ subtask: number; n: number }> {
      private subtask = -1;
      override open(): void {
        this.subtask = this.getRuntimeContext().getIndexOfThisSubtask();
        opened.push(this.subtask);
        instances.add(this);
      }
      run(ctx: SourceContext<{ subtask: number; n: number }>): void {
        const parallelism = this.getRuntimeContext().getNumberOfParallelSubtasks();
        for (let n = this.subtask; n < 30; n += parallelism) {
          ctx.collect({ subtask: this.subtask, n });
        }
      }
      cancel(): void {}
    }
    const e = env(3);
    const out = await e.addSource(new Numbers(), 'Numbers').map(new SourceSubtask<{ subtask: number; n: number }>()).executeAndCollect();
    assert.deepEqual(opened.sort(), [0, 1, 2]);
    assert.equal(instances.size, 3, 'one instance per subtask');
    assert.deepEqual(sortedNumbers(out.map((t) => t.value.n)), range(0, 29));
    for (const t of out) {
      assert.equal(t.value.subtask, t.subtask);
      assert.equal(t.value.n % 3, t.subtask);
    }
  });

  it('an object with parallel: true is a parallel source', async () => {
    const source: ParallelSourceFunction<number> = {
      parallel: true,
      run(ctx) {
        ctx.collect(1);
      },
      cancel() {},
    };
    const out = await env(4).addSource(source).executeAndCollect();
    assert.deepEqual(out, [1, 1, 1, 1]);
  });
});

describe('fromSource with a split-based Source', () => {
  /** A split: a named list of words. */
  class WordSplit implements SourceSplit {
    readonly id: string;
    readonly words: readonly string[];
    position = 0;
    constructor(id: string, words: readonly string[]) {
      this.id = id;
      this.words = words;
    }
    splitId(): string {
      return this.id;
    }
  }

  interface Trace {
    readonly calls: string[];
  }

  class WordEnumerator implements SplitEnumerator<WordSplit, string[]> {
    private readonly context: SplitEnumeratorContext<WordSplit>;
    private readonly pending: WordSplit[];
    private readonly trace: Trace;
    constructor(context: SplitEnumeratorContext<WordSplit>, splits: WordSplit[], trace: Trace) {
      this.context = context;
      this.pending = splits;
      this.trace = trace;
    }
    start(): void {
      this.trace.calls.push(`enumerator start (parallelism ${this.context.currentParallelism()})`);
    }
    handleSplitRequest(subtask: number): void {
      const next = this.pending.shift();
      if (next === undefined) this.context.signalNoMoreSplits(subtask);
      else this.context.assignSplit(next, subtask);
    }
    addSplitsBack(splits: WordSplit[]): void {
      this.pending.unshift(...splits);
    }
    addReader(subtask: number): void {
      this.trace.calls.push(`reader ${subtask} registered`);
    }
    snapshotState(): string[] {
      return this.pending.map((s) => s.id);
    }
    close(): void {
      this.trace.calls.push('enumerator close');
    }
  }

  /** Reads one split at a time, a word per poll, and asks for the next split when done. */
  class WordReader implements SourceReader<{ split: string; word: string; subtask: number }, WordSplit> {
    private readonly context: SourceReaderContext;
    private readonly trace: Trace;
    private readonly splits: WordSplit[] = [];
    private noMore = false;
    private wake: (() => void) | null = null;
    constructor(context: SourceReaderContext, trace: Trace) {
      this.context = context;
      this.trace = trace;
    }
    start(): void {
      this.context.sendSplitRequest();
    }
    pollNext(output: ReaderOutput<{ split: string; word: string; subtask: number }>): InputStatus {
      const split = this.splits[0];
      if (split === undefined) return this.noMore ? InputStatus.END_OF_INPUT : InputStatus.NOTHING_AVAILABLE;
      output.collect({ split: split.id, word: split.words[split.position++]!, subtask: this.context.getIndexOfSubtask() });
      if (split.position === split.words.length) {
        this.splits.shift();
        this.context.sendSplitRequest();
        return this.splits.length > 0 ? InputStatus.MORE_AVAILABLE : InputStatus.NOTHING_AVAILABLE;
      }
      return InputStatus.MORE_AVAILABLE;
    }
    isAvailable(): Promise<void> {
      if (this.splits.length > 0 || this.noMore) return Promise.resolve();
      return new Promise((resolve) => (this.wake = resolve));
    }
    private signal(): void {
      const wake = this.wake;
      this.wake = null;
      wake?.();
    }
    addSplits(splits: WordSplit[]): void {
      this.splits.push(...splits);
      this.signal();
    }
    notifyNoMoreSplits(): void {
      this.noMore = true;
      this.signal();
    }
    snapshotState(): WordSplit[] {
      return [...this.splits];
    }
    close(): void {
      this.trace.calls.push(`reader ${this.context.getIndexOfSubtask()} close`);
    }
  }

  function wordSource(splits: WordSplit[], trace: Trace): Source<{ split: string; word: string; subtask: number }, WordSplit, string[]> {
    return {
      getBoundedness: () => Boundedness.BOUNDED,
      createEnumerator: (context) => new WordEnumerator(context, [...splits], trace),
      restoreEnumerator: (context) => new WordEnumerator(context, [], trace),
      createReader: (context) => new WordReader(context, trace),
      getSplitSerializer: () => new JsonSplitSerializer((j) => new WordSplit(j.id, j.words)),
      getEnumeratorCheckpointSerializer: () => new JsonSplitSerializer((j: string[]) => j),
    };
  }

  it('reads every split exactly once, spread over 2 readers, and closes enumerator and readers', async () => {
    const trace: Trace = { calls: [] };
    const splits = range(0, 5).map((i) => new WordSplit(`s${i}`, range(0, i).map((j) => `w${i}.${j}`)));
    const e = env(2);
    const sink = collectingSink<{ split: string; word: string; subtask: number }>();
    e.fromSource(wordSource(splits, trace), WatermarkStrategy.noWatermarks(), 'Words').addSink(sink.function);
    await e.execute();
    const records = sink.records;
    assert.deepEqual(records.map((r) => r.value.word).sort(), splits.flatMap((s) => s.words).sort());
    for (const r of records) assert.equal(r.value.subtask, r.subtask, 'the reader runs in its own subtask');
    // A split is read by one reader only, front to back.
    for (const s of splits) {
      const mine = records.filter((r) => r.value.split === s.id);
      assert.equal(new Set(mine.map((r) => r.subtask)).size, 1, `split ${s.id} read by one subtask`);
      assert.deepEqual(mine.map((r) => r.value.word), s.words);
    }
    assert.equal(trace.calls[0], 'enumerator start (parallelism 2)');
    for (const call of ['reader 0 registered', 'reader 1 registered', 'reader 0 close', 'reader 1 close', 'enumerator close']) assert.ok(trace.calls.includes(call), call);
  });

  it('has the source name and the parallelism of the environment', () => {
    const e = env(2);
    e.fromSource(wordSource([], { calls: [] }), WatermarkStrategy.noWatermarks(), 'Words').addSink(() => {});
    const [vertex] = e.getJobGraph().vertices;
    assert.match(vertex!.name, /^Source: Words/);
    assert.equal(vertex!.parallelism, 2);
  });
});
