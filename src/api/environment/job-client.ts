/*
 * JobClient: the handle of a submitted job, as Flink's: its status, metrics, checkpoint
 * statistics, savepoints, result, stop and cancel.
 */
import type { LocalJob } from '../../runtime/executor/local-stream-executor.ts';
import type { CheckpointStatistics } from '../../runtime/checkpoint/checkpoint-coordinator.ts';
import type { BackPressureStatistics } from '../../runtime/tasks/local-back-pressure-detector.ts';
import type { StateCoordinatorStatistics } from '../../runtime/state/state-coordinator.ts';
import type { JobExecutionResult, JobStatus, VertexMetrics } from '../../runtime/executor/job-status.ts';

export interface JobListener {
  onJobSubmitted?(client: JobClient | null, error: unknown): void;
  onJobExecuted?(result: JobExecutionResult | null, error: unknown): void;
}

export class JobClient {
  private readonly job: LocalJob;

  constructor(job: LocalJob) {
    this.job = job;
  }

  getJobID(): string {
    return this.job.jobId;
  }

  getJobName(): string {
    return this.job.jobName;
  }

  async getJobStatus(): Promise<JobStatus> {
    return this.job.getStatus();
  }

  /** Stops the sources, lets tasks close their operators, and resolves when the job has stopped. */
  async cancel(): Promise<void> {
    await this.job.cancel();
  }

  getJobExecutionResult(): Promise<JobExecutionResult> {
    return this.job.result;
  }

  /** Per-vertex metrics keyed by vertex name; rates cover the time since the previous call. */
  async getMetrics(): Promise<Record<string, VertexMetrics>> {
    return this.job.getMetrics();
  }

  /**
   * The LocalBackPressureDetector's figures: per operator its input queue utilization, back-pressured
   * time, pressure level and, for sources, the throttle; the overall level. Null when disabled
   * ('taskmanager.network.local-back-pressure.enabled: false').
   */
  getBackPressure(): BackPressureStatistics | null {
    return this.job.getBackPressure();
  }

  /** Statistics of the job's keyed state backends, from the state coordinator. */
  getStateStatistics(): StateCoordinatorStatistics {
    return this.job.getStateStatistics();
  }

  /** Flink's checkpointing figures (completed, failed, in progress, last size, restored); null without checkpointing. */
  getCheckpointStatistics(): CheckpointStatistics | null {
    return this.job.getCheckpointStatistics();
  }

  /** How often the job restarted after a failure (Flink's numRestarts metric). */
  getNumRestarts(): number {
    return this.job.getNumRestarts();
  }

  /**
   * Takes a savepoint of the running job into a new directory `savepoint-<job>-<random>` under
   * `savepointDirectory` (or 'state.savepoints.dir'); resolves with the savepoint's path.
   */
  triggerSavepoint(savepointDirectory?: string): Promise<string> {
    return this.job.triggerSavepoint(savepointDirectory, false);
  }

  /**
   * Flink's stop-with-savepoint: takes a savepoint, stops the sources after its barrier and,
   * once it completed (committing sinks have committed), ends the job as FINISHED without
   * draining: no end of input, no final watermark. Resolves with the savepoint's path when the
   * job has ended. Flink's stopWithSavepoint(advanceToEndOfEventTime, directory) form is accepted
   * too: with true (drain) the sources' input ends first — MAX_WATERMARK fires every event-time
   * timer and window, the operators finish — and the savepoint is taken after that.
   */
  async stopWithSavepoint(savepointDirectoryOrDrain?: string | boolean, savepointDirectory?: string): Promise<string> {
    const drain = savepointDirectoryOrDrain === true;
    const directory = typeof savepointDirectoryOrDrain === 'string' ? savepointDirectoryOrDrain : savepointDirectory;
    return this.job.triggerSavepoint(directory, true, drain);
  }

  /** Triggers a checkpoint now; resolves with its id, or null when not all tasks are running. */
  triggerCheckpoint(): Promise<number | null> {
    return this.job.triggerCheckpoint();
  }

  /** A textual plan of the running job: vertices, parallelism and edges. */
  getJobPlan(): string {
    return this.job.jobGraph.describe();
  }
}
