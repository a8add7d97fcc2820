/*
 * Tests of SourceCoordinator: it runs the enumerator, forwards reader requests to it deferred (never
 * re-entrantly), delivers assignments and events to the readers' subtasks, checks assignment
 * targets, runs callAsync work, turns enumerator failures into user-function errors, and stops
 * everything on close.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from 'flink-ts';
import { SourceCoordinator, type ReaderDelivery } from '../../../src/runtime/source/source-coordinator.ts';
import { Boundedness, type Source, type SourceSplit, type SplitEnumerator, type SplitEnumeratorContext } from '../../../src/connector/source/source.ts';
import { NumberSequenceSource, type NumberSequenceSplit } from '../../../src/connector/source/lib/number-sequence-source.ts';
import type { SourceOperator } from '../../../src/runtime/operators/source-operator.ts';

class TestSplit implements SourceSplit {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }
  splitId(): string {
    return this.id;
  }
}

/** An enumerator that logs its calls and exposes its context; behaviour is set per test. */
class ScriptedEnumerator implements SplitEnumerator<TestSplit, null> {
  readonly context: SplitEnumeratorContext<TestSplit>;
  readonly log: string[];
  onSplitRequest: (subtask: number) => void = () => {};
  onStart: () => void | Promise<void> = () => {};
  closed = false;

  constructor(context: SplitEnumeratorContext<TestSplit>, log: string[]) {
    this.context = context;
    this.log = log;
  }
  start(): void | Promise<void> {
    this.log.push('start');
    return this.onStart();
  }
  handleSplitRequest(subtask: number, host: string | null): void {
    this.log.push(`request ${subtask} from ${host}`);
    this.onSplitRequest(subtask);
  }
  addSplitsBack(): void {}
  addReader(subtask: number): void {
    this.log.push(`reader ${subtask}`);
  }
  snapshotState(): null {
    return null;
  }
  handleSourceEvent(subtask: number, event: unknown): void {
    this.log.push(`event ${subtask} ${String(event)}`);
  }
  close(): void {
    this.closed = true;
  }
}

function scriptedSource(log: string[]): { source: Source<unknown, TestSplit, null>; enumerator: () => ScriptedEnumerator } {
  let created: ScriptedEnumerator | undefined;
  const source: Source<unknown, TestSplit, null> = {
    getBoundedness: () => Boundedness.BOUNDED,
    createEnumerator: (context) => (created = new ScriptedEnumerator(context, log)),
    restoreEnumerator: () => assert.fail('not restored'),
    createReader: () => assert.fail('no reader here'),
    getSplitSerializer: () => assert.fail('not serialized'),
    getEnumeratorCheckpointSerializer: () => assert.fail('not serialized'),
  };
  return { source, enumerator: () => created! };
}

/** Stands in for the readers' source operators: records what is delivered to which subtask. */
function fakeReaders(log: string[]): ReaderDelivery {
  return (subtask, action) => {
    const op = {
      addSplits: (splits: SourceSplit[]) => log.push(`splits ${subtask}: ${splits.map((s) => s.splitId()).join(',')}`),
      notifyNoMoreSplits: () => log.push(`no more ${subtask}`),
      handleSourceEvent: (e: unknown) => log.push(`reader event ${subtask} ${String(e)}`),
    };
    action(op as unknown as SourceOperator<unknown, SourceSplit>);
  };
}

const tick = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

function coordinator(parallelism = 2) {
  const log: string[] = [];
  const failures: unknown[] = [];
  const { source, enumerator } = scriptedSource(log);
  const c = new SourceCoordinator<TestSplit>('Source: test', source, parallelism, fakeReaders(log), (e) => failures.push(e));
  return { c, log, failures, enumerator };
}

describe('SourceCoordinator', () => {
  it('starts the enumerator with a context that knows the parallelism', async (t) => {
    const { c, log, enumerator } = coordinator(3);
    t.after(() => c.close());
    await c.start();
    assert.deepEqual(log, ['start']);
    assert.equal(enumerator().context.currentParallelism(), 3);
  });

  it('registers readers and forwards split requests and events, deferred', async (t) => {
    const { c, log, enumerator } = coordinator();
    t.after(() => c.close());
    await c.start();
    c.readerOpened(1);
    c.requestSplit(1);
    c.sendEventToCoordinator(0, 'hello');
    assert.deepEqual(log, ['start'], 'nothing runs inside the reader call');
    await tick();
    assert.deepEqual(log, ['start', 'reader 1', 'request 1 from localhost', 'event 0 hello']);
    assert.deepEqual([...enumerator().context.registeredReaders().values()], [{ subtaskId: 1, location: 'localhost' }]);
  });

  it('delivers assignments, no-more-splits and events to the right subtask', async (t) => {
    const { c, log, enumerator } = coordinator(3);
    t.after(() => c.close());
    await c.start();
    const ctx = enumerator().context;
    ctx.assignSplit(new TestSplit('a'), 2);
    ctx.assignSplits(new Map([[0, [new TestSplit('b'), new TestSplit('c')]]]));
    ctx.assignSplits({ 1: [new TestSplit('d')] });
    ctx.signalNoMoreSplits(2);
    ctx.sendEventToSourceReader(1, 'ping');
    assert.deepEqual(log.slice(1), ['splits 2: a', 'splits 0: b,c', 'splits 1: d', 'no more 2', 'reader event 1 ping']);
  });

  it('fails the job when a split is assigned to a subtask that does not exist', async (t) => {
    const { c, log, failures, enumerator } = coordinator(2);
    t.after(() => c.close());
    await c.start();
    enumerator().context.assignSplit(new TestSplit('x'), 2);
    enumerator().context.assignSplit(new TestSplit('y'), -1);
    enumerator().context.assignSplit(new TestSplit('z'), 0.5);
    assert.deepEqual(log, ['start']);
    assert.equal(failures.length, 3);
    const error = failures[0];
    assert.ok(FlinkError.isFlinkError(error));
    assert.equal(error.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
    assert.match(error.message, /Source: test/);
    assert.match(error.message, /subtask 2, but the source has 2 subtasks/);
    assert.ok(error.cause instanceof RangeError);
  });

  it('turns an enumerator that throws while handling a request into a job failure', async (t) => {
    const { c, failures, enumerator } = coordinator();
    t.after(() => c.close());
    await c.start();
    enumerator().onSplitRequest = () => {
      throw new Error('no splits for you');
    };
    c.requestSplit(0);
    await tick();
    assert.equal(failures.length, 1);
    const error = failures[0] as FlinkError;
    assert.equal(error.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
    assert.match(error.message, /handling a split request/);
    assert.equal((error.cause as Error).message, 'no splits for you');
  });

  it('rejects start with a user-function error when the enumerator fails to start', async (t) => {
    const log: string[] = [];
    const source: Source<unknown, TestSplit, null> = {
      ...scriptedSource(log).source,
      createEnumerator: () => {
        throw new Error('cannot list partitions');
      },
    };
    const c = new SourceCoordinator<TestSplit>('Source: broken', source, 1, fakeReaders(log), () => {});
    t.after(() => c.close());
    await assert.rejects(c.start(), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_USER_FUNCTION && /starting the split enumerator/.test(e.message));
  });

  it('runs callAsync work off the enumerator path and hands results and errors to the handler', async (t) => {
    const { c, enumerator } = coordinator();
    t.after(() => c.close());
    await c.start();
    const results: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      enumerator().context.callAsync(
        () => 42,
        (result, error) => {
          results.push([result, error]);
          enumerator().context.callAsync(
            async () => {
              throw new Error('discovery failed');
            },
            (r, e) => {
              results.push([r, (e as Error).message]);
              resolve();
            },
          );
        },
      );
    });
    assert.deepEqual(results, [], 'the callable does not run synchronously');
    await done;
    assert.deepEqual(results, [[42, undefined], [undefined, 'discovery failed']]);
  });

  it('repeats periodic callAsync work until closed', { timeout: 30_000 }, async () => {
    const { c, enumerator } = coordinator();
    await c.start();
    let calls = 0;
    await new Promise<void>((resolve) => {
      enumerator().context.callAsync(
        () => ++calls,
        (n) => n === 3 && resolve(),
        0,
        1,
      );
    });
    await c.close();
    const after = calls;
    await new Promise<void>((r) => setTimeout(r, 10));
    assert.equal(calls, after, 'no periodic call after close');
    assert.equal(enumerator().closed, true);
  });

  it('drops deferred work once closed, and close is idempotent', async () => {
    const { c, log } = coordinator();
    await c.start();
    c.requestSplit(0);
    await c.close();
    await c.close();
    await tick();
    assert.deepEqual(log, ['start']);
  });

  it('drives a NumberSequenceSource: every reader request gets a split, then no more splits', async (t) => {
    const log: string[] = [];
    const source = new NumberSequenceSource(1, 10);
    const c = new SourceCoordinator<NumberSequenceSplit>('Source: seq', source, 2, fakeReaders(log), (e) => assert.fail(String(e)));
    t.after(() => c.close());
    await c.start();
    for (const subtask of [0, 1]) {
      c.readerOpened(subtask);
      c.requestSplit(subtask);
    }
    await tick();
    c.requestSplit(0);
    c.requestSplit(1);
    await tick();
    assert.deepEqual(log, ['splits 0: 0', 'splits 1: 1', 'no more 0', 'no more 1']);
  });
});
