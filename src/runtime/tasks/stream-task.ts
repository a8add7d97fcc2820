/*
 * StreamTask: one subtask of a job vertex. Its mailbox loop (driven by the TaskScheduler through
 * step()) processes mails (timers, split assignments, async completions), then input batches, or
 * polls the source at the head of the chain, while the outputs have credit. Lifecycle: open
 * operators, run until end of input, finish operators and send EndOfData, with checkpointing wait
 * for the final checkpoint (end-of-data.ts), send end-of-partition, close operators; close also
 * runs after failure and cancellation. Input gates are read by the
 * StreamInputProcessor (stream-input-processor.ts), which hands barriers to the barrier handler;
 * snapshots and notifications go to the subtask's SubtaskCheckpointCoordinator, restore to
 * task-state-restorer.ts.
 */
import { FlinkError, ErrorCodes, userFunctionError } from '../../errors.ts';
import type { Accumulator } from '../../api/common/accumulators.ts';
import type { StreamEdge, StreamNode } from '../../graph/stream-graph.ts';
import { RingQueue } from '../../utils/ring-queue.ts';
import type { InputGate } from '../io/input-gate.ts';
import type { ResultSubpartition } from '../io/result-subpartition.ts';
import type { TaskDeployment } from './task-deployment.ts';
import { RecordWriter } from '../io/record-writer.ts';
import type { CheckpointBarrier } from '../io/stream-events.ts';
import { StreamInputProcessor } from './stream-input-processor.ts';
import { endData, finishOnRestore } from './end-of-data.ts';
import { SubtaskCheckpointCoordinator } from './subtask-checkpoint-coordinator.ts';
import { restoreKeyedState, restoreOperatorState } from './task-state-restorer.ts';
import { broadcastBarrier, recoveredInputOf, restoreOutputData } from './task-channel-state.ts';
import type { Output } from '../operators/output.ts';
import type { StreamOperatorParameters, TaskServices } from '../operators/stream-operator.ts';
import { StreamingRuntimeContext } from '../operators/streaming-runtime-context.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import { MailboxProcessingTimeService } from './processing-time-service.ts';
import { OperatorChain } from './operator-chain.ts';
import { KeyGroupStreamPartitioner } from '../partitioner/key-group-stream-partitioner.ts';
import type { TaskScheduler } from './task-scheduler.ts';
import { SourceDriver, isSourceHead } from './source-driver.ts';
import { TaskState, type TaskStateValue } from './task-state.ts';
import { TaskKeyedStateBackends } from './task-keyed-state-backends.ts';
import { TaskIOMetrics, TaskTimeStatus } from './task-io-metrics.ts';

export type { TaskDeployment } from './task-deployment.ts';

const MAILBOX_CAPACITY = 100_000;

export class StreamTask implements TaskServices {
  readonly deployment: TaskDeployment;
  readonly name: string;
  readonly accumulators = new Map<string, Accumulator<unknown, unknown>>();
  readonly processingTimeService: MailboxProcessingTimeService;
  readonly chain: OperatorChain;
  private readonly scheduler: TaskScheduler;
  private readonly inputs: readonly InputGate[];
  private readonly mailbox = new RingQueue<{ action: () => void; description: string }>(16);
  private readonly blockers: (() => boolean)[] = [];
  /** Drives the source at the head of the chain; null for a task that reads input gates. */
  readonly source: SourceDriver | null;
  private state: TaskStateValue = TaskState.CREATED;
  private endOfInput: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  private failure: unknown = undefined;
  private lastFlush = performance.now();
  private flushTimer: NodeJS.Timeout | null = null;
  /** The keyed state backend of each keyed operator of the chain, by stream node id. */
  private readonly keyedStateBackends = new TaskKeyedStateBackends();
  readonly checkpointing: SubtaskCheckpointCoordinator | null;
  /** The operator id of each operator of the chain, in chain order. */
  readonly operatorIds: readonly string[];
  private readonly inputProcessor: StreamInputProcessor;
  private checkpointSuspended = false;
  /** The operator that writes to each output (the chain's writers, in order), for in-flight data errors. */
  private readonly producers: readonly string[];
  /** Timers of unaligned checkpoints (alignment timeouts), cleared when the task ends. */
  private readonly checkpointTimers = new Set<NodeJS.Timeout>();
  /** While a native RocksDB checkpoint is taken, mails (timers) wait too. */
  private mailsHeld = false;
  /** Stop-with-savepoint: the task ends without draining (no finish(), no end of partition). */
  private stopping = false;
  /** After EndOfData: the task runs mails and reads barriers until its final checkpoint completed. */
  private awaitingFinalCheckpoint = false;
  /** Stop-with-savepoint with drain at a source: its barrier, injected once EndOfData went out. */
  private drainBarrier: CheckpointBarrier | null = null;
  inStep = false;
  /** Busy, idle and back-pressured time (Flink's task I/O metrics), updated per step. */
  readonly ioMetrics = new TaskIOMetrics();

  constructor(deployment: TaskDeployment) {
    this.deployment = deployment;
    this.scheduler = deployment.scheduler;
    this.inputs = deployment.inputs;
    const { vertex, subtaskIndex } = deployment;
    this.name = `${vertex.name} (${subtaskIndex + 1}/${vertex.parallelism})`;
    this.processingTimeService = new MailboxProcessingTimeService((action, description) => this.executeInMailbox(action, description));
    const writers = new Map<StreamEdge, RecordWriter<unknown>>();
    for (const [edge, channels] of deployment.outputChannels) {
      const partitioner = edge.partitioner.copy();
      if (partitioner instanceof KeyGroupStreamPartitioner) partitioner.setProducer(vertex.name, subtaskIndex, vertex.parallelism);
      writers.set(edge, new RecordWriter(channels, partitioner, deployment.batchSize, { onChannelOverflow: (c, i) => this.onChannelOverflow(c, i) }));
    }
    // Operators are set up in run(), once their keyed state backends exist.
    this.chain = new OperatorChain(vertex, subtaskIndex, writers);
    for (const gate of this.inputs) gate.setListener({ notifyInputAvailable: () => this.scheduler.wakeup() });
    this.source = isSourceHead(this.chain.head) ? new SourceDriver(this, this.chain.head, deployment.sourceServices) : null;
    const ids = deployment.operatorIds;
    this.operatorIds = this.chain.nodes.map((node) => ids?.get(node.id) ?? node.uid ?? `${vertex.id}-${node.id}`);
    this.producers = [...deployment.outputChannels.keys()].map((edge) => edge.source.name);
    const services = deployment.checkpointing;
    const checkpointing = services === undefined ? null : new SubtaskCheckpointCoordinator(this, services, vertex, subtaskIndex, this.operatorIds);
    this.checkpointing = checkpointing;
    this.inputProcessor = new StreamInputProcessor(
      this,
      this.inputs,
      checkpointing === null
        ? null
        : {
            exactlyOnce: services!.exactlyOnce,
            unaligned: services!.unaligned === true,
            triggerCheckpoint: (barrier) => checkpointing.checkpointState(barrier),
            addInputData: (id, input, channel, item) => checkpointing.channelState.addInputData(id, input, channel, item),
            finishInputCapture: (id) => checkpointing.finishInputCapture(id),
            abortInputCapture: (id, reason) => checkpointing.abortInputCapture(id, reason),
            schedule: (delayMs, action) => this.scheduleCheckpointAction(delayMs, action),
          },
    );
  }

  /** The task reads input channels (it is not a source task). */
  get hasInputs(): boolean {
    return this.inputs.length > 0;
  }

  /** Records read from the input gates. */
  get numRecordsIn(): number {
    return this.inputProcessor.numRecordsIn;
  }

  isRunning(): boolean {
    return this.state === TaskState.RUNNING;
  }

  /** Running, or waiting for the final checkpoint after the input ended (mails and barriers still come). */
  takesInput(): boolean {
    return this.state === TaskState.RUNNING || (this.state === TaskState.FINISHING && this.awaitingFinalCheckpoint);
  }

  /** The task finished its operators and sent EndOfData (or has ended). */
  hasEndedInput(): boolean {
    return this.state === TaskState.FINISHED || this.checkpointing?.finalCheckpoint.isEndOfData === true;
  }

  keyedStateBackendOf(nodeId: number): KeyedStateBackend | undefined {
    return this.keyedStateBackends.get(nodeId);
  }

  getState(): TaskStateValue {
    return this.state;
  }

  getFailure(): unknown {
    return this.failure;
  }

  private operatorParameters(node: StreamNode, output: Output<unknown>): StreamOperatorParameters<unknown> {
    const { vertex, subtaskIndex, jobInfo, attemptNumber } = this.deployment;
    const taskInfo = {
      taskName: vertex.name,
      taskNameWithSubtasks: this.name,
      indexOfThisSubtask: subtaskIndex,
      numberOfParallelSubtasks: vertex.parallelism,
      maxNumberOfParallelSubtasks: node.maxParallelism,
      attemptNumber,
    };
    const metricGroup = this.deployment.metricGroup.addGroup(node.name);
    const runtimeContext = new StreamingRuntimeContext(taskInfo, jobInfo, this.accumulators, metricGroup, this.deployment.checkpointing?.checkpointsAfterTasksFinish === true);
    const keyedStateBackend = this.keyedStateBackends.get(node.id) ?? null;
    return { operatorName: node.name, output, runtimeContext, task: this, keyedStateBackend };
  }

  /** Figures of this task's keyed state backends (task-keyed-state-backends.ts). */
  stateMetrics(): Record<string, number> {
    return this.keyedStateBackends.metrics();
  }

  // ---- TaskServices -------------------------------------------------------------------------

  addInputBlocker(isAvailable: () => boolean): void {
    this.blockers.push(isAvailable);
  }

  wakeup(): void {
    this.scheduler.wakeup();
  }

  failTask(error: unknown): void {
    this.fail(error);
  }

  executeInMailbox(action: () => void, description: string): void {
    if (this.state === TaskState.FINISHED || this.state === TaskState.FAILED || this.state === TaskState.CANCELED) return;
    if (this.mailbox.size >= MAILBOX_CAPACITY) {
      this.fail(new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `The mailbox of task ${this.name} is full (${MAILBOX_CAPACITY} mails) while adding '${description}'`));
      return;
    }
    this.mailbox.push({ action, description });
    this.scheduler.wakeup();
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Runs the task to its end; resolves when finished or cancelled, rejects with the failure. */
  async run(): Promise<void> {
    let error: unknown = undefined;
    // Cancelled before it started: nothing was opened, so there is nothing to close.
    if (this.state === TaskState.CANCELING) {
      this.state = TaskState.CANCELED;
      return;
    }
    try {
      this.state = TaskState.INITIALIZING;
      const restore = this.deployment.restoreState;
      if (restore?.finishedOnRestore === true) {
        finishOnRestore(this.chain.writers);
        return;
      }
      const { vertex, subtaskIndex, jobInfo } = this.deployment;
      await this.keyedStateBackends.create(this.deployment.stateBackend, jobInfo.jobId, vertex, subtaskIndex, this.chain.nodes);
      if (restore !== undefined) await restoreKeyedState(this, this.operatorIds, restore, this.deployment.checkpointing?.sharedDirectory ?? null);
      const changelog = this.deployment.checkpointing?.changelog;
      if (changelog !== undefined) this.keyedStateBackends.startChangelog(changelog);
      if (this.isTerminal()) return;
      this.chain.setupOperators((node, output) => this.operatorParameters(node, output));
      if (restore !== undefined) restoreOperatorState(this, this.operatorIds, restore);
      await this.chain.openOperators();
      if (this.isTerminal()) return;
      const channelState = restore?.channelState;
      if (channelState !== undefined) {
        // In-flight data of an unaligned checkpoint: output first, stored input before new input.
        const where = `the channel state of task ${this.name} in ${restore!.pointer ?? `checkpoint ${restore!.checkpointId}`}`;
        restoreOutputData(this.name, this.chain.writers, channelState, where);
        this.inputProcessor.setRecoveredInput(recoveredInputOf(this.name, this.inputs, channelState, where));
      }
      const ended = new Promise<void>((resolve, reject) => (this.endOfInput = { resolve, reject }));
      this.state = TaskState.RUNNING;
      this.ioMetrics.start();
      this.scheduler.add(this);
      this.source?.start();
      this.scheduler.wakeup();
      await ended;
      if (this.isTerminal()) return;
      this.state = TaskState.FINISHING;
      // Stop-with-savepoint: commits started by the savepoint's completion end before the operators close.
      if (this.stopping) await this.checkpointing?.whenNotificationsDone();
      else await endData(this);
    } catch (e) {
      error = e;
    } finally {
      this.scheduler.remove(this);
      this.ioMetrics.stop();
      this.processingTimeService.shutdown();
      if (this.flushTimer !== null) clearTimeout(this.flushTimer);
      for (const timer of this.checkpointTimers) clearTimeout(timer);
      this.checkpointTimers.clear();
      await this.checkpointing?.close();
      const closeError = await this.chain.closeOperators();
      const disposeError = await this.keyedStateBackends.dispose();
      error ??= this.failure ?? closeError ?? disposeError;
      if (this.getState() === TaskState.CANCELING) {
        this.state = TaskState.CANCELED;
      } else if (error !== undefined) {
        this.state = TaskState.FAILED;
        this.failure = error;
      } else {
        this.state = TaskState.FINISHED;
        this.checkpointing?.taskFinished();
      }
      this.scheduler.wakeup();
    }
    if (this.state === TaskState.FAILED) throw this.failure;
  }

  /** end-of-data.ts: runs the mailbox until the final checkpoint completed (true) or the task stopped waiting. */
  async awaitFinalCheckpoint(): Promise<boolean> {
    const done = new Promise<void>((resolve, reject) => (this.endOfInput = { resolve, reject }));
    this.awaitingFinalCheckpoint = true;
    const drain = this.drainBarrier;
    this.drainBarrier = null;
    if (drain !== null) this.executeInMailbox(() => this.checkpointing?.triggerCheckpoint(drain), `trigger checkpoint ${drain.checkpointId}`);
    this.scheduler.wakeup();
    try {
      await done;
    } finally {
      this.awaitingFinalCheckpoint = false;
    }
    return !this.isTerminal() && !this.stopping;
  }

  cancel(): void {
    if (this.isTerminal() || this.state === TaskState.CANCELING) return;
    this.state = TaskState.CANCELING;
    this.source?.cancel();
    for (const gate of this.inputs) gate.release();
    this.endOfInput?.resolve();
    this.scheduler.wakeup();
  }

  private isTerminal(): boolean {
    return this.state === TaskState.FINISHED || this.state === TaskState.FAILED || this.state === TaskState.CANCELED || this.state === TaskState.CANCELING;
  }

  fail(error: unknown): void {
    if (this.failure !== undefined || this.isTerminal()) return;
    this.failure = FlinkError.isFlinkError(error) ? error : userFunctionError(error, this.deployment.vertex.name, this.deployment.subtaskIndex, this.deployment.vertex.parallelism, 'running');
    this.state = TaskState.FAILED;
    this.source?.cancel();
    this.endOfInput?.reject(this.failure);
    this.scheduler.wakeup();
  }

  /** Called by the source driver or the input loop when all input has been consumed. */
  signalEndOfInput(): void {
    if (this.state !== TaskState.RUNNING) return;
    this.state = TaskState.FINISHING;
    this.endOfInput?.resolve();
  }

  // ---- the mailbox loop ---------------------------------------------------------------------

  isOutputAvailable(): boolean {
    if (this.checkpointSuspended || !this.chain.isOutputAvailable()) return false;
    for (let i = 0; i < this.blockers.length; i++) if (!this.blockers[i]!()) return false;
    return true;
  }

  whenOutputAvailable(): Promise<void> {
    return this.chain.whenOutputAvailable();
  }

  step(): boolean {
    if (!this.takesInput()) return false;
    this.inStep = true;
    this.ioMetrics.beginStep();
    try {
      let progress = this.processMails();
      if (!this.takesInput()) return true;
      // After EndOfData a source task only runs mails; a task with inputs still reads barriers.
      if (this.source === null) progress = this.inputProcessor.processInput() || progress;
      else if (this.state === TaskState.RUNNING) progress = this.source.step() || progress;
      this.maybeFlushOnTimeout();
      this.armFlushTimer();
      this.ioMetrics.endStep(this.chain.isOutputAvailable());
      return progress;
    } catch (e) {
      this.fail(e);
      return true;
    } finally {
      this.inStep = false;
    }
  }

  private processMails(): boolean {
    if (this.mailbox.size === 0 || this.mailsHeld) return false;
    let n = this.mailbox.size;
    while (n-- > 0 && this.takesInput()) this.mailbox.shift()!.action();
    return true;
  }

  // ---- checkpoints -------------------------------------------------------------------------

  /**
   * The coordinator triggered a checkpoint at this source task, or at a task everything upstream
   * of which has ended: runs in the mailbox, between records. With `stopSource`
   * (stop-with-savepoint) the source emits nothing after the barrier; with `drain` as well, its
   * input ends first and the barrier follows EndOfData.
   */
  triggerCheckpoint(barrier: CheckpointBarrier, stopSource = false, drain = false): void {
    this.executeInMailbox(() => {
      const checkpointing = this.checkpointing;
      if (checkpointing === null) return;
      if (this.source === null) {
        this.inputProcessor.triggerAtEndOfInput(barrier, (b) => checkpointing.triggerCheckpoint(b));
      } else if (drain && this.state === TaskState.RUNNING) {
        this.drainBarrier = barrier;
        this.source.drain();
      } else {
        if (stopSource) this.source.suspend();
        checkpointing.triggerCheckpoint(barrier);
      }
    }, `trigger checkpoint ${barrier.checkpointId}`);
  }

  /** A stop-with-savepoint with drain began: its savepoint is this task's final checkpoint. */
  expectDrainSavepoint(checkpointId: number): void {
    this.checkpointing?.finalCheckpoint.expectDrainSavepoint(checkpointId);
  }

  /** A stop-with-savepoint failed: the source emits again. */
  resumeSource(): void {
    this.executeInMailbox(() => this.source?.resume(), 'resume the source');
  }

  /** Stop-with-savepoint completed: the task ends, its operators are closed but not finished. */
  stopWithoutDrain(): void {
    this.executeInMailbox(() => {
      if (this.state !== TaskState.RUNNING && !this.awaitingFinalCheckpoint) return;
      this.stopping = true;
      this.source?.cancel();
      this.endOfInput?.resolve();
    }, 'stop with savepoint');
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.executeInMailbox(() => {
      this.checkpointing?.notifyCheckpointComplete(checkpointId);
      if (this.awaitingFinalCheckpoint && this.checkpointing!.finalCheckpoint.isCompletedBy(checkpointId)) this.endOfInput?.resolve();
    }, `checkpoint ${checkpointId} complete`);
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.executeInMailbox(() => {
      this.inputProcessor.processCancellation(checkpointId);
      this.checkpointing?.notifyCheckpointAborted(checkpointId);
      if (this.checkpointing?.finalCheckpoint.abortedEndsWait(checkpointId) === true && this.awaitingFinalCheckpoint) this.endOfInput?.resolve();
    }, `checkpoint ${checkpointId} aborted`);
  }

  broadcastBarrier(barrier: CheckpointBarrier): void {
    broadcastBarrier(this.chain.writers, this.producers, barrier, this.checkpointing?.channelState ?? null, (delay, action) => this.scheduleCheckpointAction(delay, action));
    this.lastFlush = performance.now();
  }

  /** Runs `action` in the mailbox after `delayMs` (alignment timeouts of unaligned checkpoints). */
  private scheduleCheckpointAction(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.checkpointTimers.delete(timer);
      this.executeInMailbox(action, 'aligned checkpoint timeout');
    }, delayMs);
    this.checkpointTimers.add(timer);
  }

  setCheckpointSuspended(suspended: boolean, holdMails = false): void {
    this.checkpointSuspended = suspended;
    this.mailsHeld = suspended && holdMails;
    if (!suspended) this.scheduler.wakeup();
  }

  flushOutputs(): void {
    this.chain.flushOutputs();
    this.lastFlush = performance.now();
  }

  private maybeFlushOnTimeout(): void {
    const timeout = this.deployment.bufferTimeoutMs;
    if (timeout < 0) return;
    const now = performance.now();
    if (now - this.lastFlush >= timeout) {
      if (this.chain.hasPendingOutput()) this.chain.flushOutputs();
      this.lastFlush = now;
    }
  }

  /**
   * Records left in a partly filled batch by a task that then goes quiet (a source waiting for
   * data) are sent when the buffer timeout expires, through the mailbox.
   */
  armFlushTimer(): void {
    if (this.flushTimer !== null) return;
    const timeout = this.deployment.bufferTimeoutMs;
    if (timeout < 0 || this.state !== TaskState.RUNNING || !this.chain.hasPendingOutput()) return;
    const delay = Math.max(0, timeout - (performance.now() - this.lastFlush));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.executeInMailbox(() => this.flushOutputs(), 'flush at the buffer timeout');
    }, delay);
  }

  private onChannelOverflow(channel: ResultSubpartition, consumerSubtask: number): void {
    // While the consumers catch up this task cannot emit: that time is back pressure, not work.
    this.ioMetrics.transition(TaskTimeStatus.BACK_PRESSURED);
    this.scheduler.drain(() => !channel.isOverCapacity());
    this.ioMetrics.transition(TaskTimeStatus.BUSY);
    this.source?.checkOverflow(channel, consumerSubtask);
  }

  /** Records read from the inputs, or for a source task the records its source emitted. */
  recordsIn(): number {
    const head = this.chain.head as { numRecordsOut?: number };
    return this.source !== null ? (head.numRecordsOut ?? 0) : this.numRecordsIn;
  }

  /** Records written to non-chained outputs. */
  recordsOut(): number {
    return this.chain.recordsOut();
  }
}
