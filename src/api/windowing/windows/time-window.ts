/*
 * TimeWindow: the interval [start, end) of event or processing time, with Flink's helpers for
 * aligned window starts (getWindowStartWithOffset) and for merging session windows (mergeWindows),
 * and the serializer the state backends use for it as a namespace.
 */
import { Compatibility, type CompatibilityResult, type SerializerSnapshot, type TypeSerializer } from '../../../runtime/serialization/type-serializer.ts';
import type { MergeCallback } from '../assigners/merging-window-assigner.ts';
import { Window } from './window.ts';

export class TimeWindow extends Window {
  /** The first timestamp that belongs to the window. */
  readonly start: number;
  /** The first timestamp that does not belong to the window any more (exclusive). */
  readonly end: number;
  // Cached in a #private field, which deep equality and JSON do not see, so equal windows stay
  // deep-equal whether or not key() was asked. A window copied with its prototype (inside a
  // per-subtask copy of a user function) has no such field and builds the key on every call.
  #key: string | undefined = undefined;

  constructor(start: number, end: number) {
    super();
    this.start = start;
    this.end = end;
  }

  getStart(): number {
    return this.start;
  }

  getEnd(): number {
    return this.end;
  }

  /** The largest timestamp that still belongs to the window: end - 1. */
  maxTimestamp(): number {
    return this.end - 1;
  }

  key(): string {
    // Asked for on every element and timer (state namespace, timer identity): built once.
    if (!(#key in this)) return TimeWindow.keyOf(this as TimeWindow);
    let key = this.#key;
    if (key === undefined) key = this.#key = `${this.start}:${this.end}`;
    return key;
  }

  private static keyOf(window: TimeWindow): string {
    return `${window.start}:${window.end}`;
  }

  override equals(other: unknown): boolean {
    return other instanceof TimeWindow && other.start === this.start && other.end === this.end;
  }

  override toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }

  /** True if the windows overlap or one ends where the other starts (such sessions merge). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window that covers both windows. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  /**
   * Merges overlapping windows, for merging window assigners: sorts the windows by start, groups
   * every run in which each window intersects the cover of those before it, and calls `callback`
   * for every group of more than one distinct window with the group and its cover.
   */
  static mergeWindows(windows: Iterable<TimeWindow>, callback: MergeCallback<TimeWindow>): void {
    // A session and the window of a new element: the common case, without sorting or grouping.
    if (Array.isArray(windows) && windows.length <= 2) {
      if (windows.length < 2) return;
      const a = windows[0] as TimeWindow;
      const b = windows[1] as TimeWindow;
      // The sort is stable: b goes first only if it starts earlier.
      if (b.start < a.start) TimeWindow.mergePair(b, a, callback);
      else TimeWindow.mergePair(a, b, callback);
      return;
    }
    const sorted = [...windows].sort((a, b) => a.start - b.start);
    let cover: TimeWindow | null = null;
    let members: TimeWindow[] = [];
    for (const candidate of sorted) {
      if (cover !== null && cover.intersects(candidate)) {
        cover = cover.cover(candidate);
        // Equal windows count once, as in Flink's HashSet of merged windows.
        const key = candidate.key();
        if (!members.some((m) => m.key() === key)) members.push(candidate);
      } else {
        if (cover !== null && members.length > 1) callback(members, cover);
        cover = candidate;
        members = [candidate];
      }
    }
    if (cover !== null && members.length > 1) callback(members, cover);
  }

  private static mergePair(first: TimeWindow, second: TimeWindow, callback: MergeCallback<TimeWindow>): void {
    if (first.intersects(second) && first.key() !== second.key()) callback([first, second], first.cover(second));
  }

  /**
   * The start of the window of `windowSize` that contains `timestamp`, with windows aligned to
   * `offset` (epoch + offset is a window start). Correct for negative timestamps and offsets.
   */
  static getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
    const remainder = (timestamp - offset) % windowSize;
    // % keeps the sign of the dividend (as Java's), so negative remainders step one window back.
    if (remainder < 0) return timestamp - (remainder + windowSize);
    return timestamp - remainder;
  }
}

/** Writes a TimeWindow as its start and end (two float64, exact for every safe integer). */
export class TimeWindowSerializer implements TypeSerializer<TimeWindow> {
  static readonly INSTANCE = new TimeWindowSerializer();
  readonly id = 'time-window';
  readonly version = 1;

  serialize(window: TimeWindow): Uint8Array {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setFloat64(0, window.start);
    view.setFloat64(8, window.end);
    return bytes;
  }

  deserialize(bytes: Uint8Array): TimeWindow {
    if (bytes.length !== 16) throw new RangeError(`A serialized TimeWindow has 16 bytes, got ${bytes.length}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new TimeWindow(view.getFloat64(0), view.getFloat64(8));
  }

  /** TimeWindows are immutable. */
  copy(window: TimeWindow): TimeWindow {
    return window;
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version };
  }

  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    if (previous.id === this.id && previous.version === this.version) return { compatibility: Compatibility.COMPATIBLE_AS_IS };
    return { compatibility: Compatibility.INCOMPATIBLE, reason: `windows were written by '${previous.id}' version ${previous.version}, not by '${this.id}' version ${this.version}` };
  }
}
