/*
 * Barrier handling of a task with input channels when unaligned checkpoints are enabled (Flink's
 * SingleCheckpointBarrierHandler with its alternating aligned/unaligned controllers, FLIP-76).
 * Channels are numbered over all input gates of the task.
 *
 * - An unaligned barrier: the first one of a checkpoint to arrive, on any channel, triggers the
 *   snapshot at once (the task forwards the barrier ahead of its queued output). No channel is
 *   blocked; the data that arrives on a channel before that channel's barrier is in-flight data of
 *   the checkpoint (`captures(channel)` says which channels are still captured), until every open
 *   channel delivered the barrier: then the input side of the checkpoint is complete.
 * - An aligned barrier (savepoints, which stay aligned as in Flink): channels are blocked after
 *   their barrier until all delivered it, as the AlignedBarrierHandler does.
 * - An aligned barrier with a timeout: aligned, until `alignedTimeoutMs` after the checkpoint was
 *   triggered; then the alignment turns unaligned: the snapshot is taken, blocked channels are
 *   released, and the channels still waiting for their barrier are captured. The task arms a timer
 *   (`registerAlignmentTimer`) and calls `checkAlignmentTimeout()` when it fires.
 *
 * One checkpoint at a time (Flink does not run unaligned checkpoints concurrently): a newer
 * barrier abandons the one in progress, a cancellation ends it; either way its in-flight data is
 * dropped (`abortInputCapture`). A channel that ends no longer counts.
 */
import { BarrierAlignmentChannels } from './barrier-alignment-channels.ts';
import type { BarrierHandlerActions, CheckpointBarrierHandler } from './checkpoint-barrier-handler.ts';
import type { CheckpointBarrier } from './stream-events.ts';

export interface UnalignedBarrierHandlerActions extends BarrierHandlerActions {
  /** Every open channel delivered the barrier of an unaligned checkpoint: its input data is complete. */
  finishInputCapture(checkpointId: number): void;
  /** An unaligned checkpoint will not complete at this task: drop what was captured for it. */
  abortInputCapture(checkpointId: number, reason: string): void;
  /** Calls checkAlignmentTimeout() in `delayMs` (an aligned checkpoint with a timeout is aligning). */
  registerAlignmentTimer(delayMs: number): void;
}

export class UnalignedBarrierHandler implements CheckpointBarrierHandler {
  private readonly actions: UnalignedBarrierHandlerActions;
  private readonly channels: BarrierAlignmentChannels;
  private readonly now: () => number;
  /** The newest checkpoint seen (started, completed or cancelled); older barriers are stale. */
  private currentId = -1;
  private pending: CheckpointBarrier | null = null;
  /** The pending checkpoint is unaligned (from the start or after its timeout): channels are captured. */
  capturingInput = false;
  private anyBlocked = false;
  /** How long the last alignment took until the snapshot, in ms (0 when unaligned from the start). */
  lastAlignmentDurationMs = 0;
  private alignmentStart = 0;

  /** `now`: epoch ms, the clock barrier timestamps use (replaceable in tests). */
  constructor(numChannels: number, actions: UnalignedBarrierHandlerActions, now: () => number = Date.now) {
    this.actions = actions;
    this.channels = new BarrierAlignmentChannels(numChannels);
    this.now = now;
  }

  isAligning(): boolean {
    return this.pending !== null;
  }

  /** Whether data arriving on `channel` now belongs to the in-flight state of the pending checkpoint. */
  captures(channel: number): boolean {
    return this.capturingInput && !this.channels.hasReceived(channel) && !this.channels.isFinished(channel);
  }

  /** The checkpoint whose in-flight input is being captured, or -1. */
  get capturingCheckpointId(): number {
    return this.capturingInput ? this.currentId : -1;
  }

  processBarrier(barrier: CheckpointBarrier, channel: number): void {
    const id = barrier.checkpointId;
    if (id < this.currentId) return;
    if (id > this.currentId) {
      if (this.pending !== null) this.abandon(`checkpoint ${id} started before its barriers arrived on every input channel`);
      this.currentId = id;
      this.pending = barrier;
      this.alignmentStart = this.now();
      if (barrier.unaligned) {
        this.lastAlignmentDurationMs = 0;
        this.capturingInput = true;
        this.actions.triggerCheckpoint(barrier);
      } else if (barrier.isTimeoutable()) {
        const remaining = barrier.alignedTimeoutMs - (this.alignmentStart - barrier.timestamp);
        if (remaining <= 0 && this.channels.numOpen > 1) {
          this.channels.markReceived(channel);
          this.switchToUnaligned();
          this.completeIfAllReceived();
          return;
        }
        if (this.channels.numOpen > 1) this.actions.registerAlignmentTimer(Math.max(0, remaining));
      }
    } else if (this.pending === null || this.channels.hasReceived(channel)) {
      return;
    }
    this.channels.markReceived(channel);
    if (this.completeIfAllReceived()) return;
    if (!this.capturingInput) {
      this.anyBlocked = true;
      this.actions.blockChannel(channel);
      if (this.pending.isTimeoutable() && this.now() - this.pending.timestamp >= this.pending.alignedTimeoutMs) this.switchToUnaligned();
    }
  }

  /** The alignment timer fired: an aligned checkpoint still aligning past its timeout turns unaligned. */
  checkAlignmentTimeout(): void {
    const p = this.pending;
    if (p === null || this.capturingInput || !p.isTimeoutable()) return;
    const elapsed = this.now() - p.timestamp;
    if (elapsed >= p.alignedTimeoutMs) this.switchToUnaligned();
    else this.actions.registerAlignmentTimer(p.alignedTimeoutMs - elapsed);
  }

  processEndOfPartition(channel: number): void {
    if (!this.channels.markFinished(channel)) return;
    if (this.pending !== null) this.completeIfAllReceived();
  }

  processCancellation(checkpointId: number): void {
    if (checkpointId < this.currentId) return;
    if (this.pending !== null) this.abandon(`checkpoint ${checkpointId} was aborted`);
    this.currentId = checkpointId;
  }

  private switchToUnaligned(): void {
    const barrier = this.pending!.asUnaligned();
    this.pending = barrier;
    this.lastAlignmentDurationMs = this.now() - this.alignmentStart;
    this.capturingInput = true;
    this.unblock();
    this.actions.triggerCheckpoint(barrier);
  }

  /** Ends the pending checkpoint when every open channel delivered its barrier. */
  private completeIfAllReceived(): boolean {
    if (!this.channels.allReceived()) return false;
    const barrier = this.pending!;
    const unaligned = this.capturingInput;
    this.reset();
    if (unaligned) {
      this.actions.finishInputCapture(barrier.checkpointId);
    } else {
      this.lastAlignmentDurationMs = this.now() - this.alignmentStart;
      this.actions.triggerCheckpoint(barrier);
    }
    return true;
  }

  private abandon(reason: string): void {
    const id = this.pending!.checkpointId;
    const unaligned = this.capturingInput;
    this.reset();
    if (unaligned) this.actions.abortInputCapture(id, reason);
  }

  private reset(): void {
    this.pending = null;
    this.capturingInput = false;
    this.channels.reset();
    this.unblock();
  }

  private unblock(): void {
    if (!this.anyBlocked) return;
    this.anyBlocked = false;
    this.actions.unblockAllChannels();
  }
}
