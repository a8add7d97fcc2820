/*
 * Tests of SerialInvoker on its own: the cheap synchronous path, ordering of asynchronous calls,
 * the queue limit, whenIdle(), failures and close().
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SerialInvoker } from '../../../src/runtime/operators/serial-invoker.ts';
import { deferred, FakeTaskServices, flushPromises, ManualProcessingTimeService, type Deferred } from './harness.ts';

function make(limit = 4) {
  const task = new FakeTaskServices(new ManualProcessingTimeService());
  const log: string[] = [];
  const pending: Deferred[] = [];
  const invoker = new SerialInvoker<string>(
    (value, timestamp) => {
      log.push(`${value}@${timestamp}`);
      if (value.startsWith('async')) {
        const d = deferred();
        pending.push(d);
        return d.promise;
      }
      if (value === 'throw') throw new Error('thrown');
      return value === 'number' ? 42 : undefined;
    },
    (cause, value) => new Error(`wrapped ${value}: ${(cause as Error).message}`),
    task,
    limit,
  );
  task.addInputBlocker(invoker.isAvailable);
  return { task, log, pending, invoker };
}

describe('SerialInvoker', () => {
  it('calls synchronous calls right away, whatever non-promise they return', async () => {
    const { invoker, log } = make();
    invoker.submit('a', 1);
    invoker.submit('number', 2);
    assert.deepEqual(log, ['a@1', 'number@2']);
    assert.equal(invoker.pending, false);
    await invoker.whenIdle();
  });

  it('wraps and throws a synchronous failure', () => {
    const { invoker } = make();
    assert.throws(() => invoker.submit('throw', 0), /wrapped throw: thrown/);
  });

  it('queues behind a pending promise and resumes in order', async () => {
    const { invoker, log, pending } = make();
    invoker.submit('async1', 1);
    invoker.submit('b', 2);
    invoker.submit('async2', 3);
    invoker.submit('c', 4);
    assert.equal(invoker.queued, 3);
    assert.deepEqual(log, ['async1@1']);
    pending[0]!.resolve();
    await flushPromises();
    assert.deepEqual(log, ['async1@1', 'b@2', 'async2@3']);
    let idle = false;
    const whenIdle = invoker.whenIdle().then(() => (idle = true));
    await flushPromises();
    assert.equal(idle, false);
    pending[1]!.resolve();
    await whenIdle;
    assert.deepEqual(log, ['async1@1', 'b@2', 'async2@3', 'c@4']);
  });

  it('reports unavailable at the limit and wakes the task once below it', async () => {
    const { invoker, task, pending } = make(2);
    invoker.submit('async1', 0);
    invoker.submit('async2', 0);
    assert.equal(task.isInputAvailable(), true);
    invoker.submit('x', 0);
    assert.equal(task.isInputAvailable(), false);
    pending[0]!.resolve();
    await flushPromises();
    assert.equal(task.isInputAvailable(), true);
    assert.equal(task.wakeups, 1);
  });

  it('fails the task on rejection, rejects whenIdle and drops later records', async () => {
    const { invoker, task, pending, log } = make();
    invoker.submit('async1', 0);
    invoker.submit('b', 0);
    const idle = invoker.whenIdle();
    pending[0]!.reject(new Error('rejected'));
    await assert.rejects(idle, /wrapped async1: rejected/);
    assert.equal(task.failures.length, 1);
    invoker.submit('c', 0);
    assert.deepEqual(log, ['async1@0']);
    await assert.rejects(invoker.whenIdle(), /wrapped async1/);
  });

  it('close() rejects a waiting whenIdle and ignores the late outcome', async () => {
    const { invoker, task, pending } = make();
    invoker.submit('async1', 0);
    const idle = invoker.whenIdle();
    invoker.close();
    await assert.rejects(idle, /closed before all of its pending invocations/);
    pending[0]!.reject(new Error('late'));
    await flushPromises();
    assert.equal(task.failures.length, 0);
  });
});
