/*
 * Duration: a span of time in milliseconds, with Flink's (java.time's) factory names. Every API
 * that takes a duration takes a Duration or a number of milliseconds.
 */

export class Duration {
  static readonly ZERO = new Duration(0);
  private readonly millis: number;

  private constructor(millis: number) {
    if (!Number.isFinite(millis)) throw new RangeError(`A duration must be a finite number of milliseconds, got ${millis}`);
    this.millis = millis;
  }

  static ofMillis(ms: number): Duration {
    return new Duration(ms);
  }
  static ofSeconds(s: number): Duration {
    return new Duration(s * 1000);
  }
  static ofMinutes(m: number): Duration {
    return new Duration(m * 60_000);
  }
  static ofHours(h: number): Duration {
    return new Duration(h * 3_600_000);
  }
  static ofDays(d: number): Duration {
    return new Duration(d * 86_400_000);
  }

  toMillis(): number {
    return this.millis;
  }

  isNegative(): boolean {
    return this.millis < 0;
  }

  isZero(): boolean {
    return this.millis === 0;
  }

  toString(): string {
    return `${this.millis} ms`;
  }
}

export type DurationLike = Duration | number;

/** Milliseconds of a Duration or a number; `what` names the argument in the error. */
export function toMillis(value: DurationLike, what: string): number {
  const ms = typeof value === 'number' ? value : value instanceof Duration ? value.toMillis() : Number.NaN;
  if (!Number.isFinite(ms)) throw new TypeError(`${what} must be a Duration or a number of milliseconds, got ${String(value)}`);
  return ms;
}
