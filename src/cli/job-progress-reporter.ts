/*
 * Follows the jobs a job file submits: on a terminal, one live progress line on stderr rewritten
 * every interval; when a job ends, that line is erased and one summary line is printed. It also
 * knows when every submitted job has settled and can cancel them all (Ctrl-C).
 */
import type { JobClient } from '../index.ts';
import { CLEAR_LINE, NO_RECORDS, formatProgressLine, formatSummaryLine, recordFigures, type JobSummary, type RecordFigures } from './progress.ts';

/** The stream the reporter writes to (process.stderr, or a stand-in in tests). */
export interface StatusStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface JobOutcome extends JobSummary {
  /** Why the job did not finish, when it failed or was cancelled. */
  readonly error?: unknown;
}

export interface ProgressReporterOptions {
  /** Whether to show the live line; by default when the stream is a terminal. */
  readonly live?: boolean;
  readonly intervalMs?: number;
  readonly now?: () => number;
}

interface TrackedJob {
  readonly client: JobClient;
  readonly startedAt: number;
  done: boolean;
}

export class JobProgressReporter {
  readonly live: boolean;
  private readonly stream: StatusStream;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly jobs: TrackedJob[] = [];
  private readonly outcomes: Promise<JobOutcome>[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private lineVisible = false;

  constructor(stream: StatusStream, options: ProgressReporterOptions = {}) {
    this.stream = stream;
    this.live = options.live ?? stream.isTTY === true;
    this.intervalMs = options.intervalMs ?? 1000;
    this.now = options.now ?? (() => performance.now());
  }

  track(client: JobClient): void {
    const job: TrackedJob = { client, startedAt: this.now(), done: false };
    this.jobs.push(job);
    this.outcomes.push(this.settle(job));
    if (this.live && this.timer === null) {
      this.timer = setInterval(() => void this.render(), this.intervalMs);
    }
  }

  private async settle(job: TrackedJob): Promise<JobOutcome> {
    let runtimeMs: number;
    let error: unknown;
    try {
      runtimeMs = (await job.client.getJobExecutionResult()).getNetRuntime();
    } catch (e) {
      error = e;
      runtimeMs = this.now() - job.startedAt;
    }
    job.done = true;
    const figures = await this.figuresOf(job.client);
    const outcome: JobOutcome = {
      jobName: job.client.getJobName(),
      jobId: job.client.getJobID(),
      status: await job.client.getJobStatus(),
      runtimeMs,
      figures,
      ...(error === undefined ? {} : { error }),
    };
    this.clearLine();
    this.stream.write(`${formatSummaryLine(outcome)}\n`);
    if (this.jobs.every((j) => j.done)) this.stopTimer();
    return outcome;
  }

  private async figuresOf(client: JobClient): Promise<RecordFigures> {
    try {
      return recordFigures(await client.getMetrics());
    } catch {
      // Metrics are a nicety; a job that failed while deploying may have none.
      return NO_RECORDS;
    }
  }

  /** Rewrites the live line for the most recently submitted running job. */
  async render(): Promise<void> {
    const job = this.jobs.findLast((j) => !j.done);
    if (job === undefined) return;
    const figures = await this.figuresOf(job.client);
    if (job.done) return;
    const line = formatProgressLine(job.client.getJobName(), this.now() - job.startedAt, figures, this.stream.columns ?? 0);
    this.stream.write(CLEAR_LINE + line);
    this.lineVisible = true;
  }

  /** Erases the live line so that other output starts on a clean line; the next tick redraws it. */
  clearLine(): void {
    if (!this.lineVisible) return;
    this.stream.write(CLEAR_LINE);
    this.lineVisible = false;
  }

  /** Jobs tracked and not yet ended. */
  get running(): number {
    return this.jobs.filter((j) => !j.done).length;
  }

  /** The outcomes of every tracked job, once all have settled (including jobs submitted meanwhile). */
  async whenAllSettled(): Promise<JobOutcome[]> {
    let count = -1;
    while (count !== this.outcomes.length) {
      count = this.outcomes.length;
      await Promise.all(this.outcomes);
    }
    return Promise.all(this.outcomes);
  }

  /** Cancels every running job; resolves when they have stopped. */
  async cancelAll(): Promise<void> {
    await Promise.all(this.jobs.filter((j) => !j.done).map((j) => j.client.cancel()));
  }

  close(): void {
    this.stopTimer();
    this.clearLine();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
