/*
 * Drives buffer debloating for the tasks of an execution attempt that read input gates (Flink's
 * StreamTask.debloat(), run every `taskmanager.network.memory.buffer-debloat.period`): each period
 * it measures a task's throughput — records read over the time it was not idle (busy or
 * back-pressured), as Flink's ThroughputCalculator pauses while the task waits for input — and
 * lets the BufferDebloater of each of its input gates announce the batch size that makes the
 * gate's queued data take the target time. A period in which the task did not run measures
 * nothing and leaves the sizes as they are.
 *
 * On one thread "not idle" is the task's own working time, so the throughput is the rate at which
 * it drains when it runs; tasks sharing the thread make the wall-clock drain slower than that.
 */
import type { JobVertex } from '../../graph/job-graph.ts';
import { BufferDebloater, type BufferDebloatConfiguration } from '../io/buffer-debloater.ts';
import type { StreamTask } from './stream-task.ts';

/** Flink's per-task debloating figures. */
export interface TaskDebloatMetrics {
  /** The smallest batch size (records) announced on the task's input gates. */
  readonly debloatedBufferSize: number;
  /** The longest time (ms) any of its gates needs to consume what is queued, at the measured throughput. */
  readonly estimatedTimeToConsumeBuffersMs: number;
}

class TaskDebloat {
  readonly task: StreamTask;
  readonly debloaters: readonly BufferDebloater[];
  private records: number;
  private activeMs: number;

  constructor(task: StreamTask, config: BufferDebloatConfiguration, now: number) {
    this.task = task;
    this.debloaters = task.deployment.inputs.map((gate) => new BufferDebloater(gate.channels, task.deployment.batchSize, config));
    this.records = task.numRecordsIn;
    this.activeMs = this.active(now);
  }

  private active(now: number): number {
    const [busy, , backPressured] = this.task.ioMetrics.totalsAt(now);
    return busy + backPressured;
  }

  debloat(now: number): void {
    const records = this.task.numRecordsIn;
    const activeMs = this.active(now);
    const elapsed = activeMs - this.activeMs;
    if (elapsed < 1) return;
    const throughput = ((records - this.records) * 1000) / elapsed;
    this.records = records;
    this.activeMs = activeMs;
    for (const debloater of this.debloaters) debloater.recalculate(throughput);
  }

  metrics(): TaskDebloatMetrics {
    let size = Number.POSITIVE_INFINITY;
    let time = 0;
    for (const d of this.debloaters) {
      size = Math.min(size, d.debloatedBufferSize);
      time = Math.max(time, d.estimatedTimeToConsumeBuffersMs);
    }
    return { debloatedBufferSize: size, estimatedTimeToConsumeBuffersMs: time };
  }
}

export class BufferDebloatDriver {
  readonly config: BufferDebloatConfiguration;
  private readonly tasks = new Map<StreamTask, TaskDebloat>();
  private timer: NodeJS.Timeout | null = null;

  constructor(config: BufferDebloatConfiguration) {
    this.config = config;
  }

  /** Debloats the input gates of the attempt's tasks that have any, every period, until stop(). */
  attach(tasksByVertex: ReadonlyMap<JobVertex, readonly StreamTask[]>): void {
    this.stop();
    this.tasks.clear();
    const now = performance.now();
    for (const tasks of tasksByVertex.values()) {
      for (const task of tasks) if (task.deployment.inputs.length > 0) this.tasks.set(task, new TaskDebloat(task, this.config, now));
    }
    this.timer = setInterval(() => this.debloat(), this.config.periodMs);
    this.timer.unref();
  }

  /** The attempt ended: no more periods; the last figures stay readable. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private debloat(): void {
    const now = performance.now();
    for (const t of this.tasks.values()) if (t.task.isRunning()) t.debloat(now);
  }

  /** The task's debloating figures; null for a task without input gates. */
  metricsOf(task: StreamTask): TaskDebloatMetrics | null {
    return this.tasks.get(task)?.metrics() ?? null;
  }
}
