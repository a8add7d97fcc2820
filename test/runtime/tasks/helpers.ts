/*
 * Helpers for task tests: an operator that logs its lifecycle and records, job graphs built with
 * the real environment and generators, and a StreamTask deployed on channels the test feeds and
 * reads, stepped by hand (the scheduler loop is not started).
 */
import 'flink-ts';
import { StreamExecutionEnvironment } from '../../../src/api/environment/stream-execution-environment.ts';
import type { DataStream } from '../../../src/api/datastream/data-stream.ts';
import type { JobGraph, JobVertex } from '../../../src/graph/job-graph.ts';
import type { StreamEdge } from '../../../src/graph/stream-graph.ts';
import { InputGate } from '../../../src/runtime/io/input-gate.ts';
import { LocalChannel } from '../../../src/runtime/io/local-channel.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import type { ChannelItem } from '../../../src/runtime/io/stream-events.ts';
import { MetricGroup } from '../../../src/runtime/metrics/metric-group.ts';
import { AbstractStreamOperator } from '../../../src/runtime/operators/stream-operator.ts';
import type { Watermark } from '../../../src/api/common/watermark.ts';
import { StreamTask } from '../../../src/runtime/tasks/stream-task.ts';
import type { TaskCheckpointServices } from '../../../src/runtime/tasks/subtask-checkpoint-coordinator.ts';
import type { TaskRestoreState } from '../../../src/runtime/tasks/task-state-restorer.ts';
import { TaskScheduler } from '../../../src/runtime/tasks/task-scheduler.ts';
import type { TaskStateValue } from '../../../src/runtime/tasks/task-state.ts';

export interface LifecycleOptions {
  readonly failOpen?: boolean;
  readonly failClose?: boolean;
  readonly failFinish?: boolean;
  /** Emitted by finish(), to check it reaches the operators after it. */
  readonly emitOnFinish?: unknown;
}

/** Forwards records and logs "<label>.<event>" for every lifecycle call and record. */
export class LifecycleOperator extends AbstractStreamOperator<unknown> {
  readonly label: string;
  readonly log: string[];
  readonly options: LifecycleOptions;

  constructor(label: string, log: string[], options: LifecycleOptions = {}) {
    super();
    this.label = label;
    this.log = log;
    this.options = options;
  }

  override open(): void {
    this.log.push(`${this.label}.open`);
    if (this.options.failOpen === true) throw new Error(`${this.label} failed to open`);
  }

  processElement(value: unknown, timestamp: number): void {
    this.log.push(`${this.label}.record(${String(value)})`);
    this.output.collect(value, timestamp);
  }

  override processWatermark(mark: Watermark): void {
    this.log.push(`${this.label}.watermark(${mark.timestamp})`);
    super.processWatermark(mark);
  }

  override finish(): void {
    this.log.push(`${this.label}.finish`);
    if (this.options.failFinish === true) throw new Error(`${this.label} failed to finish`);
    if (this.options.emitOnFinish !== undefined) this.output.collect(this.options.emitOnFinish, Number.NEGATIVE_INFINITY);
  }

  override close(): void {
    this.log.push(`${this.label}.close`);
    if (this.options.failClose === true) throw new Error(`${this.label} failed to close`);
  }
}

export function environment(config: Record<string, unknown> = {}): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1, ...config });
}

export function lifecycle<T>(stream: DataStream<T>, label: string, log: string[], options: LifecycleOptions = {}): DataStream<unknown> {
  return stream.transform(label, () => new LifecycleOperator(label, log, options));
}

/** The vertex whose chain contains an operator named `name`. */
export function vertexWith(graph: JobGraph, name: string): JobVertex {
  const vertex = graph.vertices.find((v) => v.chainedNodes.some((n) => n.name === name));
  if (vertex === undefined) throw new Error(`no vertex contains '${name}' in ${graph.describe()}`);
  return vertex;
}

export interface DeployedTask {
  readonly task: StreamTask;
  readonly scheduler: TaskScheduler;
  /** Channels into the task, per input gate, one per producing subtask. */
  readonly inputs: LocalChannel[][];
  /** Channels out of the task, per outgoing stream edge. */
  readonly outputs: Map<StreamEdge, LocalChannel[]>;
}

/**
 * Deploys one subtask of `vertex` with `producers` channels per input (all from the vertex's
 * job edges) and one channel per consumer subtask on each outgoing edge.
 */
export function deployTask(
  vertex: JobVertex,
  options: { subtask?: number; producers?: number; capacity?: number; batchSize?: number; bufferTimeoutMs?: number; checkpointing?: TaskCheckpointServices; restoreState?: TaskRestoreState } = {},
): DeployedTask {
  const subtask = options.subtask ?? 0;
  const capacity = options.capacity ?? 4;
  const scheduler = new TaskScheduler();
  const inputNumbers = [...new Set(vertex.inputs.map((e) => e.streamEdge.typeNumber))].sort();
  const inputs = inputNumbers.map(() => Array.from({ length: options.producers ?? 1 }, (_, i) => new LocalChannel(capacity, i, subtask)));
  const gates = inputNumbers.map((n, i) => new InputGate(n, inputs[i]!));
  const outputs = new Map<StreamEdge, LocalChannel[]>();
  for (const edge of vertex.outputs) {
    outputs.set(edge.streamEdge, Array.from({ length: edge.target.parallelism }, (_, j) => new LocalChannel(capacity, subtask, j)));
  }
  const task = new StreamTask({
    vertex,
    subtaskIndex: subtask,
    jobInfo: { jobId: 'test-job', jobName: 'test' },
    attemptNumber: 0,
    scheduler,
    inputs: gates,
    outputChannels: outputs,
    batchSize: options.batchSize ?? 16,
    bufferTimeoutMs: options.bufferTimeoutMs ?? -1,
    metricGroup: new MetricGroup(['test', vertex.name, String(subtask)]),
    sourceServices: { coordinatorFor: () => undefined },
    ...(options.checkpointing === undefined ? {} : { checkpointing: options.checkpointing }),
    ...(options.restoreState === undefined ? {} : { restoreState: options.restoreState }),
  });
  return { task, scheduler, inputs, outputs };
}

/** Lets pending promise callbacks and immediates run until the task reaches `state`. */
export async function untilState(task: StreamTask, state: TaskStateValue): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (task.getState() === state) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error(`task ${task.name} is ${task.getState()}, not ${state}`);
}

/** Steps the task until it reports no progress. */
export function stepUntilIdle(task: StreamTask): void {
  for (let i = 0; i < 1000 && task.step(); i++);
}

/** Everything queued in a channel: batch values flattened, events as their string form. */
export function drainChannel(channel: LocalChannel): unknown[] {
  const out: unknown[] = [];
  let item: ChannelItem | undefined;
  while ((item = channel.poll()) !== undefined) {
    if (item instanceof RecordBatch) out.push(...item.values);
    else out.push(String(item));
  }
  return out;
}
