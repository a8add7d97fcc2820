/*
 * InputGate: the consuming end of one logical input of a task (all channels that feed input 1,
 * or input 2 of a two-input operator). It keeps a queue of channels that have data, so polling is
 * O(1) and round-robin fair, tracks finished channels, and owns the input's watermark valve.
 * During an aligned checkpoint single channels are blocked: they stay out of the queue until
 * released, while the others go on. Its channels may be in-thread or network channels
 * (input-channel.ts).
 */
import { RingQueue } from '../../utils/ring-queue.ts';
import { StatusWatermarkValve } from '../watermark/status-watermark-valve.ts';
import { ChannelQueueUsage } from './channel-queue-usage.ts';
import type { InputChannel } from './input-channel.ts';
import type { ChannelItem } from './stream-events.ts';

export interface InputAvailabilityListener {
  notifyInputAvailable(): void;
}

export class InputGate {
  /** 0 for the single input of a one-input task, 1 or 2 for two-input tasks. */
  readonly inputIndex: number;
  readonly channels: readonly InputChannel[];
  readonly valve: StatusWatermarkValve;
  private readonly withData = new RingQueue<number>(8);
  private readonly enqueued: boolean[];
  private readonly finished: boolean[];
  private readonly blocked: boolean[];
  private anyBlocked = false;
  private finishedCount = 0;
  private listener: InputAvailabilityListener | null = null;
  private readonly usage: ChannelQueueUsage;
  /** The channel of the last polled item. */
  lastChannel = -1;

  constructor(inputIndex: number, channels: readonly InputChannel[]) {
    this.inputIndex = inputIndex;
    this.channels = channels;
    this.valve = new StatusWatermarkValve(channels.length);
    this.enqueued = channels.map(() => false);
    this.finished = channels.map(() => false);
    this.blocked = channels.map(() => false);
    this.usage = new ChannelQueueUsage(channels);
    channels.forEach((channel, index) => channel.setConsumer({ notifyDataAvailable: () => this.onDataAvailable(index) }));
  }

  setListener(listener: InputAvailabilityListener): void {
    this.listener = listener;
  }

  private onDataAvailable(index: number): void {
    if (this.enqueued[index] || this.blocked[index]) return;
    this.enqueued[index] = true;
    this.withData.push(index);
    this.listener?.notifyInputAvailable();
  }

  hasData(): boolean {
    if (this.anyBlocked) this.skipBlockedHead();
    return this.withData.size > 0;
  }

  /** A channel blocked while queued leaves the queue when it reaches the head. */
  private skipBlockedHead(): void {
    while (this.withData.size > 0 && this.blocked[this.withData.peek()!]) this.enqueued[this.withData.shift()!] = false;
  }

  pollNext(): ChannelItem | undefined {
    if (this.anyBlocked) this.skipBlockedHead();
    const index = this.withData.shift();
    if (index === undefined) return undefined;
    const channel = this.channels[index]!;
    const item = channel.poll();
    if (channel.hasData() && !(this.anyBlocked && this.blocked[index])) this.withData.push(index);
    else this.enqueued[index] = false;
    this.lastChannel = index;
    return item;
  }

  /** Stops polling a channel (it delivered a barrier the others have not yet). */
  blockChannel(index: number): void {
    this.blocked[index] = true;
    this.anyBlocked = true;
  }

  /** Polls blocked channels again; those with data rejoin the queue. */
  unblockChannels(): void {
    if (!this.anyBlocked) return;
    this.anyBlocked = false;
    let any = false;
    for (let i = 0; i < this.channels.length; i++) {
      if (!this.blocked[i]) continue;
      this.blocked[i] = false;
      if (!this.enqueued[i] && this.channels[i]!.hasData()) {
        this.enqueued[i] = true;
        this.withData.push(i);
        any = true;
      }
    }
    if (any) this.listener?.notifyInputAvailable();
  }

  /** Marks the last polled channel as ended; true when every channel of the gate has ended. */
  markLastChannelFinished(): boolean {
    if (!this.finished[this.lastChannel]) {
      this.finished[this.lastChannel] = true;
      this.finishedCount++;
    }
    return this.isFinished();
  }

  isFinished(): boolean {
    return this.finishedCount === this.channels.length;
  }

  /**
   * Fraction of the granted buffers holding data as the consumers found them since the previous
   * reading (Flink's inPoolUsage; see channel-queue-usage.ts).
   */
  bufferUsage(): number {
    return this.usage.read();
  }

  release(): void {
    for (const channel of this.channels) channel.release();
  }
}
