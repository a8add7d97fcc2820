/*
 * WatermarkManager: combines the watermarks of named inputs into one, with the runtime's own
 * rules, for code that merges event-time streams by hand. It is a facade over the
 * StatusWatermarkValve, the engine that every task input runs (one valve per input gate, one
 * channel per producing subtask): the combined watermark is the minimum over the active inputs,
 * it only moves forward, idle inputs drop out and rejoin once they have caught up, and when every
 * input is idle the combined output is idle.
 *
 * Inputs are known by id. Those given to the constructor hold the watermark back until each has
 * reported; an input first seen later joins like one that comes back from idleness.
 */
import { Watermark } from '../../api/common/watermark.ts';
import { StatusWatermarkValve, type ValveOutput } from './status-watermark-valve.ts';

export interface WatermarkManagerListener {
  /** The combined watermark rose. */
  onWatermark?(watermark: Watermark): void;
  /** Every input became idle (true), or one became active again (false). */
  onIdleChange?(idle: boolean): void;
}

export class WatermarkManager {
  private readonly valve = new StatusWatermarkValve(0);
  private readonly channels = new Map<string, number>();
  private readonly output: ValveOutput;

  constructor(inputIds: Iterable<string> = [], listener: WatermarkManagerListener = {}) {
    this.output = {
      emitWatermark: (ts) => listener.onWatermark?.(ts === Watermark.MAX_WATERMARK.timestamp ? Watermark.MAX_WATERMARK : new Watermark(ts)),
      emitWatermarkStatus: (idle) => listener.onIdleChange?.(idle),
    };
    for (const id of inputIds) this.channel(id);
  }

  /** The combined watermark (the lowest possible one until every input has reported). */
  get currentWatermark(): number {
    return this.valve.currentWatermark;
  }

  /** Records `inputId`'s watermark; returns the combined watermark afterwards. An idle input becomes active. */
  updateWatermark(inputId: string, watermark: Watermark | number): number {
    const ts = typeof watermark === 'number' ? watermark : watermark.timestamp;
    if (typeof ts !== 'number' || Number.isNaN(ts)) throw new TypeError(`A watermark must be a Watermark or a number of milliseconds, got ${String(watermark)}`);
    const channel = this.channel(inputId);
    this.valve.inputWatermarkStatus(false, channel, this.output);
    this.valve.inputWatermark(ts, channel, this.output);
    return this.valve.currentWatermark;
  }

  /** The input is left out of the combined watermark until it is active again. */
  markIdle(inputId: string): void {
    this.valve.inputWatermarkStatus(true, this.channel(inputId), this.output);
  }

  markActive(inputId: string): void {
    this.valve.inputWatermarkStatus(false, this.channel(inputId), this.output);
  }

  /** True when every input is idle. */
  isIdle(): boolean {
    return this.valve.isIdle();
  }

  getInputIds(): string[] {
    return [...this.channels.keys()];
  }

  /** The input's own latest watermark, or undefined for an unknown input. */
  getInputWatermark(inputId: string): number | undefined {
    const channel = this.channels.get(inputId);
    return channel === undefined ? undefined : this.valve.channelWatermark(channel);
  }

  private channel(inputId: string): number {
    if (typeof inputId !== 'string') throw new TypeError(`An input id must be a string, got ${String(inputId)}`);
    let channel = this.channels.get(inputId);
    if (channel === undefined) {
      channel = this.valve.addChannel();
      this.channels.set(inputId, channel);
    }
    return channel;
  }
}
