/*
 * executeAndCollect: runs the job with a sink that gathers the stream's records into an array and
 * returns them. With a limit, the job is cancelled once that many records have arrived.
 *
 * With checkpointing on, collection is exactly-once, as Flink's collect sink: a record reaches the
 * result only when the checkpoint after it completed — the last ones with the final checkpoint the
 * tasks take at end of input — so records that a restart replays from the latest checkpoint are
 * not returned twice.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { CollectOptions, DataStream } from './data-stream.ts';
import type { JobClient } from '../environment/job-client.ts';
import { RichSinkFunction } from '../functions/sink-function.ts';
import type { FunctionInitializationContext, FunctionSnapshotContext } from '../functions/checkpointed-function.ts';
import { ListStateDescriptor } from '../state/state-descriptor.ts';
import type { ListState } from '../state/state.ts';
import { streamFactories } from './stream-factories.ts';

/**
 * What the copies of the exactly-once collect sink share. The records of each checkpoint epoch
 * (records a subtask received between two barriers) wait here until that checkpoint completes;
 * the checkpoint itself holds which epochs are still uncommitted, so that a restore commits the
 * epochs of the restored checkpoint even when the failure came before the completion was heard.
 */
interface CollectResults<T> {
  readonly committed: T[];
  /** Uncommitted epochs by "<subtask>:<checkpointId>". */
  readonly epochs: Map<string, T[]>;
  readonly committedEpochs: Set<string>;
  onCommitted(): void;
}

interface EpochRef {
  readonly subtask: number;
  readonly checkpointId: number;
}

function commitEpoch<T>(results: CollectResults<T>, epoch: EpochRef): void {
  const key = `${epoch.subtask}:${epoch.checkpointId}`;
  if (results.committedEpochs.has(key)) return;
  results.committedEpochs.add(key);
  const records = results.epochs.get(key);
  results.epochs.delete(key);
  if (records !== undefined) for (const r of records) results.committed.push(r);
}

function exactlyOnceCollectSink<T>(results: CollectResults<T>): RichSinkFunction<T> {
  class CollectSinkFunction extends RichSinkFunction<T> {
    private pending: T[] = [];
    private uncommitted: EpochRef[] = [];
    private state: ListState<EpochRef> | null = null;

    initializeState(context: FunctionInitializationContext): void {
      this.pending = [];
      this.uncommitted = [];
      this.state = context.getOperatorStateStore().getListState(new ListStateDescriptor<EpochRef>('collect-sink-epochs'));
      // The restored checkpoint is complete: its epochs are committed now if that was not heard yet.
      const restored = [...(this.state.get() ?? [])].sort((a, b) => a.checkpointId - b.checkpointId);
      for (const epoch of restored) commitEpoch(results, epoch);
      this.state.clear();
      if (restored.length > 0) results.onCommitted();
    }

    invoke(value: T): void {
      this.pending.push(value);
    }

    snapshotState(context: FunctionSnapshotContext): void {
      const epoch = { subtask: this.getRuntimeContext().getIndexOfThisSubtask(), checkpointId: context.getCheckpointId() };
      results.epochs.set(`${epoch.subtask}:${epoch.checkpointId}`, this.pending);
      this.pending = [];
      this.uncommitted.push(epoch);
      this.state!.update(this.uncommitted);
    }

    notifyCheckpointComplete(checkpointId: number): void {
      while (this.uncommitted.length > 0 && this.uncommitted[0]!.checkpointId <= checkpointId) commitEpoch(results, this.uncommitted.shift()!);
      results.onCommitted();
    }
  }
  return new CollectSinkFunction();
}

async function collect<T>(stream: DataStream<T>, options: CollectOptions): Promise<T[]> {
  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new RangeError(`executeAndCollect: limit must be a non-negative integer, got ${limit}`);
  const env = stream.getExecutionEnvironment();
  let client: JobClient | null = null;
  let limitReached = false;
  const reachLimit = (count: number): void => {
    if (limit === undefined || limitReached || count < limit) return;
    limitReached = true;
    void client?.cancel();
  };
  const exactlyOnce = env.getCheckpointConfig().isCheckpointingEnabled();
  const direct: T[] = [];
  const results: CollectResults<T> = { committed: [], epochs: new Map(), committedEpochs: new Set(), onCommitted: () => reachLimit(results.committed.length) };
  if (exactlyOnce) {
    stream.addSink(exactlyOnceCollectSink(results)).name('Collect Sink');
  } else {
    // A plain function, so all sink subtasks share this one array (functions are not copied).
    stream
      .addSink((value: T): void => {
        if (limitReached) return;
        direct.push(value);
        reachLimit(direct.length);
      })
      .name('Collect Sink');
  }
  client = await env.executeAsync(options.jobName);
  if (limit === 0) await client.cancel();
  try {
    await client.getJobExecutionResult();
  } catch (error) {
    if (!(limitReached || limit === 0) || !FlinkError.isFlinkError(error) || error.code !== ErrorCodes.FLINK_TS_JOB_CANCELLED) throw error;
  }
  if (!exactlyOnce) return direct;
  const out = results.committed;
  return limit === undefined ? out : out.slice(0, limit);
}

streamFactories.collect = collect;
