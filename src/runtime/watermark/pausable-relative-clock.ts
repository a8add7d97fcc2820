/*
 * PausableRelativeClock: a relative clock that stands still while paused, as Flink's. Sources
 * measure input activity for idleness on it and pause it while they are kept from reading
 * (watermark alignment), so that waiting is not mistaken for an idle input. Clocks can be layered:
 * a split's clock stops whenever its reader's clock does.
 */
import type { RelativeClock } from '../../api/eventtime/watermark-generator.ts';

export class PausableRelativeClock implements RelativeClock {
  private readonly baseClock: RelativeClock;
  /** Pauses nest: the clock runs again when every pause() was matched by an unPause(). */
  private pauses = 0;
  private pausedAt = 0;
  /** Total time spent paused so far. */
  private offset = 0;

  constructor(baseClock: RelativeClock) {
    this.baseClock = baseClock;
  }

  relativeTimeMillis(): number {
    return (this.pauses > 0 ? this.pausedAt : this.baseClock.relativeTimeMillis()) - this.offset;
  }

  pause(): void {
    if (this.pauses++ === 0) this.pausedAt = this.baseClock.relativeTimeMillis();
  }

  unPause(): void {
    if (this.pauses === 0) return;
    if (--this.pauses === 0) this.offset += this.baseClock.relativeTimeMillis() - this.pausedAt;
  }

  isPaused(): boolean {
    return this.pauses > 0;
  }
}
