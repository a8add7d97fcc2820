/*
 * SharedStateRegistry (Flink's): reference counts of the files in a job's `shared/` directory,
 * which incremental checkpoints share. A completed checkpoint registers every shared file it
 * refers to; a retained checkpoint that is dropped (more than 'state.checkpoints.num-retained')
 * unregisters them. A file no retained checkpoint refers to any more is not deleted at once: a
 * checkpoint that was already pending then may have been taken on top of it (its task had not
 * heard of the newer completed checkpoint yet) and register it again when it completes. So the
 * file waits until every checkpoint triggered before it lost its last reference has ended.
 *
 * Files uploaded by a checkpoint that never completes are unknown to the registry: their names
 * are unique to that checkpoint (rocksdb-incremental-snapshot.ts), so nothing else refers to
 * them and they are deleted when it is aborted (unknownOf).
 */

export class SharedStateRegistry {
  /** Shared file name -> number of retained checkpoints referring to it. */
  private readonly references = new Map<string, number>();
  /**
   * Files no retained checkpoint refers to, with the id the next checkpoint had when they lost
   * their last reference: checkpoints with lower ids may still register them.
   */
  private readonly unreferenced = new Map<string, number>();

  /** A checkpoint completed and is retained: its files gain a reference. */
  registerAll(files: Iterable<string>): void {
    for (const file of files) {
      this.references.set(file, (this.references.get(file) ?? 0) + 1);
      this.unreferenced.delete(file);
    }
  }

  /**
   * A retained checkpoint was dropped: its files lose a reference. `nextCheckpointId` is the id
   * the next triggered checkpoint will have.
   */
  unregisterAll(files: Iterable<string>, nextCheckpointId: number): void {
    for (const file of files) {
      const n = this.references.get(file);
      if (n === undefined) continue;
      if (n > 1) {
        this.references.set(file, n - 1);
      } else {
        this.references.delete(file);
        this.unreferenced.set(file, nextCheckpointId);
      }
    }
  }

  /**
   * The unreferenced files that no pending checkpoint can register any more (every checkpoint
   * pending has an id of at least `lowestPendingId`; Infinity when none is); they are forgotten.
   */
  takeDeletable(lowestPendingId: number): string[] {
    const out: string[] = [];
    for (const [file, since] of this.unreferenced) {
      if (lowestPendingId >= since) {
        out.push(file);
        this.unreferenced.delete(file);
      }
    }
    return out;
  }

  /** Of `files`, those the registry does not know (uploaded by a checkpoint that never completed). */
  unknownOf(files: Iterable<string>): string[] {
    const out: string[] = [];
    for (const file of files) if (!this.references.has(file) && !this.unreferenced.has(file)) out.push(file);
    return out;
  }

  /** How many retained checkpoints refer to `file` (0 when none). */
  referenceCount(file: string): number {
    return this.references.get(file) ?? 0;
  }

  get size(): number {
    return this.references.size;
  }
}
