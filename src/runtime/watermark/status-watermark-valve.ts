/*
 * StatusWatermarkValve: combines the watermarks and idleness of an input's channels into the
 * input's watermark, as Flink's valve: the minimum over active, aligned channels; idle channels
 * drop out; a channel that comes back rejoins once it has caught up with the output watermark.
 * Every task input runs one (InputGate); WatermarkManager offers it keyed by input names.
 */

export interface ValveOutput {
  emitWatermark(timestamp: number): void;
  emitWatermarkStatus(idle: boolean): void;
}

interface ChannelStatus {
  watermark: number;
  idle: boolean;
  aligned: boolean;
}

export class StatusWatermarkValve {
  private readonly channels: ChannelStatus[];
  private lastOutputWatermark = Number.MIN_SAFE_INTEGER;
  private outputIdle = false;

  constructor(numberOfChannels: number) {
    this.channels = Array.from({ length: numberOfChannels }, () => ({ watermark: Number.MIN_SAFE_INTEGER, idle: false, aligned: true }));
  }

  get currentWatermark(): number {
    return this.lastOutputWatermark;
  }

  isIdle(): boolean {
    return this.outputIdle;
  }

  get numberOfChannels(): number {
    return this.channels.length;
  }

  channelWatermark(channelIndex: number): number {
    return this.channels[channelIndex]!.watermark;
  }

  /**
   * Adds a channel (for inputs that appear later, as in WatermarkManager); returns its index. It
   * joins like a channel that comes back from idleness: it holds the output back once it has
   * caught up, and it is idle while the whole valve is.
   */
  addChannel(): number {
    const watermark = Number.MIN_SAFE_INTEGER;
    this.channels.push({ watermark, idle: this.outputIdle, aligned: !this.outputIdle && watermark >= this.lastOutputWatermark });
    return this.channels.length - 1;
  }

  inputWatermark(timestamp: number, channelIndex: number, output: ValveOutput): void {
    const channel = this.channels[channelIndex]!;
    if (channel.idle || timestamp <= channel.watermark) return;
    channel.watermark = timestamp;
    if (!channel.aligned && timestamp >= this.lastOutputWatermark) channel.aligned = true;
    this.emitNewMinimum(output);
  }

  inputWatermarkStatus(idle: boolean, channelIndex: number, output: ValveOutput): void {
    const channel = this.channels[channelIndex]!;
    if (idle && !channel.idle) {
      channel.idle = true;
      channel.aligned = false;
      if (this.channels.every((c) => c.idle)) {
        // As Flink: flush only when the channel that went idle last held the output watermark.
        if (channel.watermark === this.lastOutputWatermark) this.emitMaximumAcrossAll(output);
        this.outputIdle = true;
        output.emitWatermarkStatus(true);
      } else if (channel.watermark === this.lastOutputWatermark) {
        this.emitNewMinimum(output);
      }
    } else if (!idle && channel.idle) {
      channel.idle = false;
      if (channel.watermark >= this.lastOutputWatermark) channel.aligned = true;
      if (this.outputIdle) {
        this.outputIdle = false;
        output.emitWatermarkStatus(false);
      }
    }
  }

  private emitNewMinimum(output: ValveOutput): void {
    let min = Number.POSITIVE_INFINITY;
    let hasAligned = false;
    for (const c of this.channels) {
      if (c.aligned) {
        hasAligned = true;
        if (c.watermark < min) min = c.watermark;
      }
    }
    if (hasAligned && min > this.lastOutputWatermark) {
      this.lastOutputWatermark = min;
      output.emitWatermark(min);
    }
  }

  private emitMaximumAcrossAll(output: ValveOutput): void {
    let max = Number.MIN_SAFE_INTEGER;
    for (const c of this.channels) if (c.watermark > max) max = c.watermark;
    if (max > this.lastOutputWatermark) {
      this.lastOutputWatermark = max;
      output.emitWatermark(max);
    }
  }
}
