/*
 * Job states with Flink's names (JobStatus), and the result a finished job hands back.
 */
import type { Accumulator } from '../../api/common/accumulators.ts';
import type { TaskTimeMetrics } from '../tasks/task-io-metrics.ts';
import type { VertexNetworkMetrics } from '../tasks/local-flow-control.ts';

export const JobStatus = {
  INITIALIZING: 'INITIALIZING',
  CREATED: 'CREATED',
  RUNNING: 'RUNNING',
  FAILING: 'FAILING',
  FAILED: 'FAILED',
  CANCELLING: 'CANCELLING',
  CANCELED: 'CANCELED',
  FINISHED: 'FINISHED',
  RESTARTING: 'RESTARTING',
} as const;

export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

export function isGloballyTerminal(status: JobStatus): boolean {
  return status === JobStatus.FINISHED || status === JobStatus.FAILED || status === JobStatus.CANCELED;
}

export class JobExecutionResult {
  readonly jobId: string;
  readonly jobName: string;
  /** Wall-clock run time of the job in milliseconds. */
  readonly netRuntime: number;
  private readonly accumulators: ReadonlyMap<string, Accumulator<unknown, unknown>>;

  constructor(jobId: string, jobName: string, netRuntime: number, accumulators: ReadonlyMap<string, Accumulator<unknown, unknown>>) {
    this.jobId = jobId;
    this.jobName = jobName;
    this.netRuntime = netRuntime;
    this.accumulators = accumulators;
  }

  getJobID(): string {
    return this.jobId;
  }

  getNetRuntime(): number {
    return this.netRuntime;
  }

  getAccumulatorResult<R = unknown>(name: string): R | undefined {
    return this.accumulators.get(name)?.getLocalValue() as R | undefined;
  }

  getAllAccumulatorResults(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, acc] of this.accumulators) out[name] = acc.getLocalValue();
    return out;
  }

  toString(): string {
    return `JobExecutionResult{jobId=${this.jobId}, jobName='${this.jobName}', netRuntime=${this.netRuntime} ms}`;
  }
}

/**
 * Figures of one job vertex, summed over its subtasks (keyed by vertex name in getMetrics());
 * busyTimeMsPerSecond, idleTimeMsPerSecond and backPressuredTimeMsPerSecond are the mean over the
 * vertex's subtasks; backPressureRatio and backPressureLevel are those of its most back-pressured subtask.
 */
export interface VertexMetrics extends TaskTimeMetrics, VertexNetworkMetrics {
  readonly vertexId: number;
  readonly parallelism: number;
  readonly numRecordsIn: number;
  readonly numRecordsOut: number;
  readonly numRecordsInPerSecond: number;
  readonly numRecordsOutPerSecond: number;
  /** Records handed to the sinks chained in this vertex, and their rate. */
  readonly numRecordsSend: number;
  readonly numRecordsSendPerSecond: number;
  /** Fraction of the granted input buffers holding data (0..1), max over subtasks. */
  readonly inPoolUsage: number;
  /** Fraction of the output buffers granted by consumers that are in use (0..1), max over subtasks. */
  readonly outPoolUsage: number;
  readonly subtasks: readonly ({ readonly state: string; readonly numRecordsIn: number; readonly numRecordsOut: number; readonly numRecordsSend: number } & TaskTimeMetrics)[];
  /** User-defined metrics of the vertex's operators, by "<operator>.<metric>". */
  readonly userMetrics: Readonly<Record<string, unknown>>;
  /**
   * Figures of the vertex's keyed state backends, summed over subtasks: `numEntries`, and on RocksDB
   * Flink's metric names (rocksdb.cur-size-all-mem-tables, rocksdb.block-cache-usage,
   * rocksdb.estimate-pending-compaction-bytes, ...) and `backPressureLevel` (the maximum).
   */
  readonly stateMetrics: Readonly<Record<string, number>>;
}
