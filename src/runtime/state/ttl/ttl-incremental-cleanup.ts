/*
 * Incremental TTL cleanup (Flink's TtlIncrementalCleanup, heap backend only): every access to a
 * state with this strategy (and, with runCleanupForEveryRecord, every record) checks the next
 * `cleanupSize` entries of the state, continuing where the previous check stopped and wrapping
 * around, and removes what has expired.
 */
import type { TtlTimeProvider } from './ttl-time-provider.ts';

/** A state's entries as the cleanup walks them; the backend implements it. */
export interface TtlCleanupCursor {
  /** Checks up to `count` entries from the cursor on, removing expired values; wraps around. */
  cleanupSome(count: number, now: number): void;
}

export class TtlIncrementalCleanup {
  readonly cleanupSize: number;
  private readonly cursor: TtlCleanupCursor;
  private readonly timeProvider: TtlTimeProvider;
  private running = false;

  constructor(cleanupSize: number, cursor: TtlCleanupCursor, timeProvider: TtlTimeProvider) {
    this.cleanupSize = cleanupSize;
    this.cursor = cursor;
    this.timeProvider = timeProvider;
  }

  stateAccessed(): void {
    // The cleanup itself touches the state; it must not start again from inside.
    if (this.running) return;
    this.running = true;
    try {
      this.cursor.cleanupSome(this.cleanupSize, this.timeProvider.currentTimestamp());
    } finally {
      this.running = false;
    }
  }
}
