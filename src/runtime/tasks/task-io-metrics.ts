/*
 * Flink's task time metrics (TaskIOMetricGroup): how a subtask spends its wall-clock time —
 * busy (in its steps: processing mails, input batches or source polls; or a source function
 * emitting), back-pressured (its outputs have no credit: after a step that left them full, or
 * while the consumers drain a channel it overfilled, or a source function waits in collectAsync)
 * or idle (waiting for input, or for its turn on the thread it shares with other tasks) — reported
 * as busyTimeMsPerSecond, idleTimeMsPerSecond and backPressuredTimeMsPerSecond, with the
 * back-pressure level of Flink's web UI derived from the back-pressured ratio. A source function's
 * own code between two emissions counts as busy until the task's next step.
 *
 * The clock is read only when a task changes status: at step boundaries, on a channel overflow and
 * when a source function starts emitting after a wait; never per record.
 */
import type { OperatorChain } from './operator-chain.ts';
import { StreamSink } from '../operators/stream-sink.ts';
import { SinkWriterOperator } from '../operators/sink-writer-operator.ts';

export const TaskTimeStatus = { BUSY: 0, IDLE: 1, BACK_PRESSURED: 2, STOPPED: 3 } as const;
export type TaskTimeStatusValue = (typeof TaskTimeStatus)[keyof typeof TaskTimeStatus];

/** Flink's back-pressure levels: ok ≤ 0.10 < low ≤ 0.5 < high (of the back-pressured ratio). */
export type BackPressureLevel = 'ok' | 'low' | 'high';

export function backPressureLevelOf(ratio: number): BackPressureLevel {
  return ratio <= 0.1 ? 'ok' : ratio <= 0.5 ? 'low' : 'high';
}

/** Time figures of a subtask (or the mean over a vertex's subtasks), each in [0, 1000]. */
export interface TaskTimeMetrics {
  readonly busyTimeMsPerSecond: number;
  readonly idleTimeMsPerSecond: number;
  readonly backPressuredTimeMsPerSecond: number;
  /** backPressuredTimeMsPerSecond / 1000; for a vertex, that of its most back-pressured subtask. */
  readonly backPressureRatio: number;
  readonly backPressureLevel: BackPressureLevel;
}

/** Samples closer together than this keep the previous figures, so that rates stay stable. */
const MIN_WINDOW_MS = 200;

const NOT_STARTED: TaskTimeMetrics = { busyTimeMsPerSecond: 0, idleTimeMsPerSecond: 1000, backPressuredTimeMsPerSecond: 0, backPressureRatio: 0, backPressureLevel: 'ok' };

export class TaskIOMetrics {
  private status: TaskTimeStatusValue = TaskTimeStatus.STOPPED;
  private since = 0;
  /** Accumulated ms per status: busy, idle, back-pressured. */
  private readonly totals = [0, 0, 0];
  private readonly sampled = [0, 0, 0];
  private last: TaskTimeMetrics = NOT_STARTED;

  /** The task started running; it is busy until its first step says otherwise. */
  start(): void {
    if (this.status !== TaskTimeStatus.STOPPED) return;
    this.status = TaskTimeStatus.BUSY;
    this.since = performance.now();
  }

  /** The task ended: its figures stop accumulating. */
  stop(): void {
    this.transition(TaskTimeStatus.STOPPED);
  }

  getStatus(): TaskTimeStatusValue {
    return this.status;
  }

  /** A step begins: the task works. */
  beginStep(): void {
    this.transition(TaskTimeStatus.BUSY);
  }

  /**
   * A source's intake is held by its throttle (local-back-pressure-detector.ts): the wait is back
   * pressure even while its outputs have some credit.
   */
  sourceHeld = false;

  /** A step ended: until the next one the task waits for credit or its throttle (back-pressured) or for input or its turn (idle). */
  endStep(outputAvailable: boolean): void {
    this.transition(outputAvailable && !this.sourceHeld ? TaskTimeStatus.IDLE : TaskTimeStatus.BACK_PRESSURED);
  }

  /** Cheap when the status does not change: the clock is read on changes only. */
  transition(status: TaskTimeStatusValue): void {
    const current = this.status;
    if (current === status || current === TaskTimeStatus.STOPPED) return;
    const now = performance.now();
    this.totals[current] = this.totals[current]! + (now - this.since);
    this.since = now;
    this.status = status;
  }

  /** Accumulated ms per status (busy, idle, back-pressured), including the current interval. */
  totalsAt(now: number): [number, number, number] {
    const t: [number, number, number] = [this.totals[0]!, this.totals[1]!, this.totals[2]!];
    if (this.status !== TaskTimeStatus.STOPPED) t[this.status] += Math.max(0, now - this.since);
    return t;
  }

  /**
   * The figures over the window since the previous sample: each status's share of the task's
   * running time in that window, per second. A window shorter than 200 ms (or in which the task
   * no longer ran) keeps the previous figures.
   */
  sample(now: number): TaskTimeMetrics {
    const t = this.totalsAt(now);
    const busy = t[0] - this.sampled[0]!;
    const idle = t[1] - this.sampled[1]!;
    const backPressured = t[2] - this.sampled[2]!;
    const window = busy + idle + backPressured;
    if (window < MIN_WINDOW_MS && !(window > 0 && this.last === NOT_STARTED)) return this.last;
    this.sampled[0] = t[0];
    this.sampled[1] = t[1];
    this.sampled[2] = t[2];
    const ratio = backPressured / window;
    this.last = {
      busyTimeMsPerSecond: (busy / window) * 1000,
      idleTimeMsPerSecond: (idle / window) * 1000,
      backPressuredTimeMsPerSecond: ratio * 1000,
      backPressureRatio: ratio,
      backPressureLevel: backPressureLevelOf(ratio),
    };
    return this.last;
  }
}

/** A vertex's figures: the mean time shares of its subtasks; the level of the most back-pressured one (Flink). */
export function vertexTimeMetrics(subtasks: readonly TaskTimeMetrics[]): TaskTimeMetrics {
  if (subtasks.length === 0) return NOT_STARTED;
  let busy = 0;
  let idle = 0;
  let backPressured = 0;
  let ratio = 0;
  for (const s of subtasks) {
    busy += s.busyTimeMsPerSecond;
    idle += s.idleTimeMsPerSecond;
    backPressured += s.backPressuredTimeMsPerSecond;
    ratio = Math.max(ratio, s.backPressureRatio);
  }
  const n = subtasks.length;
  return {
    busyTimeMsPerSecond: busy / n,
    idleTimeMsPerSecond: idle / n,
    backPressuredTimeMsPerSecond: backPressured / n,
    backPressureRatio: ratio,
    backPressureLevel: backPressureLevelOf(ratio),
  };
}

/** Records handed to the sinks of a chain (Flink's numRecordsSend). */
export function recordsSentBy(chain: OperatorChain): number {
  let n = 0;
  for (const operator of chain.operators) {
    if (operator instanceof StreamSink || operator instanceof SinkWriterOperator) n += operator.numRecordsIn;
  }
  return n;
}
