/*
 * TimestampedValue: an element of a window pane together with its event-time timestamp, as the
 * evicting window operator hands them to evictors. A timestamp of NO_TIMESTAMP (or anything not
 * above Number.MIN_SAFE_INTEGER, Flink's Long.MIN_VALUE) means the element has none.
 */

export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number;
}

/** True if the element carries an event-time timestamp. */
export function hasTimestamp(element: TimestampedValue<unknown>): boolean {
  return element.timestamp > Number.MIN_SAFE_INTEGER;
}
