/*
 * The keyed state backends of one subtask: one per keyed operator of its chain, over the key
 * groups of the subtask (Flink's StreamTaskStateInitializer creates them before the operators are
 * set up), with their figures for metrics and their disposal when the task ends.
 */
import type { JobVertex } from '../../graph/job-graph.ts';
import type { StreamNode } from '../../graph/stream-graph.ts';
import { HashMapStateBackend } from '../state/hash-map-state-backend.ts';
import { computeKeyGroupRangeForOperatorIndex } from '../state/key-group-range-assignment.ts';
import type { KeyedStateBackend, StateBackend } from '../state/keyed-state-backend.ts';
import { mergeStateMetrics } from './state-metrics.ts';
import type { ChangelogOptions } from '../state/rocksdb/rocksdb-changelog.ts';

interface ChangelogKeepingBackend {
  startChangelog(options: ChangelogOptions): void;
}

export class TaskKeyedStateBackends {
  /** By stream node id. */
  private readonly backends = new Map<number, KeyedStateBackend>();

  get(nodeId: number): KeyedStateBackend | undefined {
    return this.backends.get(nodeId);
  }

  /** Creates the backends of the keyed operators among `nodes`; a HashMapStateBackend's when `stateBackend` is absent. */
  async create(stateBackend: StateBackend | undefined, jobId: string, vertex: JobVertex, subtaskIndex: number, nodes: readonly StreamNode[]): Promise<void> {
    const factory = stateBackend ?? new HashMapStateBackend();
    for (const node of nodes) {
      if (!node.isKeyed()) continue;
      const backend = await factory.createKeyedStateBackend({
        jobId,
        operatorIdentifier: node.uid ?? `${vertex.id}-${node.id}`,
        keyGroupRange: computeKeyGroupRangeForOperatorIndex(node.maxParallelism, node.parallelism, subtaskIndex),
        maxParallelism: node.maxParallelism,
        subtaskIndex,
        where: `operator '${node.name}' (subtask ${subtaskIndex + 1}/${node.parallelism})`,
      });
      this.backends.set(node.id, backend);
    }
  }

  /**
   * Starts the state changelog of the backends that keep one (RocksDB): after the restore, before
   * the operators write ('state.backend.changelog.enabled').
   */
  startChangelog(options: ChangelogOptions): void {
    for (const backend of this.backends.values()) (backend as Partial<ChangelogKeepingBackend>).startChangelog?.(options);
  }

  /**
   * Figures of the backends with Flink's metric names (RocksDB properties, latencies), summed over
   * the keyed operators; `numEntries` counts state entries and `backPressureLevel` is the highest
   * any backend reports.
   */
  metrics(): Record<string, number> {
    return mergeStateMetrics([...this.backends.values()].map((b) => {
      const s = b.getStatistics();
      return { ...s.metrics, numEntries: s.numEntries };
    }));
  }

  /** Disposes every backend; returns the first error. */
  async dispose(): Promise<unknown> {
    let first: unknown = undefined;
    for (const backend of this.backends.values()) {
      try {
        await backend.dispose();
      } catch (e) {
        first ??= e;
      }
    }
    this.backends.clear();
    return first;
  }
}
