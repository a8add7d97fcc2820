/*
 * SourceThrottle: exponential-backoff throttling of one source subtask's intake, for the
 * LocalBackPressureDetector. Credit already stops a source whose consumers' queues are full; the
 * throttle goes further while the pressure lasts: when a poll leaves the fullest queue the source
 * feeds over the threshold, the source takes no more input for a delay (base delay, doubling with
 * every poll that again ends over the threshold, capped; reset once a poll ends at or under it).
 * The hold ends early as soon as the queues drained to the threshold, so a throttled source never
 * starves its consumers: they keep at least the threshold's share of their credit queued, and the
 * source polls in fewer, fuller steps instead of refilling each batch the moment it is consumed.
 *
 * A split-based source is asked before each step (`isHolding`) and judged after it (`afterPoll`);
 * a SourceFunction emitting with `collectAsync` is judged when it has to wait for credit and then
 * waits for the release (`whenReleased`). Emission with the synchronous `collect()` cannot be held
 * without a check per record and stays bounded by credit alone.
 */
import type { LocalChannel } from '../io/local-channel.ts';

export interface SourceThrottleSettings {
  /** Utilization (queued batches over credit) of the fullest output channel above which intake is held. */
  readonly threshold: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export class SourceThrottle {
  private readonly channels: readonly LocalChannel[];
  private readonly settings: SourceThrottleSettings;
  private delay = 0;
  /** performance.now() until which intake is held; 0 while not holding. */
  private resumeAt = 0;
  private wakeTimer: NodeJS.Timeout | null = null;
  /** One wait per hold for the queues to drain, shared by the waits of that hold. */
  private drained: Promise<void> | null = null;
  private disposed = false;
  /** Times a poll ended over the threshold and intake was held. */
  holds = 0;
  /** Polls judged (steps of a split source, credit waits of a source function). */
  polls = 0;

  constructor(channels: readonly LocalChannel[], settings: SourceThrottleSettings) {
    this.channels = channels;
    this.settings = settings;
  }

  /** The current backoff delay; 0 while the source is not under pressure. */
  get delayMs(): number {
    return this.delay;
  }

  /** The share of its credit the fullest channel the source writes to has in use. */
  utilization(): number {
    let max = 0;
    for (const channel of this.channels) {
      const u = channel.utilization;
      if (u > max) max = u;
    }
    return max;
  }

  /** Whether intake is held now: the delay has not run out and the queues are still over the threshold. */
  isHolding(now: number): boolean {
    if (this.resumeAt === 0) return false;
    if (now >= this.resumeAt || this.utilization() <= this.settings.threshold) {
      this.resumeAt = 0;
      return false;
    }
    return true;
  }

  /** After a poll: over the threshold, intake is held for the (doubled) delay; at or under it the delay resets. */
  afterPoll(now: number): void {
    this.polls++;
    if (this.utilization() > this.settings.threshold) {
      this.delay = this.delay === 0 ? this.settings.baseDelayMs : Math.min(this.delay * 2, this.settings.maxDelayMs);
      this.resumeAt = now + this.delay;
      this.holds++;
    } else {
      this.resumeAt = 0;
      this.delay = 0;
    }
  }

  /** The pressure fell (the queues are at or under the threshold while nothing is held): the delay resets. */
  relax(): void {
    if (this.resumeAt !== 0) return;
    this.delay = 0;
  }

  /** Calls `wakeup` when the hold's delay runs out (one timer per hold), so that a parked scheduler polls again. */
  wakeAt(now: number, wakeup: () => void): void {
    if (this.wakeTimer !== null || this.resumeAt === 0 || this.disposed) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      wakeup();
    }, Math.max(0, this.resumeAt - now));
  }

  /** Resolves when the current hold ends: its delay ran out or the queues drained to the threshold. */
  async whenReleased(): Promise<void> {
    const now = performance.now();
    if (!this.isHolding(now)) return;
    this.drained ??= this.whenDrained();
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.resumeAt - now)));
    try {
      await Promise.race([this.drained, elapsed]);
    } finally {
      clearTimeout(timer);
      this.resumeAt = 0;
    }
  }

  private async whenDrained(): Promise<void> {
    const threshold = this.settings.threshold;
    await Promise.all(this.channels.map((c) => c.whenBufferedAtMost(Math.floor(threshold * c.capacity))));
    this.drained = null;
  }

  dispose(): void {
    this.disposed = true;
    this.resumeAt = 0;
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
  }
}
