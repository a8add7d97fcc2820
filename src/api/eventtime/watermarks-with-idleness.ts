/*
 * WatermarksWithIdleness: adds idleness detection to another generator, as Flink's. When no
 * events arrive for the idle timeout (measured on the input activity clock, in processing time)
 * the output is marked idle, so downstream operators stop waiting for it; the next event ends the
 * idleness and the next periodic emit brings the wrapped generator's watermark back.
 *
 * Idleness is only evaluated on periodic emits: the countdown starts at the first periodic emit
 * that saw no events since the previous one, and the output becomes idle at the first periodic
 * emit after strictly more than the timeout has passed since then.
 */
import { toMillis, type DurationLike } from '../common/duration.ts';
import { SystemClock, type RelativeClock, type WatermarkGenerator, type WatermarkOutput } from './watermark-generator.ts';

export class WatermarksWithIdleness<T> implements WatermarkGenerator<T> {
  private readonly watermarks: WatermarkGenerator<T>;
  private readonly idlenessTimer: IdlenessTimer;
  private isIdleNow = false;

  constructor(watermarks: WatermarkGenerator<T>, idleTimeout: DurationLike, clock: RelativeClock = SystemClock) {
    if (watermarks === null || typeof watermarks !== 'object') throw new TypeError('watermarks must be a WatermarkGenerator');
    this.watermarks = watermarks;
    this.idlenessTimer = new IdlenessTimer(clock, checkIdleTimeout(idleTimeout));
  }

  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void {
    this.watermarks.onEvent(event, eventTimestamp, output);
    this.idlenessTimer.activity();
    this.isIdleNow = false;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.idlenessTimer.checkIfIdle()) {
      if (!this.isIdleNow) {
        output.markIdle();
        this.isIdleNow = true;
      }
    } else {
      this.watermarks.onPeriodicEmit(output);
    }
  }
}

/** The idle timeout in milliseconds; it must be positive. */
export function checkIdleTimeout(idleTimeout: DurationLike): number {
  const ms = toMillis(idleTimeout, 'idleTimeout');
  if (!(ms > 0)) throw new RangeError(`idleTimeout must be greater than zero, got ${ms} ms`);
  return ms;
}

/** Flink's IdlenessTimer: detects that no activity happened for longer than the timeout. */
export class IdlenessTimer {
  private readonly clock: RelativeClock;
  private readonly maxIdleTimeMillis: number;
  /** Bumped on every event; compared with the value seen at the last check. */
  private counter = 0;
  private lastCounter = 0;
  /** When a check first found no activity since the previous one; null while there is activity. */
  private startOfInactivity: number | null = null;

  constructor(clock: RelativeClock, idleTimeoutMillis: number) {
    this.clock = clock;
    this.maxIdleTimeMillis = idleTimeoutMillis;
  }

  activity(): void {
    this.counter++;
  }

  checkIfIdle(): boolean {
    if (this.counter !== this.lastCounter) {
      this.lastCounter = this.counter;
      this.startOfInactivity = null;
      return false;
    }
    if (this.startOfInactivity === null) {
      this.startOfInactivity = this.clock.relativeTimeMillis();
      return false;
    }
    return this.clock.relativeTimeMillis() - this.startOfInactivity > this.maxIdleTimeMillis;
  }
}
