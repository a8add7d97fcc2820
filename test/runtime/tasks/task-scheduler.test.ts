/*
 * Tests of TaskScheduler: round-robin stepping, parking when no task makes progress and resuming
 * on wakeup, synchronous drain() that skips tasks inside their step, and stop().
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TaskScheduler, type SchedulableTask } from '../../../src/runtime/tasks/task-scheduler.ts';

/** A task with `work` units; each step does one unit and logs its name. */
class FakeTask implements SchedulableTask {
  readonly name: string;
  readonly log: string[];
  work: number;
  inStep = false;
  steps = 0;
  private onIdle: (() => void) | null = null;

  constructor(name: string, log: string[], work = 0) {
    this.name = name;
    this.log = log;
    this.work = work;
  }

  step(): boolean {
    this.steps++;
    if (this.work === 0) {
      const idle = this.onIdle;
      this.onIdle = null;
      idle?.();
      return false;
    }
    this.work--;
    this.log.push(this.name);
    return true;
  }

  /** Resolves the next time the task is stepped without work. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => (this.onIdle = resolve));
  }
}

function startScheduler(t: { after: (fn: () => Promise<void>) => void }): TaskScheduler {
  const scheduler = new TaskScheduler();
  t.after(() => scheduler.stop());
  return scheduler;
}

describe('TaskScheduler', () => {
  it('steps tasks in turn, round-robin', async (t) => {
    const log: string[] = [];
    const a = new FakeTask('a', log, 3);
    const b = new FakeTask('b', log, 2);
    const scheduler = startScheduler(t);
    scheduler.add(a);
    scheduler.add(b);
    const done = Promise.all([a.whenIdle(), b.whenIdle()]);
    scheduler.start();
    await done;
    assert.deepEqual(log, ['a', 'b', 'a', 'b', 'a']);
  });

  it('parks when no task makes progress and resumes on wakeup', async (t) => {
    const log: string[] = [];
    const a = new FakeTask('a', log, 1);
    const scheduler = startScheduler(t);
    scheduler.add(a);
    const idle = a.whenIdle();
    scheduler.start();
    await idle;
    // A slice that made progress is followed by one more before parking; after that, nothing.
    for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
    const stepsWhenParked = a.steps;
    for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
    assert.equal(a.steps, stepsWhenParked);
    assert.ok(stepsWhenParked <= 3, `stepped ${stepsWhenParked} times for one unit of work`);
    a.work = 2;
    const idleAgain = a.whenIdle();
    scheduler.wakeup();
    await idleAgain;
    assert.deepEqual(log, ['a', 'a', 'a']);
  });

  it('a wakeup during a slice is not lost: the scheduler runs another slice instead of parking', async (t) => {
    const log: string[] = [];
    const scheduler = startScheduler(t);
    const late = new FakeTask('late', log, 0);
    let woke = false;
    const waker: SchedulableTask = {
      inStep: false,
      step: () => {
        if (!woke) {
          woke = true;
          // Work appears while the scheduler is inside a slice where nothing else progresses.
          late.work = 1;
          scheduler.wakeup();
        }
        return false;
      },
    };
    scheduler.add(late);
    scheduler.add(waker);
    const idle = new Promise<void>((resolve) => {
      const check = (): void => void (log.length > 0 ? resolve() : late.whenIdle().then(check));
      check();
    });
    scheduler.start();
    await idle;
    assert.deepEqual(log, ['late']);
  });

  it('does not step a task that is inside its step', async (t) => {
    const log: string[] = [];
    const a = new FakeTask('a', log, 5);
    a.inStep = true;
    const b = new FakeTask('b', log, 1);
    const scheduler = startScheduler(t);
    scheduler.add(a);
    scheduler.add(b);
    const idle = b.whenIdle();
    scheduler.start();
    await idle;
    assert.equal(a.steps, 0);
    assert.deepEqual(log, ['b']);
  });

  it('remove takes a task out of the rotation', async (t) => {
    const log: string[] = [];
    const a = new FakeTask('a', log, 10);
    const b = new FakeTask('b', log, 2);
    const scheduler = startScheduler(t);
    scheduler.add(a);
    scheduler.add(b);
    scheduler.remove(a);
    scheduler.remove(a);
    const idle = b.whenIdle();
    scheduler.start();
    await idle;
    assert.deepEqual(log, ['b', 'b']);
    assert.equal(a.steps, 0);
  });

  it('drain steps the other tasks synchronously until the condition holds', () => {
    const log: string[] = [];
    const scheduler = new TaskScheduler();
    const self = new FakeTask('self', log, 10);
    self.inStep = true;
    const consumer = new FakeTask('consumer', log, 10);
    scheduler.add(self);
    scheduler.add(consumer);
    let consumed = 0;
    const originalStep = consumer.step.bind(consumer);
    consumer.step = () => {
      const progress = originalStep();
      if (progress) consumed++;
      return progress;
    };
    assert.equal(scheduler.drain(() => consumed >= 3), true);
    assert.equal(consumed, 3);
    assert.equal(self.steps, 0, 'the task that called drain is inside its step and is skipped');
    assert.deepEqual(log, ['consumer', 'consumer', 'consumer']);
  });

  it('drain returns false when nobody can make progress, and true at once when already done', () => {
    const scheduler = new TaskScheduler();
    const stuck = new FakeTask('stuck', [], 0);
    scheduler.add(stuck);
    assert.equal(scheduler.drain(() => false), false);
    assert.equal(stuck.steps, 1);
    assert.equal(scheduler.drain(() => true), true);
    assert.equal(stuck.steps, 1);
  });

  it('stop ends the loop; nothing is stepped afterwards', async () => {
    const log: string[] = [];
    const a = new FakeTask('a', log, 0);
    const scheduler = new TaskScheduler();
    scheduler.add(a);
    const idle = a.whenIdle();
    scheduler.start();
    await idle;
    await scheduler.stop();
    const steps = a.steps;
    a.work = 5;
    scheduler.wakeup();
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    assert.equal(a.steps, steps);
    assert.deepEqual(log, []);
  });

  it('stop is safe before start and when called twice', async () => {
    const scheduler = new TaskScheduler();
    await scheduler.stop();
    await scheduler.stop();
  });

  it('yields to the event loop while tasks keep making progress', { timeout: 30_000 }, async (t) => {
    const scheduler = startScheduler(t);
    const busy: SchedulableTask = { inStep: false, step: () => true };
    scheduler.add(busy);
    scheduler.start();
    // An endless busy task must not starve timers: this resolves only if the loop yields.
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
  });
});
