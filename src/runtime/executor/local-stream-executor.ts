/*
 * LocalStreamExecutor: runs a JobGraph inside the calling process. It creates one task per
 * subtask, the channels of every job edge (all-to-all or pointwise), the coordinators of
 * split-based sources, and one scheduler for all tasks; it tracks the job's status, fails the job
 * on the first task failure (cancelling the others) and merges accumulators into the result.
 */
import { configurationError, ErrorCodes, FlinkError } from '../../errors.ts';
import type { Accumulator } from '../../api/common/accumulators.ts';
import { DistributionPattern, type JobEdge, type JobGraph, type JobVertex } from '../../graph/job-graph.ts';
import type { StreamEdge } from '../../graph/stream-graph.ts';
import { getLogger } from '../../utils/logger.ts';
import { InputGate } from '../io/input-gate.ts';
import { LocalChannel } from '../io/local-channel.ts';
import { MetricGroup } from '../metrics/metric-group.ts';
import type { SourceOperator } from '../operators/source-operator.ts';
import { pointwiseConnections } from '../partitioner/pointwise.ts';
import { SourceCoordinator } from '../source/source-coordinator.ts';
import { CoordinatorStore } from '../source/watermark-alignment-coordinator.ts';
import type { StateBackend } from '../state/keyed-state-backend.ts';
import { StateCoordinator, type StateCoordinatorStatistics } from '../state/state-coordinator.ts';
import { StreamTask, mergeStateMetrics } from '../tasks/stream-task.ts';
import { TaskScheduler } from '../tasks/task-scheduler.ts';
import type { SourceSplit } from '../../connector/source/source.ts';
import { JobExecutionResult, JobStatus, type VertexMetrics } from './job-status.ts';

const log = getLogger('LocalStreamExecutor');

export interface LocalExecutionOptions {
  readonly batchSize: number;
  readonly bufferTimeoutMs: number;
  /** Buffers a consumer grants each channel (exclusive plus its share of floating buffers). */
  readonly buffersPerChannel: number;
  /** Creates the keyed state backends of the job's keyed operators; HashMapStateBackend when absent. */
  readonly stateBackend?: StateBackend;
  /** Tracks the job's keyed state backends; one per job when not shared. */
  readonly stateCoordinator?: StateCoordinator;
}

export class LocalJob {
  readonly jobGraph: JobGraph;
  readonly jobId: string;
  readonly jobName: string;
  private readonly options: LocalExecutionOptions;
  private readonly scheduler = new TaskScheduler();
  private readonly tasksByVertex = new Map<JobVertex, StreamTask[]>();
  private readonly coordinators = new Map<number, SourceCoordinator<SourceSplit>>();
  /** Shared by the job's source coordinators (watermark alignment groups span sources). */
  private readonly coordinatorStore = new CoordinatorStore();
  private readonly metricsRoot: MetricGroup;
  private readonly stateCoordinator: StateCoordinator;
  private jobStateBackend: StateBackend | undefined = undefined;
  private status: JobStatus = JobStatus.INITIALIZING;
  private failure: unknown = undefined;
  private startTime = 0;
  private endTime = 0;
  private lastSample = new Map<number, { time: number; counts: Counts; rates: Counts }>();
  readonly result: Promise<JobExecutionResult>;

  constructor(jobGraph: JobGraph, options: LocalExecutionOptions) {
    // Without a buffer per channel no producer could ever write: fail now rather than hang.
    if (!(options.buffersPerChannel >= 1)) {
      throw configurationError(
        `Insufficient network buffers: each channel needs at least 1, but 'taskmanager.network.memory.buffers-per-channel' plus ` +
          `'taskmanager.network.memory.floating-buffers-per-gate' is ${options.buffersPerChannel}`,
      );
    }
    this.jobGraph = jobGraph;
    this.jobId = jobGraph.jobId;
    this.jobName = jobGraph.jobName;
    this.options = options;
    this.metricsRoot = new MetricGroup([jobGraph.jobName]);
    this.stateCoordinator = options.stateCoordinator ?? new StateCoordinator();
    this.result = this.run();
    // The caller may only look at the result later (executeAsync); a failure is still reported there.
    this.result.catch(() => {});
  }

  getStatus(): JobStatus {
    return this.status;
  }

  /** Statistics of the job's keyed state backends (entries, RocksDB figures, back-pressure level). */
  getStateStatistics(): StateCoordinatorStatistics {
    return this.stateCoordinator.getStatistics(this.jobId);
  }

  private async run(): Promise<JobExecutionResult> {
    this.startTime = performance.now();
    try {
      const config = this.options.stateBackend;
      this.jobStateBackend = (await this.stateCoordinator.createStateBackend({ taskManagerId: 'local', jobId: this.jobId, ...(config === undefined ? {} : { config }) })).backend;
      this.deploy();
      for (const coordinator of this.coordinators.values()) await coordinator.start();
      // cancel() may have come while the job was being deployed.
      if (this.status === JobStatus.CANCELLING || this.failure !== undefined) for (const task of this.allTasks()) task.cancel();
      else this.status = JobStatus.RUNNING;
      log.info({ jobId: this.jobId, job: this.jobName }, 'job running');
      this.scheduler.start();
      const runs = [...this.tasksByVertex.values()].flat().map((task) =>
        task.run().catch((error: unknown) => {
          this.failJob(error);
        }),
      );
      await Promise.all(runs);
    } catch (error) {
      this.failJob(error);
    } finally {
      await this.scheduler.stop();
      for (const coordinator of this.coordinators.values()) {
        await coordinator.close().catch((e: unknown) => this.failJob(e));
      }
      this.stateCoordinator.releaseJob(this.jobId);
      this.endTime = performance.now();
    }
    if (this.status === JobStatus.CANCELLING) {
      this.status = JobStatus.CANCELED;
      throw new FlinkError(ErrorCodes.FLINK_TS_JOB_CANCELLED, `Job '${this.jobName}' (${this.jobId}) was cancelled`);
    }
    if (this.failure !== undefined) {
      this.status = JobStatus.FAILED;
      // The failure is what the job's result rejects with; logging it louder would report it twice.
      log.info({ jobId: this.jobId, err: this.failure }, 'job failed');
      throw this.failure;
    }
    this.status = JobStatus.FINISHED;
    return new JobExecutionResult(this.jobId, this.jobName, Math.round(this.endTime - this.startTime), this.mergedAccumulators());
  }

  private failJob(error: unknown): void {
    if (this.failure !== undefined || this.status === JobStatus.CANCELLING) return;
    this.failure = FlinkError.isFlinkError(error)
      ? error
      : new FlinkError(ErrorCodes.FLINK_TS_JOB_FAILED, `Job '${this.jobName}' failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    this.status = JobStatus.FAILING;
    for (const task of this.allTasks()) task.cancel();
  }

  /** Cancels the job: sources stop, tasks close their operators; the result rejects as cancelled. */
  async cancel(): Promise<void> {
    if (this.status === JobStatus.FINISHED || this.status === JobStatus.FAILED || this.status === JobStatus.CANCELED) return;
    if (this.failure === undefined) this.status = JobStatus.CANCELLING;
    for (const task of this.allTasks()) task.cancel();
    await this.result.catch(() => {});
  }

  private allTasks(): StreamTask[] {
    return [...this.tasksByVertex.values()].flat();
  }

  private deploy(): void {
    const { batchSize, bufferTimeoutMs, buffersPerChannel } = this.options;
    const outputs = new Map<JobVertex, Map<StreamEdge, LocalChannel[]>[]>();
    const inputs = new Map<JobVertex, Map<number, LocalChannel[]>[]>();
    for (const v of this.jobGraph.vertices) {
      outputs.set(v, Array.from({ length: v.parallelism }, () => new Map()));
      inputs.set(v, Array.from({ length: v.parallelism }, () => new Map()));
    }
    for (const vertex of this.jobGraph.vertices) {
      for (const edge of vertex.outputs) this.connect(edge, buffersPerChannel, outputs.get(edge.source)!, inputs.get(edge.target)!);
    }
    for (const vertex of this.jobGraph.vertices) {
      const head = vertex.head;
      if (head.source?.kind === 'split') {
        const deliver = (subtask: number, action: (op: SourceOperator<unknown, SourceSplit>) => void): void => {
          const task = this.tasksByVertex.get(vertex)?.[subtask];
          task?.executeInMailbox(() => action(task.chain.head as SourceOperator<unknown, SourceSplit>), 'source coordinator event');
        };
        this.coordinators.set(head.id, new SourceCoordinator(head.name, head.source.source, vertex.parallelism, deliver, (e) => this.failJob(e), this.coordinatorStore));
      }
      const vertexGroup = this.metricsRoot.addGroup(vertex.name);
      const tasks: StreamTask[] = [];
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        const gatesByInput = inputs.get(vertex)![subtask]!;
        const gates = [...gatesByInput.entries()].sort((a, b) => a[0] - b[0]).map(([input, channels]) => new InputGate(input, channels));
        tasks.push(
          new StreamTask({
            vertex,
            subtaskIndex: subtask,
            jobInfo: { jobId: this.jobId, jobName: this.jobName },
            attemptNumber: 0,
            scheduler: this.scheduler,
            inputs: gates,
            outputChannels: outputs.get(vertex)![subtask]!,
            batchSize,
            bufferTimeoutMs,
            metricGroup: vertexGroup.addGroup(String(subtask)),
            sourceServices: { coordinatorFor: (id) => this.coordinators.get(id) },
            ...(this.jobStateBackend === undefined ? {} : { stateBackend: this.jobStateBackend }),
          }),
        );
      }
      this.tasksByVertex.set(vertex, tasks);
    }
  }

  private connect(edge: JobEdge, capacity: number, producers: Map<StreamEdge, LocalChannel[]>[], consumers: Map<number, LocalChannel[]>[]): void {
    const p = edge.source.parallelism;
    const c = edge.target.parallelism;
    const targets = edge.pattern === DistributionPattern.POINTWISE ? pointwiseConnections(p, c) : Array.from({ length: p }, () => Array.from({ length: c }, (_, j) => j));
    // Input 0 (one-input) and 1/2 (two-input) keep their own gates; consumers see producers in subtask order.
    const input = edge.streamEdge.typeNumber;
    const perConsumer: LocalChannel[][] = Array.from({ length: c }, () => []);
    for (let i = 0; i < p; i++) {
      const channels = targets[i]!.map((j) => {
        const channel = new LocalChannel(capacity, i, j);
        perConsumer[j]!.push(channel);
        return channel;
      });
      producers[i]!.set(edge.streamEdge, channels);
    }
    for (let j = 0; j < c; j++) {
      const existing = consumers[j]!.get(input) ?? [];
      existing.push(...perConsumer[j]!);
      consumers[j]!.set(input, existing);
    }
  }

  private mergedAccumulators(): Map<string, Accumulator<unknown, unknown>> {
    const merged = new Map<string, Accumulator<unknown, unknown>>();
    for (const task of this.allTasks()) {
      for (const [name, acc] of task.accumulators) {
        const existing = merged.get(name);
        if (existing === undefined) merged.set(name, acc.clone());
        else existing.merge(acc);
      }
    }
    return merged;
  }

  /** Per-vertex figures keyed by vertex name; rates are over the time since the previous call. */
  getMetrics(): Record<string, VertexMetrics> {
    const out: Record<string, VertexMetrics> = {};
    const now = performance.now();
    for (const [vertex, tasks] of this.tasksByVertex) {
      const counts: Counts = { in: 0, out: 0, send: 0 };
      let inPool = 0;
      let outPool = 0;
      const subtasks = tasks.map((t) => {
        const recordsIn = t.recordsIn();
        const recordsOut = t.recordsOut();
        const recordsSend = t.recordsSent();
        counts.in += recordsIn;
        counts.out += recordsOut;
        counts.send += recordsSend;
        for (const w of t.chain.writers) outPool = Math.max(outPool, w.bufferUsage());
        for (const g of t.deployment.inputs) inPool = Math.max(inPool, g.bufferUsage());
        return { state: t.getState(), numRecordsIn: recordsIn, numRecordsOut: recordsOut, numRecordsSend: recordsSend };
      });
      const rates = this.rates(vertex.id, counts, now);
      const stateMetrics = mergeStateMetrics(tasks.map((t) => t.stateMetrics()));
      const userMetrics: Record<string, unknown> = {};
      for (const t of tasks) {
        for (const [k, v] of Object.entries(t.deployment.metricGroup.snapshotAll())) {
          userMetrics[k] = typeof v === 'number' && typeof userMetrics[k] === 'number' ? (userMetrics[k] as number) + v : v;
        }
      }
      out[vertex.name] = {
        vertexId: vertex.id,
        parallelism: vertex.parallelism,
        numRecordsIn: counts.in,
        numRecordsOut: counts.out,
        numRecordsSend: counts.send,
        numRecordsInPerSecond: rates.in,
        numRecordsOutPerSecond: rates.out,
        numRecordsSendPerSecond: rates.send,
        inPoolUsage: inPool,
        outPoolUsage: outPool,
        subtasks,
        userMetrics,
        stateMetrics,
      };
    }
    return out;
  }

  /** Rates since the previous sample of this vertex (kept for at least 200 ms so rates are stable). */
  private rates(vertexId: number, counts: Counts, now: number): Counts {
    const last = this.lastSample.get(vertexId) ?? { time: this.startTime, counts: { in: 0, out: 0, send: 0 }, rates: { in: 0, out: 0, send: 0 } };
    const elapsed = (now - last.time) / 1000;
    if (elapsed < 0.2) return last.rates;
    const rates = { in: (counts.in - last.counts.in) / elapsed, out: (counts.out - last.counts.out) / elapsed, send: (counts.send - last.counts.send) / elapsed };
    this.lastSample.set(vertexId, { time: now, counts: { ...counts }, rates });
    return rates;
  }
}

interface Counts {
  in: number;
  out: number;
  send: number;
}
