/*
 * What a task with input channels does with the checkpoint barriers arriving on them (Flink's
 * SingleCheckpointBarrierHandler for aligned checkpoints and CheckpointBarrierTracker for
 * at-least-once). Channels are numbered over all input gates of the task. The handler decides when
 * the task takes its snapshot; the task does the snapshot and the channel blocking.
 *
 * - Exactly-once (aligned): after a channel delivered barrier n it is blocked, so records behind
 *   the barrier (which belong after the snapshot) wait, until every open channel delivered it;
 *   then the snapshot is taken and all channels are released.
 * - At-least-once: nothing is blocked; the snapshot is taken when every open channel delivered
 *   the barrier, so records of later epochs may already be in the state (they are replayed after
 *   a restore, hence "at least once").
 *
 * A channel that ends (end of partition) no longer counts. A newer barrier abandons an
 * alignment in progress; a cancellation (the coordinator aborted the checkpoint) releases it.
 */
import { BarrierAlignmentChannels } from './barrier-alignment-channels.ts';
import type { CheckpointBarrier } from './stream-events.ts';

export interface BarrierHandlerActions {
  /** Every open channel delivered the barrier: snapshot the task and forward the barrier. */
  triggerCheckpoint(barrier: CheckpointBarrier): void;
  /** Exactly-once only: stop reading the channel until unblockAllChannels(). */
  blockChannel(channel: number): void;
  unblockAllChannels(): void;
}

export interface CheckpointBarrierHandler {
  processBarrier(barrier: CheckpointBarrier, channel: number): void;
  processEndOfPartition(channel: number): void;
  /** The checkpoint was aborted: stop waiting for its barriers and ignore them from now on. */
  processCancellation(checkpointId: number): void;
  /** True while a checkpoint's barriers are being aligned. */
  isAligning(): boolean;
}

export function createBarrierHandler(exactlyOnce: boolean, numChannels: number, actions: BarrierHandlerActions): CheckpointBarrierHandler {
  return exactlyOnce ? new AlignedBarrierHandler(numChannels, actions) : new BarrierTracker(numChannels, actions);
}

export class AlignedBarrierHandler implements CheckpointBarrierHandler {
  private readonly actions: BarrierHandlerActions;
  private readonly channels: BarrierAlignmentChannels;
  /** The newest checkpoint seen (aligned, completed or cancelled); older barriers are stale. */
  private currentId = -1;
  private pending: CheckpointBarrier | null = null;
  private anyBlocked = false;
  /** How long the last completed alignment took, in ms (Flink's checkpointAlignmentTime). */
  lastAlignmentDurationMs = 0;
  private alignmentStart = 0;

  constructor(numChannels: number, actions: BarrierHandlerActions) {
    this.actions = actions;
    this.channels = new BarrierAlignmentChannels(numChannels);
  }

  isAligning(): boolean {
    return this.pending !== null;
  }

  processBarrier(barrier: CheckpointBarrier, channel: number): void {
    const id = barrier.checkpointId;
    if (id < this.currentId) return;
    if (id > this.currentId) {
      // A newer checkpoint subsumes one still aligning: that one can no longer complete here.
      if (this.pending !== null) this.release();
      this.currentId = id;
      this.pending = barrier;
      this.alignmentStart = performance.now();
    } else if (this.pending === null || this.channels.hasReceived(channel)) {
      return;
    }
    this.channels.markReceived(channel);
    if (this.channels.allReceived()) {
      this.complete();
    } else {
      this.anyBlocked = true;
      this.actions.blockChannel(channel);
    }
  }

  processEndOfPartition(channel: number): void {
    if (!this.channels.markFinished(channel)) return;
    if (this.pending !== null && this.channels.allReceived()) this.complete();
  }

  processCancellation(checkpointId: number): void {
    if (checkpointId < this.currentId) return;
    if (this.pending !== null) this.release();
    this.currentId = checkpointId;
  }

  private complete(): void {
    const barrier = this.pending!;
    this.lastAlignmentDurationMs = performance.now() - this.alignmentStart;
    this.release();
    this.actions.triggerCheckpoint(barrier);
  }

  private release(): void {
    this.pending = null;
    this.channels.reset();
    if (this.anyBlocked) {
      this.anyBlocked = false;
      this.actions.unblockAllChannels();
    }
  }
}

/** Checkpoints whose barriers are counted at once; older ones are dropped beyond this. */
const MAX_TRACKED_CHECKPOINTS = 64;

export class BarrierTracker implements CheckpointBarrierHandler {
  private readonly actions: BarrierHandlerActions;
  /** Only which channels ended is used: the barriers of each checkpoint are counted in `pending`. */
  private readonly channels: BarrierAlignmentChannels;
  /** Checkpoints whose barriers have arrived on some channels, oldest first. */
  private readonly pending: { barrier: CheckpointBarrier; channels: Set<number> }[] = [];
  /** The newest checkpoint triggered or cancelled; barriers up to it are ignored. */
  private latestId = -1;

  constructor(numChannels: number, actions: BarrierHandlerActions) {
    this.actions = actions;
    this.channels = new BarrierAlignmentChannels(numChannels);
  }

  isAligning(): boolean {
    return this.pending.length > 0;
  }

  processBarrier(barrier: CheckpointBarrier, channel: number): void {
    const id = barrier.checkpointId;
    if (id <= this.latestId) return;
    let entry = this.pending.find((p) => p.barrier.checkpointId === id);
    if (entry === undefined) {
      entry = { barrier, channels: new Set() };
      let at = this.pending.length;
      while (at > 0 && this.pending[at - 1]!.barrier.checkpointId > id) at--;
      this.pending.splice(at, 0, entry);
      if (this.pending.length > MAX_TRACKED_CHECKPOINTS) this.pending.shift();
    }
    entry.channels.add(channel);
    this.checkComplete();
  }

  processEndOfPartition(channel: number): void {
    if (!this.channels.markFinished(channel)) return;
    for (const p of this.pending) p.channels.delete(channel);
    this.checkComplete();
  }

  processCancellation(checkpointId: number): void {
    if (checkpointId <= this.latestId) return;
    this.latestId = checkpointId;
    this.dropUpTo(checkpointId);
  }

  /** The newest checkpoint whose barriers all arrived is taken; older incomplete ones are dropped. */
  private checkComplete(): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i]!;
      if (p.channels.size >= this.channels.numOpen) {
        this.latestId = p.barrier.checkpointId;
        this.dropUpTo(this.latestId);
        this.actions.triggerCheckpoint(p.barrier);
        return;
      }
    }
  }

  private dropUpTo(checkpointId: number): void {
    while (this.pending.length > 0 && this.pending[0]!.barrier.checkpointId <= checkpointId) this.pending.shift();
  }
}
