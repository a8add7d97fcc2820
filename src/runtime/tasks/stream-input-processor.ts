/*
 * The input side of a StreamTask (Flink's StreamOneInputProcessor / StreamTwoInputProcessor with
 * their network inputs): takes items from the task's input gates in turn and hands them on —
 * record batches to the head operator's processElement (1/2 for two-input operators), watermarks
 * and watermark statuses through each gate's valve, checkpoint barriers and end-of-partition
 * events to the barrier handler, which blocks and unblocks channels while barriers align. An input
 * ends when every channel of it delivered EndOfData (the head operator's endInput), the task's
 * input when all did; barriers and the ends of the partitions still follow.
 * With unaligned checkpoints the data read from a channel whose barrier is outstanding is also
 * handed to the checkpoint's in-flight data; after a restore from an unaligned checkpoint the
 * stored input is replayed before the gates are read.
 */
import { NO_TIMESTAMP, Watermark } from '../../api/common/watermark.ts';
import { createBarrierHandler, type CheckpointBarrierHandler } from '../io/checkpoint-barrier-handler.ts';
import type { InputGate } from '../io/input-gate.ts';
import { RecordBatch } from '../io/record-batch.ts';
import { CheckpointBarrier, EndOfDataEvent, EndOfPartitionEvent, WatermarkStatus, type ChannelItem } from '../io/stream-events.ts';
import type { OperatorChain } from './operator-chain.ts';
import type { RecoveredInput } from './task-channel-state.ts';
import { UnalignedBarrierHandler } from '../io/unaligned-barrier-handler.ts';

/** How the task takes checkpoints, as far as its input side is concerned. */
export interface InputCheckpointing {
  readonly exactlyOnce: boolean;
  /** Unaligned checkpoints are enabled: barriers may overtake data (unaligned-barrier-handler.ts). */
  readonly unaligned: boolean;
  triggerCheckpoint(barrier: CheckpointBarrier): void;
  /** Unaligned: data read from a channel before its barrier, in-flight data of checkpoint `checkpointId`. */
  addInputData(checkpointId: number, input: number, channel: number, item: ChannelItem): void;
  finishInputCapture(checkpointId: number): void;
  abortInputCapture(checkpointId: number, reason: string): void;
  /** Runs `action` in the task's mailbox after `delayMs`. */
  schedule(delayMs: number, action: () => void): void;
}

const BATCHES_PER_STEP = 4;

/** What the input processor needs of its task. */
export interface InputProcessingTask {
  readonly chain: OperatorChain;
  /** Whether the task may process another batch (outputs have credit, not suspended). */
  isOutputAvailable(): boolean;
  /** Running, or waiting for its final checkpoint after its input ended (barriers still come). */
  takesInput(): boolean;
  flushOutputs(): void;
  /** Every channel of every input delivered EndOfData. */
  signalEndOfInput(): void;
}

interface ValveOutput {
  emitWatermark(ts: number): void;
  emitWatermarkStatus(idle: boolean): void;
}

export class StreamInputProcessor {
  private readonly task: InputProcessingTask;
  private readonly inputs: readonly InputGate[];
  /** Index of each gate's first channel in the numbering of all input channels. */
  private readonly gateOffsets: number[] = [];
  private readonly barrierHandler: CheckpointBarrierHandler | null;
  /** The barrier handler when checkpoints may be unaligned (it decides which data is in-flight). */
  private readonly unalignedHandler: UnalignedBarrierHandler | null = null;
  private readonly checkpointing: InputCheckpointing | null;
  /** Stored input of an unaligned checkpoint, replayed before the gates are read; null when done. */
  private recovered: readonly RecoveredInput[] | null = null;
  private recoveredAt = 0;
  /** Per input number: where the valve sends the input's combined watermark. */
  private readonly valveOutputs: Record<number, ValveOutput>;
  private nextInput = 0;
  /** Per channel (numbered over all gates): it delivered EndOfData. */
  private readonly endOfData: boolean[];
  /** Per gate: channels that have not yet delivered EndOfData; and gates with some left. */
  private readonly openChannels: number[];
  private openInputs: number;
  /** A checkpoint triggered after every producer ended: taken once every channel ended. */
  private barrierAtEndOfInput: { barrier: CheckpointBarrier; trigger: (barrier: CheckpointBarrier) => void } | null = null;
  numRecordsIn = 0;

  /** `checkpointing`: how barriers are handled (null: the job takes no checkpoints). */
  constructor(task: InputProcessingTask, inputs: readonly InputGate[], checkpointing: InputCheckpointing | null) {
    this.task = task;
    this.inputs = inputs;
    this.checkpointing = checkpointing;
    let numChannels = 0;
    for (const gate of inputs) {
      this.gateOffsets.push(numChannels);
      numChannels += gate.channels.length;
    }
    this.endOfData = new Array<boolean>(numChannels).fill(false);
    this.openChannels = inputs.map((gate) => gate.channels.length);
    this.openInputs = inputs.length;
    const actions = {
      triggerCheckpoint: (barrier: CheckpointBarrier) => checkpointing!.triggerCheckpoint(barrier),
      blockChannel: (channel: number) => {
        const g = this.gateIndexOf(channel);
        this.inputs[g]!.blockChannel(channel - this.gateOffsets[g]!);
      },
      unblockAllChannels: () => {
        for (const gate of this.inputs) gate.unblockChannels();
      },
    };
    if (checkpointing === null || numChannels === 0) {
      this.barrierHandler = null;
    } else if (checkpointing.unaligned) {
      const handler: UnalignedBarrierHandler = new UnalignedBarrierHandler(numChannels, {
        ...actions,
        finishInputCapture: (id) => checkpointing.finishInputCapture(id),
        abortInputCapture: (id, reason) => checkpointing.abortInputCapture(id, reason),
        registerAlignmentTimer: (delayMs) => checkpointing.schedule(delayMs, () => handler.checkAlignmentTimeout()),
      });
      this.unalignedHandler = handler;
      this.barrierHandler = handler;
    } else {
      this.barrierHandler = createBarrierHandler(checkpointing.exactlyOnce, numChannels, actions);
    }
    const chain = task.chain;
    this.valveOutputs = {
      0: {
        emitWatermark: (ts) => chain.head.processWatermark(ts === Watermark.MAX_WATERMARK.timestamp ? Watermark.MAX_WATERMARK : new Watermark(ts)),
        emitWatermarkStatus: (idle) => chain.head.processWatermarkStatus(idle ? WatermarkStatus.IDLE : WatermarkStatus.ACTIVE),
      },
      1: {
        emitWatermark: (ts) => chain.head.processWatermark1(new Watermark(ts)),
        emitWatermarkStatus: (idle) => chain.head.processWatermarkStatus1(idle ? WatermarkStatus.IDLE : WatermarkStatus.ACTIVE),
      },
      2: {
        emitWatermark: (ts) => chain.head.processWatermark2(new Watermark(ts)),
        emitWatermarkStatus: (idle) => chain.head.processWatermarkStatus2(idle ? WatermarkStatus.IDLE : WatermarkStatus.ACTIVE),
      },
    };
  }

  private gateIndexOf(channel: number): number {
    let i = this.gateOffsets.length - 1;
    while (this.gateOffsets[i]! > channel) i--;
    return i;
  }

  /** A checkpoint was aborted: alignment for it stops. */
  processCancellation(checkpointId: number): void {
    this.barrierHandler?.processCancellation(checkpointId);
    if (this.barrierAtEndOfInput !== null && this.barrierAtEndOfInput.barrier.checkpointId <= checkpointId) this.barrierAtEndOfInput = null;
  }

  /**
   * The coordinator triggered `barrier` at this task because every task upstream has ended
   * (Flink's triggerUnfinishedChannelsCheckpoint): no barrier comes on the channels any more, so
   * the snapshot is taken once every channel delivered its end of partition — after the data still
   * queued before it, which no restore could replay, as its producers are finished. Nothing is in
   * flight on the input then, so the barrier goes on aligned whatever the checkpoint's options.
   */
  triggerAtEndOfInput(barrier: CheckpointBarrier, trigger: (barrier: CheckpointBarrier) => void): void {
    const aligned = barrier.needsChannelState() ? new CheckpointBarrier(barrier.checkpointId, barrier.timestamp) : barrier;
    if (this.inputs.every((g) => g.isFinished())) trigger(aligned);
    else this.barrierAtEndOfInput = { barrier: aligned, trigger };
  }

  /** The stored input of an unaligned checkpoint: replayed, in channel order, before anything else. */
  setRecoveredInput(items: readonly RecoveredInput[]): void {
    this.recovered = items.length === 0 ? null : items;
    this.recoveredAt = 0;
  }

  private processRecoveredInput(): boolean {
    const items = this.recovered!;
    for (let processed = 0; processed < BATCHES_PER_STEP; processed++) {
      if (this.recoveredAt >= items.length) {
        this.recovered = null;
        return true;
      }
      if (!this.task.isOutputAvailable()) return processed > 0;
      const { gate, channel, item } = items[this.recoveredAt++]!;
      gate.lastChannel = channel;
      this.dispatch(item, gate);
      if (!this.task.takesInput()) return true;
    }
    return true;
  }

  /** Processes up to a few batches, gates taken in turn; false when there was nothing to do. */
  processInput(): boolean {
    if (this.recovered !== null) return this.processRecoveredInput();
    const inputs = this.inputs;
    for (let processed = 0; processed < BATCHES_PER_STEP; processed++) {
      if (!this.task.isOutputAvailable()) return processed > 0;
      let gate: InputGate | undefined;
      for (let i = 0; i < inputs.length; i++) {
        const candidate = inputs[(this.nextInput + i) % inputs.length]!;
        if (candidate.hasData()) {
          gate = candidate;
          this.nextInput = (this.nextInput + i + 1) % inputs.length;
          break;
        }
      }
      if (gate === undefined) {
        if (this.task.chain.hasPendingOutput()) this.task.flushOutputs();
        return processed > 0;
      }
      this.dispatch(gate.pollNext()!, gate);
      if (!this.task.takesInput()) return true;
    }
    return true;
  }

  private dispatch(item: ChannelItem, gate: InputGate): void {
    if (this.unalignedHandler !== null && this.unalignedHandler.capturingInput) this.captureInFlight(item, gate);
    if (item instanceof RecordBatch) {
      this.numRecordsIn += item.values.length;
      this.processBatch(item, gate.inputIndex);
    } else if (item instanceof Watermark) {
      gate.valve.inputWatermark(item.timestamp, gate.lastChannel, this.valveOutputs[gate.inputIndex]!);
    } else if (item instanceof WatermarkStatus) {
      gate.valve.inputWatermarkStatus(item.idle, gate.lastChannel, this.valveOutputs[gate.inputIndex]!);
    } else if (item instanceof CheckpointBarrier) {
      this.barrierHandler?.processBarrier(item, this.gateOffsets[this.inputs.indexOf(gate)]! + gate.lastChannel);
    } else if (item === EndOfDataEvent.INSTANCE) {
      this.processEndOfData(gate);
    } else if (item === EndOfPartitionEvent.INSTANCE) {
      const g = this.inputs.indexOf(gate);
      this.barrierHandler?.processEndOfPartition(this.gateOffsets[g]! + gate.lastChannel);
      // A producer always sends EndOfData first; a channel that ends without it ends its data too.
      if (!this.endOfData[this.gateOffsets[g]! + gate.lastChannel]!) this.processEndOfData(gate);
      if (gate.markLastChannelFinished() && this.barrierAtEndOfInput !== null && this.inputs.every((i) => i.isFinished())) {
        const { barrier, trigger } = this.barrierAtEndOfInput;
        this.barrierAtEndOfInput = null;
        trigger(barrier);
      }
    }
  }

  /** The last polled channel of `gate` delivered EndOfData: no records or watermarks follow on it. */
  private processEndOfData(gate: InputGate): void {
    const g = this.inputs.indexOf(gate);
    const channel = this.gateOffsets[g]! + gate.lastChannel;
    if (this.endOfData[channel]) return;
    this.endOfData[channel] = true;
    gate.valve.inputWatermark(Watermark.MAX_WATERMARK.timestamp, gate.lastChannel, this.valveOutputs[gate.inputIndex]!);
    if (--this.openChannels[g]! > 0) return;
    (this.task.chain.head as { endInput?: (input: number) => void }).endInput?.(Math.max(1, gate.inputIndex));
    if (--this.openInputs === 0) this.task.signalEndOfInput();
  }

  /** Data read from a channel whose barrier is still outstanding belongs to the unaligned checkpoint. */
  private captureInFlight(item: ChannelItem, gate: InputGate): void {
    if (item instanceof CheckpointBarrier || item === EndOfPartitionEvent.INSTANCE || item === EndOfDataEvent.INSTANCE) return;
    const handler = this.unalignedHandler!;
    if (handler.captures(this.gateOffsets[this.inputs.indexOf(gate)]! + gate.lastChannel)) {
      this.checkpointing!.addInputData(handler.capturingCheckpointId, gate.inputIndex, gate.lastChannel, item);
    }
  }

  private processBatch(batch: RecordBatch, inputIndex: number): void {
    const head = this.task.chain.head as any;
    const values = batch.values;
    const timestamps = batch.timestamps;
    const n = values.length;
    if (inputIndex === 0) {
      if (timestamps === null) for (let i = 0; i < n; i++) head.processElement(values[i], NO_TIMESTAMP);
      else for (let i = 0; i < n; i++) head.processElement(values[i], timestamps[i]);
    } else if (inputIndex === 1) {
      for (let i = 0; i < n; i++) head.processElement1(values[i], timestamps === null ? NO_TIMESTAMP : timestamps[i]);
    } else {
      for (let i = 0; i < n; i++) head.processElement2(values[i], timestamps === null ? NO_TIMESTAMP : timestamps[i]);
    }
  }
}
