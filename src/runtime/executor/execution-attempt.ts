/*
 * One execution attempt of a job in this process (Flink's deployment of an ExecutionGraph
 * version): the tasks of every subtask, the channels of every job edge (all-to-all or pointwise),
 * the coordinators of split-based sources, and a scheduler for all tasks. It runs until every
 * task ended or the first failure (which cancels the other tasks). A restart is a new attempt,
 * restored from the latest completed checkpoint. It is also what the checkpoint coordinator
 * talks to while the attempt runs: it plans each checkpoint from the states of its tasks (Flink's
 * DefaultCheckpointPlanCalculator: tasks that ended are left out, their vertices' operators recorded
 * as finished when every subtask ended) and triggers the tasks that inject the barrier.
 */
import { withFunctionCopyContext } from '../../api/common/function-copy.ts';
import type { JobGraph, JobVertex, JobEdge } from '../../graph/job-graph.ts';
import { DistributionPattern } from '../../graph/job-graph.ts';
import type { StreamEdge } from '../../graph/stream-graph.ts';
import type { CheckpointParticipants, CheckpointPlan, TriggerOptions } from '../checkpoint/checkpoint-plan.ts';
import type { CoordinatorState } from '../checkpoint/checkpoint-metadata.ts';
import type { JobRestoreState } from '../checkpoint/checkpoint-restore.ts';
import { InputGate } from '../io/input-gate.ts';
import { LocalChannel } from '../io/local-channel.ts';
import type { CheckpointBarrier } from '../io/stream-events.ts';
import type { MetricGroup } from '../metrics/metric-group.ts';
import type { SourceOperator } from '../operators/source-operator.ts';
import { pointwiseConnections } from '../partitioner/pointwise.ts';
import { SourceCoordinator } from '../source/source-coordinator.ts';
import type { CoordinatorStore } from '../source/watermark-alignment-coordinator.ts';
import type { StateBackend } from '../state/keyed-state-backend.ts';
import { StreamTask } from '../tasks/stream-task.ts';
import type { TaskCheckpointServices } from '../tasks/subtask-checkpoint-coordinator.ts';
import { operatorIdOf, operatorIdsOf } from '../checkpoint/operator-id.ts';
import { TaskScheduler } from '../tasks/task-scheduler.ts';
import { TaskState } from '../tasks/task-state.ts';
import type { SourceSplit } from '../../connector/source/source.ts';

export interface ExecutionAttemptParameters {
  readonly jobGraph: JobGraph;
  readonly attemptNumber: number;
  readonly batchSize: number;
  readonly bufferTimeoutMs: number;
  readonly buffersPerChannel: number;
  readonly stateBackend: StateBackend | undefined;
  readonly metricsRoot: MetricGroup;
  readonly coordinatorStore: CoordinatorStore;
  readonly checkpointing: TaskCheckpointServices | null;
  readonly restore: JobRestoreState | null;
  /** The job has a restart strategy: functions are kept pristine for later attempts. */
  readonly mayRestart: boolean;
}

export class ExecutionAttempt implements CheckpointParticipants {
  readonly attemptNumber: number;
  readonly tasksByVertex = new Map<JobVertex, StreamTask[]>();
  private readonly parameters: ExecutionAttemptParameters;
  private readonly scheduler = new TaskScheduler();
  private readonly coordinators = new Map<number, SourceCoordinator<SourceSplit>>();
  /** The tasks each task reads from. */
  private readonly upstream = new Map<StreamTask, readonly StreamTask[]>();
  private failure: unknown = undefined;
  private cancelled = false;

  constructor(parameters: ExecutionAttemptParameters) {
    this.parameters = parameters;
    this.attemptNumber = parameters.attemptNumber;
    withFunctionCopyContext({ attemptNumber: parameters.attemptNumber, keepPristine: parameters.mayRestart }, () => this.deploy());
  }

  allTasks(): StreamTask[] {
    return [...this.tasksByVertex.values()].flat();
  }

  /** Runs the attempt to its end; resolves with its first failure, or undefined. */
  async run(onRunning: () => void): Promise<unknown> {
    try {
      for (const coordinator of this.coordinators.values()) await coordinator.start();
      if (this.cancelled || this.failure !== undefined) for (const task of this.allTasks()) task.cancel();
      else onRunning();
      this.scheduler.start();
      await Promise.all(this.allTasks().map((task) => task.run().catch((error: unknown) => this.fail(error))));
    } catch (error) {
      this.fail(error);
    } finally {
      await this.scheduler.stop();
      for (const coordinator of this.coordinators.values()) await coordinator.close().catch((e: unknown) => this.fail(e));
    }
    return this.failure;
  }

  /** The first failure ends the attempt: every task is cancelled. */
  fail(error: unknown): void {
    if (this.failure !== undefined || this.cancelled) return;
    this.failure = error;
    for (const task of this.allTasks()) task.cancel();
  }

  getFailure(): unknown {
    return this.failure;
  }

  cancel(): void {
    this.cancelled = true;
    for (const task of this.allTasks()) task.cancel();
  }

  // ---- CheckpointParticipants ---------------------------------------------------------------

  checkpointPlan(): CheckpointPlan | null {
    const tasksToWaitFor: string[] = [];
    const fullyFinishedOperators: string[] = [];
    const partlyFinishedVertices = new Map<number, string>();
    const vertexNames = new Map<number, string>();
    const ids = operatorIdsOf(this.parameters.jobGraph);
    for (const [vertex, tasks] of this.tasksByVertex) {
      vertexNames.set(vertex.id, vertex.name);
      let ended = 0;
      for (const task of tasks) {
        const state = task.getState();
        if (state === TaskState.FINISHED) {
          ended++;
          continue;
        }
        // Still starting, or failing: no checkpoint now (Flink's NOT_ALL_REQUIRED_TASKS_RUNNING).
        if ((state !== TaskState.RUNNING && state !== TaskState.FINISHING) || task.checkpointing === null) return null;
        tasksToWaitFor.push(task.checkpointing.taskKey);
      }
      if (ended === tasks.length) for (const node of vertex.chainedNodes) fullyFinishedOperators.push(ids.get(node.id)!);
      else if (ended > 0) partlyFinishedVertices.set(vertex.id, vertex.name);
    }
    return { tasksToWaitFor, fullyFinishedOperators, partlyFinishedVertices, vertexNames };
  }

  allTasksEndedInput(): boolean {
    return this.allTasks().every((task) => task.hasEndedInput());
  }

  async triggerCheckpoint(barrier: CheckpointBarrier, options?: TriggerOptions): Promise<CoordinatorState[]> {
    const states: CoordinatorState[] = [];
    const jobGraph = this.parameters.jobGraph;
    try {
      for (const [nodeId, coordinator] of this.coordinators) {
        const vertex = jobGraph.vertexOf(nodeId);
        const { version, state } = await coordinator.snapshotState(barrier.checkpointId);
        states.push({ operatorId: operatorIdOf(jobGraph, vertex.head), serializerVersion: version, state });
      }
      const stopSource = options?.stopSources === true;
      const drain = stopSource && options?.drain === true;
      const running = this.allTasks().filter((task) => task.getState() !== TaskState.FINISHED);
      // Set on every task before any source ends its input, so that none ends before the savepoint.
      if (drain) for (const task of running) task.expectDrainSavepoint(barrier.checkpointId);
      for (const task of running) {
        const upstream = this.upstream.get(task)!;
        if (upstream.length === 0) task.triggerCheckpoint(barrier, stopSource, drain);
        else if (upstream.every((t) => t.getState() === TaskState.FINISHED)) task.triggerCheckpoint(barrier);
      }
    } finally {
      // Assignments held back while the enumerators were snapshotted now follow the barrier.
      for (const coordinator of this.coordinators.values()) coordinator.releaseDeliveries();
    }
    return states;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    for (const task of this.allTasks()) task.notifyCheckpointComplete(checkpointId);
    for (const coordinator of this.coordinators.values()) coordinator.notifyCheckpointComplete(checkpointId);
  }

  notifyCheckpointAborted(checkpointId: number): void {
    for (const task of this.allTasks()) task.notifyCheckpointAborted(checkpointId);
  }

  /** A stop-with-savepoint failed: the sources it had stopped go on. */
  resumeSources(): void {
    for (const [vertex, tasks] of this.tasksByVertex) if (vertex.isSource()) for (const task of tasks) task.resumeSource();
  }

  /**
   * Stop-with-savepoint succeeded: every task ends without draining (no end of input, no
   * finish()), after the savepoint's completion reached its operators; the attempt finishes.
   */
  stopWithoutDrain(): void {
    for (const task of this.allTasks()) task.stopWithoutDrain();
  }

  // ---- deployment ---------------------------------------------------------------------------

  private deploy(): void {
    const { jobGraph, batchSize, bufferTimeoutMs, buffersPerChannel, restore, checkpointing } = this.parameters;
    const outputs = new Map<JobVertex, Map<StreamEdge, LocalChannel[]>[]>();
    const inputs = new Map<JobVertex, Map<number, LocalChannel[]>[]>();
    for (const v of jobGraph.vertices) {
      outputs.set(v, Array.from({ length: v.parallelism }, () => new Map()));
      inputs.set(v, Array.from({ length: v.parallelism }, () => new Map()));
    }
    for (const vertex of jobGraph.vertices) {
      for (const edge of vertex.outputs) connect(edge, buffersPerChannel, outputs.get(edge.source)!, inputs.get(edge.target)!);
    }
    for (const vertex of jobGraph.vertices) {
      const head = vertex.head;
      if (head.source?.kind === 'split') {
        const deliver = (subtask: number, action: (op: SourceOperator<unknown, SourceSplit>) => void): void => {
          const task = this.tasksByVertex.get(vertex)?.[subtask];
          task?.executeInMailbox(() => action(task.chain.head as SourceOperator<unknown, SourceSplit>), 'source coordinator event');
        };
        const coordinator = new SourceCoordinator(head.name, head.source.source, vertex.parallelism, deliver, (e) => this.fail(e), this.parameters.coordinatorStore);
        const restored = restore?.coordinators.get(operatorIdOf(jobGraph, head));
        if (restored !== undefined) coordinator.setRestoredState(restored.serializerVersion, restored.state);
        this.coordinators.set(head.id, coordinator);
      }
      const vertexGroup = this.parameters.metricsRoot.addGroup(vertex.name);
      const tasks: StreamTask[] = [];
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        const gatesByInput = inputs.get(vertex)![subtask]!;
        const gates = [...gatesByInput.entries()].sort((a, b) => a[0] - b[0]).map(([input, channels]) => new InputGate(input, channels));
        const restoreState = restore?.tasks.get(`${vertex.id}/${subtask}`);
        tasks.push(
          new StreamTask({
            vertex,
            subtaskIndex: subtask,
            jobInfo: { jobId: jobGraph.jobId, jobName: jobGraph.jobName },
            attemptNumber: this.attemptNumber,
            scheduler: this.scheduler,
            inputs: gates,
            outputChannels: outputs.get(vertex)![subtask]!,
            batchSize,
            bufferTimeoutMs,
            metricGroup: vertexGroup.addGroup(String(subtask)),
            sourceServices: { coordinatorFor: (id) => this.coordinators.get(id) },
            ...(this.parameters.stateBackend === undefined ? {} : { stateBackend: this.parameters.stateBackend }),
            ...(checkpointing === null ? {} : { checkpointing }),
            ...(restoreState === undefined ? {} : { restoreState }),
            operatorIds: operatorIdsOf(jobGraph),
          }),
        );
      }
      this.tasksByVertex.set(vertex, tasks);
    }
    for (const [vertex, tasks] of this.tasksByVertex) tasks.forEach((task, subtask) => this.upstream.set(task, this.upstreamOf(vertex, subtask)));
  }

  /** The subtasks whose output channels subtask `subtask` of `vertex` reads. */
  private upstreamOf(vertex: JobVertex, subtask: number): StreamTask[] {
    const out: StreamTask[] = [];
    for (const edge of vertex.inputs) {
      const producers = this.tasksByVertex.get(edge.source)!;
      if (edge.pattern !== DistributionPattern.POINTWISE) {
        out.push(...producers);
        continue;
      }
      const targets = pointwiseConnections(edge.source.parallelism, vertex.parallelism);
      producers.forEach((producer, i) => {
        if (targets[i]!.includes(subtask)) out.push(producer);
      });
    }
    return out;
  }
}

function connect(edge: JobEdge, capacity: number, producers: Map<StreamEdge, LocalChannel[]>[], consumers: Map<number, LocalChannel[]>[]): void {
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
