/*
 * CompletedCheckpointStore (Flink's StandaloneCompletedCheckpointStore): the completed checkpoints
 * a job retains for recovery ('state.checkpoints.num-retained'), oldest first, with the
 * SharedStateRegistry of the files in `shared/` they refer to. Adding a checkpoint drops the oldest
 * beyond the retained number; the caller discards what was dropped. It also remembers the newest
 * completed checkpoint and how many completed, which the statistics report after the job ended.
 */
import type { TaskStateHandle } from './checkpoint-metadata.ts';
import type { CompletedCheckpoint } from './checkpoint-statistics.ts';
import { SharedStateRegistry } from './shared-state-registry.ts';

/** The shared files the task state handles of a checkpoint refer to. */
export function sharedFilesOf(handles: readonly TaskStateHandle[]): Set<string> {
  const files = new Set<string>();
  for (const h of handles) for (const f of h.sharedFiles ?? []) files.add(f);
  return files;
}

export class CompletedCheckpointStore {
  private readonly numRetained: number;
  private readonly retained: CompletedCheckpoint[] = [];
  readonly sharedState = new SharedStateRegistry();
  /** The newest completed checkpoint, still reported after the job discarded its checkpoints. */
  private newest: CompletedCheckpoint | null = null;
  private total = 0;

  constructor(numRetained: number) {
    this.numRetained = numRetained;
  }

  /**
   * Retains `checkpoint` and registers its shared files; returns the checkpoints dropped to stay
   * within the retained number (their files lose a reference; `nextCheckpointId` is the id the
   * next checkpoint gets, see SharedStateRegistry.unregisterAll).
   */
  add(checkpoint: CompletedCheckpoint, nextCheckpointId: number): CompletedCheckpoint[] {
    this.retained.push(checkpoint);
    this.newest = checkpoint;
    this.total++;
    this.sharedState.registerAll(sharedFilesOf(checkpoint.metadata.tasks));
    const dropped: CompletedCheckpoint[] = [];
    while (this.retained.length > this.numRetained) {
      const oldest = this.retained.shift()!;
      this.sharedState.unregisterAll(sharedFilesOf(oldest.metadata.tasks), nextCheckpointId);
      dropped.push(oldest);
    }
    return dropped;
  }

  contains(checkpointId: number): boolean {
    return this.retained.some((c) => c.checkpointId === checkpointId);
  }

  /** The newest retained checkpoint, or null. */
  getLatest(): CompletedCheckpoint | null {
    return this.retained.at(-1) ?? null;
  }

  getAll(): readonly CompletedCheckpoint[] {
    return this.retained;
  }

  /** The newest checkpoint that ever completed, retained or not. */
  get lastCompleted(): CompletedCheckpoint | null {
    return this.newest;
  }

  get numberOfCompleted(): number {
    return this.total;
  }

  /** The job's checkpoints were deleted: none is retained any more. */
  clear(): void {
    this.retained.length = 0;
  }
}
