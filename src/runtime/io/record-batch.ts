/*
 * A batch of records: the unit that crosses a non-chained edge. Values and their event-time
 * timestamps are kept in parallel arrays; `timestamps` stays null while no record of the batch
 * has a timestamp, so timestamp-free streams pay nothing for them.
 */
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';

export class RecordBatch<T = unknown> {
  readonly values: T[];
  timestamps: number[] | null;

  constructor(values: T[] = [], timestamps: number[] | null = null) {
    this.values = values;
    this.timestamps = timestamps;
  }

  get length(): number {
    return this.values.length;
  }

  add(value: T, timestamp: number): void {
    if (timestamp !== NO_TIMESTAMP) {
      if (this.timestamps === null) this.timestamps = new Array<number>(this.values.length).fill(NO_TIMESTAMP);
      this.timestamps.push(timestamp);
    } else if (this.timestamps !== null) {
      this.timestamps.push(NO_TIMESTAMP);
    }
    this.values.push(value);
  }

  timestampAt(index: number): number {
    return this.timestamps === null ? NO_TIMESTAMP : this.timestamps[index]!;
  }
}
