/*
 * End-to-end tests of the sinks: addSink with a plain function, an object and a RichSinkFunction;
 * sinkTo with a Sink V2 (one writer per subtask, flush(true) at end of input, close); print() as
 * seen on a child process's stdout; and the DataStreamSink handle (name, parallelism).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RichSinkFunction, StreamExecutionEnvironment, type Sink, type SinkContext, type SinkWriter, type SinkWriterContext, type WriterInitContext } from 'flink-ts';
import { collectingSink, range, runScript, sortedNumbers } from '../../helpers.ts';

const env = (parallelism = 1): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

describe('addSink', () => {
  it('takes a plain function, called once per record with a context', async () => {
    const seen: [number, number | null][] = [];
    const e = env();
    e.fromElements(1, 2, 3).addSink((value: number, ctx: SinkContext) => {
      seen.push([value, ctx.timestamp()]);
    });
    await e.execute();
    assert.deepEqual(seen, [
      [1, null],
      [2, null],
      [3, null],
    ]);
  });

  it('takes an object with invoke(), open(), finish() and close()', async () => {
    const calls: string[] = [];
    const e = env();
    e.fromElements('a', 'b').addSink({
      open: () => void calls.push('open'),
      invoke: (v: string) => void calls.push(v),
      finish: () => void calls.push('finish'),
      close: () => void calls.push('close'),
    });
    await e.execute();
    assert.deepEqual(calls, ['open', 'a', 'b', 'finish', 'close']);
  });

  it('runs a RichSinkFunction per subtask with open/close around the records', async () => {
    const sink = collectingSink<number>();
    const e = env(3);
    e.fromSequence(1, 600).addSink(sink.function);
    await e.execute();
    assert.deepEqual(sortedNumbers(sink.values()), range(1, 600));
    assert.deepEqual([...sink.bySubtask().keys()], [0, 1, 2]);
    assert.deepEqual(sink.lifecycle, { opened: 3, finished: 3, closed: 3 });
  });

  it('a RichSinkFunction sees its runtime context in open()', async () => {
    const infos: string[] = [];
    class Described extends RichSinkFunction<number> {
      override open(): void {
        const rc = this.getRuntimeContext();
        infos.push(`${rc.getTaskName()} ${rc.getIndexOfThisSubtask()}/${rc.getNumberOfParallelSubtasks()}`);
      }
      invoke(): void {}
    }
    const e = env(2);
    e.fromSequence(1, 10).addSink(new Described()).name('Described');
    await e.execute();
    // The task name is the job vertex's: the chain the sink runs in.
    assert.deepEqual(infos.sort(), ['Source: Sequence Source -> Sink: Described 0/2', 'Source: Sequence Source -> Sink: Described 1/2']);
  });

  it('the sink handle sets name and parallelism', () => {
    const e = env(4);
    e.fromSequence(1, 10).addSink(() => {}).name('Out').setParallelism(2);
    const sinkVertex = e.getJobGraph().vertices.find((v) => v.name.includes('Sink: Out'));
    assert.ok(sinkVertex !== undefined);
    assert.equal(sinkVertex.parallelism, 2);
  });
});

describe('sinkTo (Sink V2)', () => {
  /** A sink whose writers buffer records and publish them on flush, logging every call. */
  function bufferingSink() {
    const log: string[] = [];
    const published = new Map<number, number[]>();
    const sink: Sink<number> = {
      createWriter(context: WriterInitContext): SinkWriter<number> {
        const subtask = context.getSubtaskId();
        log.push(`create ${subtask}/${context.getNumberOfParallelSubtasks()}`);
        const buffer: number[] = [];
        return {
          write(value: number, _ctx: SinkWriterContext) {
            buffer.push(value);
          },
          flush(endOfInput: boolean) {
            log.push(`flush ${subtask} ${endOfInput}`);
            published.set(subtask, [...(published.get(subtask) ?? []), ...buffer.splice(0)]);
          },
          close() {
            log.push(`close ${subtask}`);
          },
        };
      },
    };
    return { sink, log, published };
  }

  it('writes through one writer per subtask, flushes with endOfInput = true, then closes', async () => {
    const { sink, log, published } = bufferingSink();
    const e = env(2);
    e.fromSequence(1, 1000).sinkTo(sink);
    await e.execute();
    assert.deepEqual(log.filter((l) => l.startsWith('create')).sort(), ['create 0/2', 'create 1/2']);
    for (const subtask of [0, 1]) {
      const mine = log.filter((l) => l.endsWith(` ${subtask}`) || l.includes(` ${subtask} `) || l.startsWith(`create ${subtask}`));
      assert.deepEqual(mine, [`create ${subtask}/2`, `flush ${subtask} true`, `close ${subtask}`]);
    }
    assert.deepEqual(sortedNumbers([...published.values()].flat()), range(1, 1000));
  });

  it('awaits asynchronous writes in order before the final flush', async () => {
    const events: string[] = [];
    const sink: Sink<number> = {
      createWriter: async () => ({
        async write(v: number) {
          await new Promise((resolve) => setImmediate(resolve));
          events.push(`w${v}`);
        },
        async flush(end: boolean) {
          events.push(`flush ${end}`);
        },
        close() {
          events.push('close');
        },
      }),
    };
    const e = env();
    e.fromSequence(1, 50).sinkTo(sink);
    await e.execute();
    assert.deepEqual(events, [...range(1, 50).map((v) => `w${v}`), 'flush true', 'close']);
  });

  it('the writer sees record timestamps', async () => {
    const seen: (number | null)[] = [];
    const e = env();
    e.addSource({
      run(ctx) {
        ctx.collectWithTimestamp('a', 42);
        ctx.collect('b');
      },
      cancel() {},
    }).sinkTo({
      createWriter: () => ({
        write: (_v: string, ctx: SinkWriterContext) => void seen.push(ctx.timestamp()),
        flush() {},
        close() {},
      }),
    });
    await e.execute();
    assert.deepEqual(seen, [42, null]);
  });
});

describe('print', () => {
  it('writes one line per record to stdout; with parallelism > 1 prefixed by the subtask', { timeout: 30_000 }, async (t) => {
    const result = await runScript(
      t,
      `
      import { StreamExecutionEnvironment } from 'flink-ts';
      const single = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1 });
      single.fromElements('a', { x: 1 }, 3).print();
      await single.execute();
      console.log('--');
      const parallel = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
      parallel.fromElements('p', 'q', 'r', 's').rebalance().print();
      await parallel.execute();
      console.log('--');
      const named = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1 });
      const s = named.fromElements('n');
      s.print('id');
      s.print('id').setParallelism(2);
      await named.execute();
      `,
    );
    assert.equal(result.code, 0, result.stderr);
    const [single, parallel, named] = result.stdout.split('--\n').map((part) => part.split('\n').filter((l) => l !== ''));
    assert.deepEqual(single, ['a', '{"x":1}', '3']);
    // Round-robin from a random first channel: p and r share a subtask, q and s the other.
    assert.equal(parallel!.length, 4);
    const prefix = new Map(parallel!.map((l) => [l.slice(3), l.slice(0, 3)]));
    assert.deepEqual([...prefix.keys()].sort(), ['p', 'q', 'r', 's']);
    assert.ok([...prefix.values()].every((p) => p === '1> ' || p === '2> '));
    assert.equal(prefix.get('p'), prefix.get('r'));
    assert.equal(prefix.get('q'), prefix.get('s'));
    assert.notEqual(prefix.get('p'), prefix.get('q'));
    assert.equal(named!.length, 2);
    assert.ok(named!.includes('id> n'));
    assert.ok(named!.some((l) => /^id:[12]> n$/.test(l)));
  });
});
