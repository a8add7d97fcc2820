/*
 * Tests of PrintSinkFunction: prefixes as Flink's PrintSinkOutputWriter builds them, stdout vs
 * stderr, rendering of values, and backpressure on a full stream.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrintSinkFunction, recordToString } from '../../../src/runtime/operators/print-sink-function.ts';
import { StreamSink } from '../../../src/runtime/operators/stream-sink.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

type Stream = NodeJS.WriteStream;

const originals = { out: process.stdout.write, err: process.stderr.write };

function capture(stream: Stream, result: boolean | (() => boolean) = true): string[] {
  const lines: string[] = [];
  stream.write = ((chunk: string) => {
    lines.push(chunk);
    return typeof result === 'function' ? result() : result;
  }) as Stream['write'];
  return lines;
}

afterEach(() => {
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
});

async function print<T>(fn: PrintSinkFunction<T>, values: T[], subtaskIndex = 0, parallelism = 1): Promise<void> {
  const h = new OneInputOperatorTestHarness(new StreamSink<T>(fn), { subtaskIndex, parallelism });
  await h.open();
  for (const v of values) h.processElement(v);
  await h.finish();
  await h.close();
}

describe('PrintSinkFunction', () => {
  it('prints one line per record without a prefix at parallelism 1', async () => {
    const out = capture(process.stdout);
    await print(new PrintSinkFunction<unknown>(), ['hello', 42, { a: 1 }, [1, 'b']]);
    assert.deepEqual(out, ['hello\n', '42\n', '{"a":1}\n', '[1,"b"]\n']);
  });

  it('prefixes the 1-based subtask number when parallel', async () => {
    const out = capture(process.stdout);
    await print(new PrintSinkFunction<string>(), ['x'], 1, 4);
    assert.deepEqual(out, ['2> x\n']);
  });

  it('puts the sink identifier first', async () => {
    const out = capture(process.stdout);
    await print(new PrintSinkFunction<string>('id'), ['x'], 2, 3);
    await print(new PrintSinkFunction<string>('id'), ['y']);
    assert.deepEqual(out, ['id:3> x\n', 'id> y\n']);
  });

  it('prints to stderr when asked', async () => {
    const out = capture(process.stdout);
    const err = capture(process.stderr);
    await print(new PrintSinkFunction<string>(true), ['e1']);
    await print(new PrintSinkFunction<string>('err', true), ['e2']);
    assert.deepEqual(out, []);
    assert.deepEqual(err, ['e1\n', 'err> e2\n']);
  });

  it('waits for drain when the stream buffer is full', async () => {
    let full = true;
    const out = capture(process.stdout, () => !full);
    const fn = new PrintSinkFunction<string>();
    const h = new OneInputOperatorTestHarness(new StreamSink<string>(fn));
    await h.open();
    h.processElement('a');
    h.processElement('b');
    assert.deepEqual(out, ['a\n']);
    full = false;
    process.stdout.emit('drain');
    await h.finish();
    assert.deepEqual(out, ['a\n', 'b\n']);
    await h.close();
  });

  it('renders values like toString, objects as JSON unless they define toString', () => {
    class Money {
      amount = 5;
      toString(): string {
        return `$${this.amount}`;
      }
    }
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.equal(recordToString('s'), 's');
    assert.equal(recordToString(1.5), '1.5');
    assert.equal(recordToString(10n), '10');
    assert.equal(recordToString(null), 'null');
    assert.equal(recordToString(undefined), 'undefined');
    assert.equal(recordToString(true), 'true');
    assert.equal(recordToString(new Money()), '$5');
    assert.equal(recordToString(new Date(0)), '1970-01-01T00:00:00.000Z');
    assert.equal(recordToString({ big: 1n }), '[object Object]');
    assert.equal(recordToString(circular), '[object Object]');
    assert.equal(recordToString(Object.create(null)), '{}');
  });
});
