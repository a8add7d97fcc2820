/*
 * How full a set of channels is, as their consumers find them (Flink's inPoolUsage on
 * the consuming side, outPoolUsage on the producing side): the share of the credit holding data
 * when a consumer turned to a channel after its producer wrote (LocalChannel.queuedAtArrival),
 * over the time since the previous reading; a channel its consumer did not turn to in that time
 * counts what it holds now. On one thread a level read at an arbitrary moment is always the one
 * between two tasks' steps — after the consumer took its share — and would understate a full queue.
 */
import type { ChannelQueueFigures } from './input-channel.ts';

export class ChannelQueueUsage {
  private readonly channels: readonly ChannelQueueFigures[];
  private readonly arrivals: number[];
  private readonly queued: number[];

  constructor(channels: readonly ChannelQueueFigures[]) {
    this.channels = channels;
    this.arrivals = channels.map((c) => c.consumerArrivals);
    this.queued = channels.map((c) => c.queuedAtArrival);
  }

  /** The share (0..1) of the channels' credit in use since the previous reading. */
  read(): number {
    let used = 0;
    let credit = 0;
    for (let i = 0; i < this.channels.length; i++) {
      const c = this.channels[i]!;
      const arrivals = c.consumerArrivals - this.arrivals[i]!;
      const found = arrivals > 0 ? (c.queuedAtArrival - this.queued[i]!) / arrivals : c.bufferedBatches;
      this.arrivals[i] = c.consumerArrivals;
      this.queued[i] = c.queuedAtArrival;
      used += Math.min(found, c.capacity);
      credit += c.capacity;
    }
    return credit === 0 ? 0 : used / credit;
  }
}
