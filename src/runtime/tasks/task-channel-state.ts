/*
 * The output side of unaligned checkpoints in a task, and the restore of in-flight data:
 *  - an unaligned barrier goes to the head of every output channel (Flink's priority event); the
 *    data it overtook is the checkpoint's output in-flight data;
 *  - an aligned barrier with a timeout goes in order, and each channel reports when its consumer
 *    polled it (no in-flight data there); when the timeout passes first, the barrier still queued
 *    moves to the head in its unaligned form and the data it overtook is captured;
 *  - both need channels whose barriers can overtake data (in-thread ones): a network channel makes
 *    the checkpoint fail with a clear error (result-subpartition.ts);
 *  - on restore, the stored output data goes back into the output channels before anything new,
 *    and the stored input data is handed to the input processor, which replays it first.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { decodeChannelItem, type ChannelStateSnapshot } from '../checkpoint/channel-state.ts';
import type { ChannelStateWriter } from '../checkpoint/channel-state-writer.ts';
import type { InputGate } from '../io/input-gate.ts';
import type { RecordWriter } from '../io/record-writer.ts';
import { prioritized } from '../io/result-subpartition.ts';
import { EndOfDataEvent, type CheckpointBarrier, type ChannelItem } from '../io/stream-events.ts';

/** One item of stored input to replay, with the channel it came from. */
export interface RecoveredInput {
  readonly gate: InputGate;
  readonly channel: number;
  readonly item: ChannelItem;
}

/**
 * Sends `barrier` on every output: an unaligned one ahead of the queued output; an aligned one in
 * order, with a timeout watched per channel (`schedule` runs the timeout in the task's mailbox).
 */
export function broadcastBarrier(
  writers: readonly RecordWriter<unknown>[],
  producers: readonly string[],
  barrier: CheckpointBarrier,
  channelState: ChannelStateWriter | null,
  schedule: (delayMs: number, action: () => void) => void,
): void {
  if (barrier.unaligned) {
    broadcastPriorityBarrier(writers, producers, barrier, channelState);
    return;
  }
  const watched = barrier.isTimeoutable() && channelState?.isStarted(barrier.checkpointId) === true;
  // Checked before anything is sent: the barrier goes out on every channel or on none.
  if (watched) requirePrioritized(writers, producers);
  for (const writer of writers) writer.broadcastEvent(barrier);
  if (watched) {
    watchOutputBarriers(writers, producers, barrier, channelState);
    const delay = Math.max(0, barrier.alignedTimeoutMs - (Date.now() - barrier.timestamp));
    schedule(delay, () => timeoutOutputBarriers(writers, producers, barrier, channelState));
  }
}

/** Puts an unaligned barrier ahead of the queued output; the overtaken data goes to `channelState`. */
export function broadcastPriorityBarrier(writers: readonly RecordWriter<unknown>[], producers: readonly string[], barrier: CheckpointBarrier, channelState: ChannelStateWriter | null): void {
  const id = barrier.checkpointId;
  requirePrioritized(writers, producers);
  for (let output = 0; output < writers.length; output++) {
    const writer = writers[output]!;
    // A partly filled batch is output data too: it is queued first and overtaken with the rest.
    writer.flushAll();
    writer.channels.forEach((channel, i) => {
      const overtaken = prioritized(channel, outputName(producers, output, i)).pushPriority(barrier);
      channelState?.addOutputData(id, output, i, dataOnly(overtaken), producers[output]!);
    });
  }
}

/** Has every output channel report when its consumer polls `barrier` (queued in order just before). */
export function watchOutputBarriers(writers: readonly RecordWriter<unknown>[], producers: readonly string[], barrier: CheckpointBarrier, channelState: ChannelStateWriter): void {
  const id = barrier.checkpointId;
  writers.forEach((writer, output) =>
    writer.channels.forEach((channel, i) => {
      channelState.expectOutput(id, 1);
      prioritized(channel, outputName(producers, output, i)).watchBarrier(barrier, () => channelState.addOutputData(id, output, i, [], producers[output]!, true));
    }),
  );
}

/** The aligned timeout passed: barriers still queued overtake the data before them. */
export function timeoutOutputBarriers(writers: readonly RecordWriter<unknown>[], producers: readonly string[], barrier: CheckpointBarrier, channelState: ChannelStateWriter): void {
  const unaligned = barrier.asUnaligned();
  writers.forEach((writer, output) =>
    writer.channels.forEach((channel, i) => {
      const overtaken = prioritized(channel, outputName(producers, output, i)).overtakeWatchedBarrier(unaligned);
      if (overtaken !== null) channelState.addOutputData(barrier.checkpointId, output, i, dataOnly(overtaken), producers[output]!, true);
    }),
  );
}

/** Throws the FlinkError of prioritized() when an output channel's barriers cannot overtake data. */
function requirePrioritized(writers: readonly RecordWriter<unknown>[], producers: readonly string[]): void {
  writers.forEach((writer, output) => writer.channels.forEach((channel, i) => prioritized(channel, outputName(producers, output, i))));
}

function outputName(producers: readonly string[], output: number, channel: number): string {
  return `output ${output} of '${producers[output]}' (channel ${channel})`;
}

/**
 * EndOfData overtaken by a barrier is not in-flight data (Flink stores buffers, not events): a
 * producer restored from that checkpoint runs again and sends it after the restored data.
 */
function dataOnly(items: ChannelItem[]): ChannelItem[] {
  return items.includes(EndOfDataEvent.INSTANCE) ? items.filter((item) => item !== EndOfDataEvent.INSTANCE) : items;
}

function mismatch(task: string, what: string): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, `Cannot restore the in-flight data of task ${task}: ${what}; an unaligned checkpoint is restored only with the same job shape`);
}

/** Puts the stored output data back into the output channels, in order, before any new output. */
export function restoreOutputData(task: string, writers: readonly RecordWriter<unknown>[], snapshot: ChannelStateSnapshot, where: string): void {
  for (const entry of snapshot.resultSubpartitions) {
    const channel = writers[entry.gate]?.channels[entry.channel];
    if (channel === undefined) throw mismatch(task, `it has no output channel ${entry.gate}/${entry.channel}`);
    for (const bytes of entry.items) channel.push(decodeChannelItem(bytes, where));
  }
}

/** The stored input data, to be replayed before the input gates are read. */
export function recoveredInputOf(task: string, gates: readonly InputGate[], snapshot: ChannelStateSnapshot, where: string): RecoveredInput[] {
  const out: RecoveredInput[] = [];
  for (const entry of snapshot.inputChannels) {
    const gate = gates.find((g) => g.inputIndex === entry.gate);
    if (gate === undefined || entry.channel >= gate.channels.length) throw mismatch(task, `it has no input channel ${entry.gate}/${entry.channel}`);
    for (const bytes of entry.items) out.push({ gate, channel: entry.channel, item: decodeChannelItem(bytes, where) });
  }
  return out;
}
