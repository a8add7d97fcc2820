/*
 * Watermark: the event-time clock that flows in-band with records. A watermark t says that no
 * more records with timestamp <= t are expected on this stream.
 */

export class Watermark {
  static readonly MAX_WATERMARK = new Watermark(Number.MAX_SAFE_INTEGER);
  static readonly UNINITIALIZED = new Watermark(Number.MIN_SAFE_INTEGER);

  readonly timestamp: number;

  constructor(timestamp: number) {
    this.timestamp = timestamp;
  }

  getTimestamp(): number {
    return this.timestamp;
  }

  equals(other: unknown): boolean {
    return other instanceof Watermark && other.timestamp === this.timestamp;
  }

  toString(): string {
    return `Watermark @ ${this.timestamp}`;
  }
}

/** A record without an event-time timestamp carries this value (Flink's `hasTimestamp() == false`). */
export const NO_TIMESTAMP = Number.NEGATIVE_INFINITY;
