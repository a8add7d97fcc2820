/*
 * How a task ends its input (Flink's StreamTask#endData and afterInvoke, FLIP-147 "checkpoints after
 * tasks finished"). When the input ends — the source is exhausted or drained, or every input
 * channel delivered EndOfData — the task stops its processing-time timers (as Flink quiesces its
 * timer service: no timer fires after finish()), finishes its operators head to tail (endInput and
 * finish(): they emit what they still hold) and sends EndOfData on every output. With checkpointing
 * it then stays alive: it takes the checkpoints whose barriers arrive, or that the coordinator
 * triggers at it once everything upstream has ended, and hears of their completion, until a
 * checkpoint it took after EndOfData completed and its operators handled that completion
 * (final-checkpoint.ts) — committing sinks commit their last transaction through that checkpoint.
 * Only then does it send the end of its partitions and close.
 *
 * A task whose operators were all finished in the checkpoint it is restored from (Flink's
 * FinishedOperatorChain) runs none of them: it sends MAX_WATERMARK, EndOfData and the end of its
 * partitions and ends, so a bounded source that had ended does not emit its records again.
 */
import { Watermark } from '../../api/common/watermark.ts';
import type { RecordWriter } from '../io/record-writer.ts';
import { EndOfDataEvent, EndOfPartitionEvent } from '../io/stream-events.ts';
import type { OperatorChain } from './operator-chain.ts';
import type { MailboxProcessingTimeService } from './processing-time-service.ts';
import type { SubtaskCheckpointCoordinator } from './subtask-checkpoint-coordinator.ts';

/** What ending its input needs of a task. */
export interface EndingTask {
  readonly chain: OperatorChain;
  readonly processingTimeService: MailboxProcessingTimeService;
  readonly checkpointing: SubtaskCheckpointCoordinator | null;
  /**
   * Goes on running the mailbox (mails, barriers and ends of partitions on the inputs) until a
   * checkpoint taken after EndOfData completed; false when the wait ended otherwise (the task was
   * cancelled or stopped with a savepoint) and the task ends without sending more.
   */
  awaitFinalCheckpoint(): Promise<boolean>;
}

function broadcast(writers: readonly RecordWriter<unknown>[], event: Watermark | EndOfDataEvent | EndOfPartitionEvent): void {
  for (const writer of writers) writer.broadcastEvent(event);
}

/** Finishes the operators, sends EndOfData, waits for the final checkpoint when there is one, and ends the partitions. */
export async function endData(task: EndingTask): Promise<void> {
  task.processingTimeService.shutdown();
  await task.chain.finishOperators();
  task.chain.flushOutputs();
  broadcast(task.chain.writers, EndOfDataEvent.INSTANCE);
  const checkpointing = task.checkpointing;
  if (checkpointing !== null && checkpointing.endOfData()) {
    if (!(await task.awaitFinalCheckpoint())) return;
    // Commits started by the final checkpoint's completion, and snapshots started after it, end first.
    await checkpointing.whenNotificationsDone();
    await checkpointing.waitForPendingCheckpoints();
  }
  broadcast(task.chain.writers, EndOfPartitionEvent.INSTANCE);
}

/** A task deployed as finished: its consumers see its event time and its data end at once. */
export function finishOnRestore(writers: readonly RecordWriter<unknown>[]): void {
  broadcast(writers, Watermark.MAX_WATERMARK);
  broadcast(writers, EndOfDataEvent.INSTANCE);
  broadcast(writers, EndOfPartitionEvent.INSTANCE);
}
