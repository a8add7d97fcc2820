/*
 * Runs the mailbox loops of the tasks that live in one thread, cooperatively: each task's step()
 * does a bounded amount of work (its mails, a few input batches or one source poll); the scheduler
 * steps every task in turn, yields to the event loop every few milliseconds so that timers and
 * I/O run, and parks when no task can make progress until something wakes it.
 */

export interface SchedulableTask {
  /** True while the task is inside step() or emitting from a source function. */
  readonly inStep: boolean;
  /** Does a bounded amount of work; false when the task could do nothing. */
  step(): boolean;
}

const SLICE_MS = 8;

export class TaskScheduler {
  private readonly tasks: SchedulableTask[] = [];
  private parked: (() => void) | null = null;
  private wakeupRequested = false;
  private stopped = false;
  private loop: Promise<void> | null = null;

  add(task: SchedulableTask): void {
    this.tasks.push(task);
  }

  remove(task: SchedulableTask): void {
    const i = this.tasks.indexOf(task);
    if (i >= 0) this.tasks.splice(i, 1);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops the loop (after the current slice) and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeup();
    await this.loop;
  }

  /** Something may have become runnable: run a slice soon. Cheap to call often. */
  wakeup(): void {
    const parked = this.parked;
    if (parked !== null) {
      this.parked = null;
      parked();
    } else {
      this.wakeupRequested = true;
    }
  }

  /**
   * Steps the other tasks synchronously until `done()` holds or nobody can progress: how a task
   * whose output is over its credit lets its consumers catch up without leaving its own step.
   */
  drain(done: () => boolean): boolean {
    while (!done()) {
      let progress = false;
      for (let i = 0; i < this.tasks.length; i++) {
        const task = this.tasks[i]!;
        if (!task.inStep && task.step()) progress = true;
        if (done()) return true;
      }
      if (!progress) return false;
    }
    return true;
  }

  private runSlice(): boolean {
    const start = performance.now();
    let any = false;
    for (;;) {
      let progress = false;
      for (let i = 0; i < this.tasks.length; i++) {
        const task = this.tasks[i]!;
        if (!task.inStep && task.step()) progress = true;
      }
      if (!progress) return any;
      any = true;
      if (performance.now() - start >= SLICE_MS || this.stopped) return true;
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.wakeupRequested = false;
      const progress = this.runSlice();
      if (this.stopped) break;
      if (progress) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else if (!this.wakeupRequested) {
        await new Promise<void>((resolve) => (this.parked = resolve));
      }
    }
  }
}
