/*
 * SourceCoordinator: the coordinator side of a split-based source. It runs the source's
 * SplitEnumerator, forwards split requests and events from the readers to it, and delivers its
 * split assignments to the readers' tasks. Calls into the enumerator are deferred, as they would
 * be over RPC, so a reader never re-enters its own enumerator call. With watermark alignment it
 * also aggregates its readers' watermarks into their group (shared through the job's
 * CoordinatorStore) and announces the group's limit to them every update interval. On a
 * checkpoint its enumerator's state is taken first; assignments made until the barrier has been
 * injected at the readers are held back (Flink's operator event valve), so that a split is either
 * in the enumerator's state or in a reader's, never in both or neither.
 */
import { userFunctionError } from '../../errors.ts';
import type { ReaderInfo, Source, SourceSplit, SplitEnumerator, SplitEnumeratorContext } from '../../connector/source/source.ts';
import { MetricGroup } from '../metrics/metric-group.ts';
import type { SourceOperator } from '../operators/source-operator.ts';
import type { SourceCoordinatorLink } from '../operators/source-operator.ts';
import type { WatermarkAlignmentParams } from '../../api/eventtime/watermark-alignment-params.ts';
import { CoordinatorStore, WatermarkAlignmentCoordinator } from './watermark-alignment-coordinator.ts';

/** Runs an action on the reader of one subtask, inside that subtask's mailbox. */
export type ReaderDelivery = (subtask: number, action: (operator: SourceOperator<unknown, SourceSplit>) => void) => void;

export class SourceCoordinator<Split extends SourceSplit> implements SourceCoordinatorLink {
  readonly operatorName: string;
  private readonly source: Source<unknown, Split, unknown>;
  private readonly parallelism: number;
  private readonly deliver: ReaderDelivery;
  private readonly onFailure: (error: unknown) => void;
  private readonly readers = new Map<number, ReaderInfo>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly metrics = new MetricGroup(['coordinator']);
  private readonly coordinatorStore: CoordinatorStore;
  private enumerator: SplitEnumerator<Split, unknown> | null = null;
  /** Enumerator state of a restored checkpoint, serialized; consumed by start(). */
  private restoredState: { version: number; state: Uint8Array } | null = null;
  /** While a checkpoint is being triggered: deliveries to readers, held back in order. */
  private heldDeliveries: (() => void)[] | null = null;
  private alignment: WatermarkAlignmentCoordinator | null = null;
  private closed = false;

  /** `coordinatorStore` is shared by the source coordinators of one job (watermark alignment groups). */
  constructor(
    operatorName: string,
    source: Source<unknown, Split, unknown>,
    parallelism: number,
    deliver: ReaderDelivery,
    onFailure: (error: unknown) => void,
    coordinatorStore: CoordinatorStore = new CoordinatorStore(),
  ) {
    this.operatorName = operatorName;
    this.source = source;
    this.parallelism = parallelism;
    this.deliver = deliver;
    this.onFailure = onFailure;
    this.coordinatorStore = coordinatorStore;
  }

  /** Before start(): the enumerator is restored from this checkpointed state. */
  setRestoredState(version: number, state: Uint8Array): void {
    this.restoredState = { version, state };
  }

  async start(): Promise<void> {
    try {
      const restored = this.restoredState;
      this.restoredState = null;
      this.enumerator =
        restored === null
          ? this.source.createEnumerator(this.context())
          : this.source.restoreEnumerator(this.context(), this.source.getEnumeratorCheckpointSerializer().deserialize(restored.version, restored.state));
      await this.enumerator.start();
    } catch (e) {
      throw userFunctionError(e, this.operatorName, 0, 1, 'starting the split enumerator');
    }
  }

  private context(): SplitEnumeratorContext<Split> {
    return {
      currentParallelism: () => this.parallelism,
      registeredReaders: () => this.readers,
      assignSplit: (split, subtask) => this.assign(subtask, [split]),
      assignSplits: (assignment) => {
        const entries = assignment instanceof Map ? [...assignment.entries()] : Object.entries(assignment).map(([k, v]) => [Number(k), v] as const);
        for (const [subtask, splits] of entries) this.assign(subtask, splits as Split[]);
      },
      signalNoMoreSplits: (subtask) => this.deliverToReader(subtask, (op) => op.notifyNoMoreSplits()),
      sendEventToSourceReader: (subtask, event) => this.deliverToReader(subtask, (op) => op.handleSourceEvent(event)),
      callAsync: (callable, handler, initialDelayMs = 0, periodMs = 0) => this.callAsync(callable, handler, initialDelayMs, periodMs),
      runInCoordinatorThread: (action) => this.defer('running an action', action),
      metricGroup: () => this.metrics,
    };
  }

  /**
   * The coordinator's part of a checkpoint: holds deliveries to the readers back (until
   * releaseDeliveries(), called once the barrier was injected) and serializes the enumerator's state.
   */
  async snapshotState(checkpointId: number): Promise<{ version: number; state: Uint8Array }> {
    this.heldDeliveries ??= [];
    try {
      const state = await this.enumerator!.snapshotState(checkpointId);
      const serializer = this.source.getEnumeratorCheckpointSerializer();
      return { version: serializer.getVersion(), state: serializer.serialize(state) };
    } catch (e) {
      throw userFunctionError(e, this.operatorName, 0, 1, `snapshotting the split enumerator for checkpoint ${checkpointId}`);
    }
  }

  releaseDeliveries(): void {
    const held = this.heldDeliveries;
    this.heldDeliveries = null;
    if (held !== null) for (const deliver of held) deliver();
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.defer('notifying a completed checkpoint', () => void this.enumerator?.notifyCheckpointComplete?.(checkpointId));
  }

  private deliverToReader(subtask: number, action: (operator: SourceOperator<unknown, SourceSplit>) => void): void {
    if (this.heldDeliveries !== null) this.heldDeliveries.push(() => this.deliver(subtask, action));
    else this.deliver(subtask, action);
  }

  private assign(subtask: number, splits: Split[]): void {
    if (!Number.isInteger(subtask) || subtask < 0 || subtask >= this.parallelism) {
      this.onFailure(userFunctionError(new RangeError(`split assigned to subtask ${subtask}, but the source has ${this.parallelism} subtasks`), this.operatorName, 0, 1, 'assigning splits'));
      return;
    }
    this.deliverToReader(subtask, (op) => op.addSplits(splits as SourceSplit[]));
  }

  private callAsync<R>(callable: () => R | Promise<R>, handler: (result: R | undefined, error: unknown) => void, initialDelayMs: number, periodMs: number): void {
    const run = (): void => {
      Promise.resolve()
        .then(callable)
        .then(
          (result) => this.defer('handling an async result', () => handler(result, undefined)),
          (error) => this.defer('handling an async error', () => handler(undefined, error)),
        );
    };
    const first = setTimeout(() => {
      this.timers.delete(first);
      if (this.closed) return;
      run();
      if (periodMs > 0) {
        const periodic = setInterval(() => !this.closed && run(), periodMs);
        this.timers.add(periodic);
      }
    }, initialDelayMs);
    this.timers.add(first);
  }

  private defer(what: string, action: () => void): void {
    queueMicrotask(() => {
      if (this.closed) return;
      try {
        action();
      } catch (e) {
        this.onFailure(userFunctionError(e, this.operatorName, 0, 1, `${what} in the split enumerator`));
      }
    });
  }

  // ---- SourceCoordinatorLink: calls from the readers ----

  requestSplit(subtask: number): void {
    this.defer('handling a split request', () => this.enumerator!.handleSplitRequest(subtask, 'localhost'));
  }

  sendEventToCoordinator(subtask: number, event: unknown): void {
    this.defer('handling a source event', () => this.enumerator!.handleSourceEvent?.(subtask, event));
  }

  /** A reader's watermark (watermark alignment); the first report starts the announcements. */
  reportWatermark(subtask: number, watermark: number, params: WatermarkAlignmentParams): void {
    this.defer('handling a reported watermark', () => {
      if (this.alignment === null) this.startAlignment(params);
      this.alignment!.handleReportedWatermark(subtask, watermark);
    });
  }

  private startAlignment(params: WatermarkAlignmentParams): void {
    const alignment = new WatermarkAlignmentCoordinator(params, this.coordinatorStore, this, (subtask, maxAllowed) =>
      this.deliver(subtask, (op) => op.handleWatermarkAlignmentEvent(maxAllowed)),
    );
    this.alignment = alignment;
    const announcer = setInterval(() => {
      if (!this.closed) this.defer('announcing the combined watermark', () => alignment.announceCombinedWatermark());
    }, params.getUpdateInterval());
    this.timers.add(announcer);
  }

  readerOpened(subtask: number): void {
    this.readers.set(subtask, { subtaskId: subtask, location: 'localhost' });
    this.defer('adding a reader', () => this.enumerator!.addReader(subtask));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.enumerator?.close();
  }
}
