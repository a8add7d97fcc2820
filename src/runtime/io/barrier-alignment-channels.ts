/*
 * Which input channels delivered the pending checkpoint's barrier and which have ended, for the
 * handlers that align barriers (aligned and unaligned). A channel that ended (end of partition)
 * no longer counts: the barrier is complete once every channel still open delivered it.
 */
export class BarrierAlignmentChannels {
  private readonly received: boolean[];
  private readonly finished: boolean[];
  private open: number;
  private numReceived = 0;

  constructor(numChannels: number) {
    this.received = new Array<boolean>(numChannels).fill(false);
    this.finished = new Array<boolean>(numChannels).fill(false);
    this.open = numChannels;
  }

  /** Channels that have not ended. */
  get numOpen(): number {
    return this.open;
  }

  hasReceived(channel: number): boolean {
    return this.received[channel]!;
  }

  isFinished(channel: number): boolean {
    return this.finished[channel]!;
  }

  markReceived(channel: number): void {
    this.received[channel] = true;
    this.numReceived++;
  }

  /** The channel ended; false when it had ended before. */
  markFinished(channel: number): boolean {
    if (this.finished[channel]) return false;
    this.finished[channel] = true;
    this.open--;
    if (this.received[channel]) {
      this.received[channel] = false;
      this.numReceived--;
    }
    return true;
  }

  allReceived(): boolean {
    return this.numReceived >= this.open;
  }

  /** The pending checkpoint ended: no channel delivered a barrier. */
  reset(): void {
    this.received.fill(false);
    this.numReceived = 0;
  }
}
