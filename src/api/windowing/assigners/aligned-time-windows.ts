/*
 * What the event-time and processing-time variants of the tumbling and sliding assigners share:
 * their parameters and the windows of a point in time, aligned to the epoch plus an offset. The
 * variants differ only in which time they assign by, their default trigger and isEventTime().
 * Consecutive elements mostly fall into the same windows, so the same (immutable) windows and
 * array are handed out again while they fit; the window operator only iterates the array.
 */
import { TimeWindow, TimeWindowSerializer } from '../windows/time-window.ts';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.ts';
import type { WindowStagger } from './window-stagger.ts';

export abstract class TumblingTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly name: string;
  private readonly size: number;
  private readonly globalOffset: number;
  private readonly windowStagger: WindowStagger;
  private staggerOffset: number | null = null;
  private lastWindows: TimeWindow[] | null = null;

  protected constructor(name: string, size: number, offset: number, windowStagger: WindowStagger) {
    super();
    if (!(Math.abs(offset) < size)) throw new RangeError(`${name} parameters must satisfy abs(offset) < size`);
    this.name = name;
    this.size = size;
    this.globalOffset = offset;
    this.windowStagger = windowStagger;
  }

  /** The window that holds `time` (the stagger is fixed by the first call's processing time). */
  protected windowsAt(time: number, context: WindowAssignerContext): TimeWindow[] {
    if (this.staggerOffset === null) this.staggerOffset = this.windowStagger.getStaggerOffset(context.getCurrentProcessingTime(), this.size);
    const start = TimeWindow.getWindowStartWithOffset(time, (this.globalOffset + this.staggerOffset) % this.size, this.size);
    let windows = this.lastWindows;
    if (windows === null || windows[0]!.start !== start) windows = this.lastWindows = [new TimeWindow(start, start + this.size)];
    return windows;
  }

  getSize(): number {
    return this.size;
  }

  getWindowSerializer(): TimeWindowSerializer {
    return TimeWindowSerializer.INSTANCE;
  }

  override toString(): string {
    return `${this.name}(${this.size})`;
  }
}

export abstract class SlidingTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly name: string;
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;
  private lastWindows: TimeWindow[] | null = null;

  protected constructor(name: string, size: number, slide: number, offset: number) {
    super();
    if (!(Math.abs(offset) < slide) || !(size > 0)) throw new RangeError(`${name} parameters must satisfy abs(offset) < slide and size > 0`);
    this.name = name;
    this.size = size;
    this.slide = slide;
    this.offset = offset;
  }

  /** The windows that hold `time`, from the one that starts last back to the earliest, as Flink lists them. */
  protected windowsAt(time: number): TimeWindow[] {
    const lastStart = TimeWindow.getWindowStartWithOffset(time, this.offset, this.slide);
    const lower = time - this.size;
    // The same windows while the first and the last start are the same.
    const last = this.lastWindows;
    if (last !== null && last[0]!.start === lastStart) {
      const earliest = last[last.length - 1]!.start;
      if (earliest > lower && earliest - this.slide <= lower) return last;
    }
    const windows: TimeWindow[] = [];
    for (let start = lastStart; start > lower; start -= this.slide) windows.push(new TimeWindow(start, start + this.size));
    if (windows.length !== 0) this.lastWindows = windows;
    return windows;
  }

  getSize(): number {
    return this.size;
  }

  getSlide(): number {
    return this.slide;
  }

  getWindowSerializer(): TimeWindowSerializer {
    return TimeWindowSerializer.INSTANCE;
  }

  override toString(): string {
    return `${this.name}(${this.size}, ${this.slide})`;
  }
}
