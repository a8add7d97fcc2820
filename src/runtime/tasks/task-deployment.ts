/*
 * What a StreamTask is deployed with: its subtask of a job vertex, its input gates and output
 * channels, and the job's services (scheduler, state backend, checkpointing, restore state).
 */
import type { JobInfo } from '../../api/common/runtime-context.ts';
import type { JobVertex } from '../../graph/job-graph.ts';
import type { StreamEdge } from '../../graph/stream-graph.ts';
import type { InputGate } from '../io/input-gate.ts';
import type { LocalChannel } from '../io/local-channel.ts';
import type { MetricGroup } from '../metrics/metric-group.ts';
import type { StateBackend } from '../state/keyed-state-backend.ts';
import type { SourceServices } from './source-driver.ts';
import type { TaskCheckpointServices } from './subtask-checkpoint-coordinator.ts';
import type { TaskScheduler } from './task-scheduler.ts';
import type { TaskRestoreState } from './task-state-restorer.ts';

export interface TaskDeployment {
  readonly vertex: JobVertex;
  readonly subtaskIndex: number;
  readonly jobInfo: JobInfo;
  readonly attemptNumber: number;
  readonly scheduler: TaskScheduler;
  /** Input gates ordered by input number. */
  readonly inputs: readonly InputGate[];
  /** Outgoing channels per non-chained stream edge, ordered by consumer subtask. */
  readonly outputChannels: ReadonlyMap<StreamEdge, readonly LocalChannel[]>;
  readonly batchSize: number;
  /** Flush partially filled batches after this long; -1 disables the timeout. */
  readonly bufferTimeoutMs: number;
  readonly metricGroup: MetricGroup;
  readonly sourceServices: SourceServices;
  /** Creates the keyed state backends of keyed operators; a HashMapStateBackend when absent. */
  readonly stateBackend?: StateBackend;
  /** The job's checkpoint coordinator for this subtask: barriers, snapshots, the final checkpoint. */
  readonly checkpointing?: TaskCheckpointServices;
  /** The state to start from when the job was restored from a checkpoint. */
  readonly restoreState?: TaskRestoreState;
  /** Operator id of each stream node of the vertex (checkpoint/restore names); uid or `<vertex>-<node>` when absent. */
  readonly operatorIds?: ReadonlyMap<number, string>;
}
