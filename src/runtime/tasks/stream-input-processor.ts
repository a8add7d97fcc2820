/*
 * The input side of a StreamTask (Flink's StreamOneInputProcessor / StreamTwoInputProcessor with
 * their network inputs): takes items from the task's input gates in turn and hands them on —
 * record batches to the head operator's processElement (1/2 for two-input operators), watermarks
 * and watermark statuses through each gate's valve, checkpoint barriers and end-of-partition
 * events to the barrier handler, which blocks and unblocks channels while barriers align.
 */
import { NO_TIMESTAMP, Watermark } from '../../api/common/watermark.ts';
import { createBarrierHandler, type CheckpointBarrierHandler } from '../io/checkpoint-barrier-handler.ts';
import type { InputGate } from '../io/input-gate.ts';
import { RecordBatch } from '../io/record-batch.ts';
import { CheckpointBarrier, EndOfPartitionEvent, WatermarkStatus, type ChannelItem } from '../io/stream-events.ts';
import type { OperatorChain } from './operator-chain.ts';

const BATCHES_PER_STEP = 4;

/** What the input processor needs of its task. */
export interface InputProcessingTask {
  readonly chain: OperatorChain;
  /** Whether the task may process another batch (outputs have credit, not suspended). */
  isOutputAvailable(): boolean;
  isRunning(): boolean;
  flushOutputs(): void;
  /** Every input is finished. */
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
  /** Per input number: where the valve sends the input's combined watermark. */
  private readonly valveOutputs: Record<number, ValveOutput>;
  private nextInput = 0;
  numRecordsIn = 0;

  /** `checkpointing`: how barriers are handled (null: the job takes no checkpoints). */
  constructor(task: InputProcessingTask, inputs: readonly InputGate[], checkpointing: { readonly exactlyOnce: boolean; triggerCheckpoint(barrier: CheckpointBarrier): void } | null) {
    this.task = task;
    this.inputs = inputs;
    let numChannels = 0;
    for (const gate of inputs) {
      this.gateOffsets.push(numChannels);
      numChannels += gate.channels.length;
    }
    this.barrierHandler =
      checkpointing === null || numChannels === 0
        ? null
        : createBarrierHandler(checkpointing.exactlyOnce, numChannels, {
            triggerCheckpoint: (barrier) => checkpointing.triggerCheckpoint(barrier),
            blockChannel: (channel) => {
              const g = this.gateIndexOf(channel);
              this.inputs[g]!.blockChannel(channel - this.gateOffsets[g]!);
            },
            unblockAllChannels: () => {
              for (const gate of this.inputs) gate.unblockChannels();
            },
          });
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
  }

  /** Processes up to a few batches, gates taken in turn; false when there was nothing to do. */
  processInput(): boolean {
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
      if (!this.task.isRunning()) return true;
    }
    return true;
  }

  private dispatch(item: ChannelItem, gate: InputGate): void {
    if (item instanceof RecordBatch) {
      this.numRecordsIn += item.values.length;
      this.processBatch(item, gate.inputIndex);
    } else if (item instanceof Watermark) {
      gate.valve.inputWatermark(item.timestamp, gate.lastChannel, this.valveOutputs[gate.inputIndex]!);
    } else if (item instanceof WatermarkStatus) {
      gate.valve.inputWatermarkStatus(item.idle, gate.lastChannel, this.valveOutputs[gate.inputIndex]!);
    } else if (item instanceof CheckpointBarrier) {
      this.barrierHandler?.processBarrier(item, this.gateOffsets[this.inputs.indexOf(gate)]! + gate.lastChannel);
    } else if (item === EndOfPartitionEvent.INSTANCE) {
      this.barrierHandler?.processEndOfPartition(this.gateOffsets[this.inputs.indexOf(gate)]! + gate.lastChannel);
      gate.valve.inputWatermark(Watermark.MAX_WATERMARK.timestamp, gate.lastChannel, this.valveOutputs[gate.inputIndex]!);
      if (gate.markLastChannelFinished()) {
        (this.task.chain.head as { endInput?: (input: number) => void }).endInput?.(Math.max(1, gate.inputIndex));
        if (this.inputs.every((g) => g.isFinished())) this.task.signalEndOfInput();
      }
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
