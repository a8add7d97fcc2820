/*
 * CreditBasedFlowController: the credit accounting of Flink's credit-based flow control, one
 * instance per side of a connection, with per-channel ledgers.
 *
 * Receiver side (Flink's RemoteInputChannel): every buffer the receiver sets aside for a channel
 * is one credit — `requestCredits(channel, n)` registers n such buffers, bounded by
 * `maxCreditsPerChannel` outstanding so one channel cannot take a gate's floating buffers from the
 * others. Credits are held back and announced in batches: `takeAnnouncement` returns the credits
 * to send once the sender's remaining credit has fallen to `lowWaterMark` or at least
 * `highWaterMark − lowWaterMark` credits have piled up (low 0, high 1: announce at once, as Flink).
 * `onBufferReceived` counts an arriving buffer against announced credit and keeps the sender's
 * backlog, from which the receiver decides how many floating buffers to ask for.
 *
 * Sender side (Flink's CreditBasedSequenceNumberingViewReader): `addCredits` when an announcement
 * arrives; `consumeCredits(channel, n)` before sending n buffers — it refuses when credit is short,
 * so a sender only ever sends against credit the receiver announced.
 */
import { illegalState } from '../../../errors.ts';

class ChannelCredit {
  /** Sender: credits it may still spend. Receiver: credits announced and not yet used by a buffer. */
  announced = 0;
  /** Receiver: buffers set aside but not yet announced. */
  unannounced = 0;
  /** Receiver: the backlog the sender reported with its last buffer. */
  backlog = 0;
  totalAnnounced = 0;
  totalConsumed = 0;
}

export interface ChannelCreditState {
  readonly announced: number;
  readonly unannounced: number;
  readonly backlog: number;
  readonly totalAnnounced: number;
  readonly totalConsumed: number;
}

export class CreditBasedFlowController {
  readonly maxCreditsPerChannel: number;
  readonly lowWaterMark: number;
  readonly highWaterMark: number;
  private readonly channels = new Map<number, ChannelCredit>();

  constructor(maxCreditsPerChannel: number, lowWaterMark = 0, highWaterMark = lowWaterMark + 1) {
    if (!Number.isInteger(maxCreditsPerChannel) || maxCreditsPerChannel < 1) throw illegalState(`maxCreditsPerChannel must be a positive integer, got ${maxCreditsPerChannel}`);
    if (!(lowWaterMark >= 0 && highWaterMark > lowWaterMark && highWaterMark <= maxCreditsPerChannel + lowWaterMark)) {
      throw illegalState(`Credit water marks need 0 <= low < high <= maxCreditsPerChannel + low, got low ${lowWaterMark}, high ${highWaterMark}, max ${maxCreditsPerChannel}`);
    }
    this.maxCreditsPerChannel = maxCreditsPerChannel;
    this.lowWaterMark = lowWaterMark;
    this.highWaterMark = highWaterMark;
  }

  private ledger(channel: number): ChannelCredit {
    let c = this.channels.get(channel);
    if (c === undefined) {
      c = new ChannelCredit();
      this.channels.set(channel, c);
    }
    return c;
  }

  // ---- receiver side ----

  /** How many more credits `channel` may be given before it reaches maxCreditsPerChannel. */
  headroom(channel: number): number {
    const c = this.ledger(channel);
    return this.maxCreditsPerChannel - c.announced - c.unannounced;
  }

  /** Registers up to n freed or newly assigned buffers as credit; returns how many were accepted. */
  requestCredits(channel: number, n: number): number {
    const c = this.ledger(channel);
    const accepted = Math.max(0, Math.min(n, this.maxCreditsPerChannel - c.announced - c.unannounced));
    c.unannounced += accepted;
    return accepted;
  }

  /** The credits to announce to the sender now (0: keep holding them back), moved to announced. */
  takeAnnouncement(channel: number): number {
    const c = this.ledger(channel);
    if (c.unannounced === 0) return 0;
    if (c.announced > this.lowWaterMark && c.unannounced < this.highWaterMark - this.lowWaterMark) return 0;
    const credit = c.unannounced;
    c.unannounced = 0;
    c.announced += credit;
    c.totalAnnounced += credit;
    return credit;
  }

  /** A buffer arrived; false when the sender sent it without credit (a protocol violation). */
  onBufferReceived(channel: number, backlog: number): boolean {
    const c = this.ledger(channel);
    c.backlog = backlog;
    if (c.announced === 0) return false;
    c.announced--;
    c.totalConsumed++;
    return true;
  }

  getBacklog(channel: number): number {
    return this.ledger(channel).backlog;
  }

  // ---- sender side ----

  /** An announcement of n credits arrived from the receiver. */
  addCredits(channel: number, n: number): void {
    const c = this.ledger(channel);
    if (c.announced + n > this.maxCreditsPerChannel) {
      throw illegalState(`Channel ${channel} was announced ${n} credits on top of ${c.announced}, more than the maximum of ${this.maxCreditsPerChannel}`);
    }
    c.announced += n;
    c.totalAnnounced += n;
  }

  /** Spends n credits if the channel has them; false (nothing spent) otherwise. */
  consumeCredits(channel: number, n: number): boolean {
    const c = this.ledger(channel);
    if (c.announced < n) return false;
    c.announced -= n;
    c.totalConsumed += n;
    return true;
  }

  getAvailableCredits(channel: number): number {
    return this.ledger(channel).announced;
  }

  // ---- both ----

  getChannelState(channel: number): ChannelCreditState {
    const c = this.ledger(channel);
    return { announced: c.announced, unannounced: c.unannounced, backlog: c.backlog, totalAnnounced: c.totalAnnounced, totalConsumed: c.totalConsumed };
  }

  releaseChannel(channel: number): void {
    this.channels.delete(channel);
  }
}
