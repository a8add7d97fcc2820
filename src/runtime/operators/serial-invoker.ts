/*
 * Runs a sink's calls for one subtask strictly one after another when they may return promises.
 * A synchronous call costs one check of its result. While a returned promise is pending, later
 * records wait in a queue (with their timestamps) and are called in order as each promise
 * settles; a full queue blocks the task's input until it drains. A rejection fails the task and
 * drops what is queued.
 */
import { illegalState } from '../../errors.ts';
import { RingQueue } from '../../utils/ring-queue.ts';
import type { TaskServices } from './stream-operator.ts';

/** Records queued behind a pending call before the task stops taking input. */
export const MAX_QUEUED_INVOCATIONS = 1024;

export class SerialInvoker<T> {
  private readonly call: (value: T, timestamp: number) => unknown;
  private readonly wrapError: (cause: unknown, value: T) => Error;
  private readonly task: TaskServices;
  private readonly limit: number;
  // Values and timestamps alternate, so queuing a record allocates nothing.
  private readonly queue = new RingQueue<unknown>(32);
  /** True while a returned promise has not settled (and for good after a failure or close). */
  private busy = false;
  private pendingValue: T | undefined = undefined;
  private blocked = false;
  private failure: Error | null = null;
  private closed = false;
  private idle: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | null = null;

  /** The input blocker to register with the task. */
  readonly isAvailable = (): boolean => this.queue.size < this.limit * 2;
  private readonly onFulfilled = (): void => {
    this.busy = false;
    this.pendingValue = undefined;
    if (this.failure === null && !this.closed) this.drain();
  };
  private readonly onRejected = (cause: unknown): void => {
    const value = this.pendingValue as T;
    this.busy = false;
    this.pendingValue = undefined;
    if (this.failure === null && !this.closed) this.fail(this.wrapError(cause, value));
  };

  constructor(
    call: (value: T, timestamp: number) => unknown,
    wrapError: (cause: unknown, value: T) => Error,
    task: TaskServices,
    limit: number = MAX_QUEUED_INVOCATIONS,
  ) {
    this.call = call;
    this.wrapError = wrapError;
    this.task = task;
    this.limit = limit;
  }

  /** Calls now, or queues behind a pending call. A synchronous failure is thrown, wrapped. */
  submit(value: T, timestamp: number): void {
    if (this.busy) {
      this.enqueue(value, timestamp);
      return;
    }
    let result: any;
    try {
      result = this.call(value, timestamp);
    } catch (e) {
      throw this.wrapError(e, value);
    }
    if (result !== undefined && result !== null && typeof result.then === 'function') this.track(result, value);
  }

  /** True while calls must go through submit(): a call is pending, or the invoker failed or closed. */
  get isBusy(): boolean {
    return this.busy;
  }

  /** Number of records waiting behind the pending call. */
  get queued(): number {
    return this.queue.size >> 1;
  }

  /** Whether a returned promise is still pending. */
  get pending(): boolean {
    return this.busy && this.failure === null && !this.closed;
  }

  /** Resolves once every submitted call has settled; rejects with the failure if one failed. */
  whenIdle(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(illegalState('The sink was closed before all of its pending invocations had completed'));
    if (!this.busy && this.queue.size === 0) return Promise.resolve();
    if (this.idle === null) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.idle = { promise, resolve, reject };
    }
    return this.idle.promise;
  }

  /** Drops what is queued and ignores the pending call's outcome; later submissions are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.busy = true;
    this.queue.clear();
    const idle = this.idle;
    this.idle = null;
    idle?.reject(illegalState('The sink was closed before all of its pending invocations had completed'));
  }

  track(promise: PromiseLike<unknown>, value: T): void {
    this.busy = true;
    this.pendingValue = value;
    promise.then(this.onFulfilled, this.onRejected);
  }

  private enqueue(value: T, timestamp: number): void {
    if (this.failure !== null || this.closed) return;
    this.queue.push(value);
    this.queue.push(timestamp);
    if (this.queue.size >= this.limit * 2) this.blocked = true;
  }

  private drain(): void {
    const queue = this.queue;
    while (!this.busy && queue.size > 0) {
      const value = queue.shift() as T;
      const timestamp = queue.shift() as number;
      let result: any;
      try {
        result = this.call(value, timestamp);
      } catch (e) {
        this.fail(this.wrapError(e, value));
        return;
      }
      if (result !== undefined && result !== null && typeof result.then === 'function') this.track(result, value);
    }
    if (this.blocked && queue.size < this.limit * 2) {
      this.blocked = false;
      this.task.wakeup();
    }
    if (!this.busy && this.idle !== null) {
      const idle = this.idle;
      this.idle = null;
      idle.resolve();
    }
  }

  private fail(error: Error): void {
    this.failure = error;
    this.busy = true;
    this.queue.clear();
    this.task.failTask(error);
    if (this.blocked) {
      this.blocked = false;
      this.task.wakeup();
    }
    const idle = this.idle;
    this.idle = null;
    idle?.reject(error);
  }
}
