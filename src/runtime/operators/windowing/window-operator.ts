/*
 * The window operator, as Flink's WindowOperator. Each element is assigned to windows of its key;
 * a pane (key and window) keeps its contents in window-namespaced keyed state: the elements
 * (ListState) or one accumulator (ReducingState / AggregatingState) for incremental aggregation.
 * The trigger decides when a pane fires (the window function is evaluated, its output stamped
 * with window.maxTimestamp()) and when it is purged. Every window gets a cleanup timer at
 * maxTimestamp + allowedLateness (event time) or maxTimestamp (processing time) that drops its
 * contents, the trigger's state and the function's per-window state. Elements for windows that
 * are already past their cleanup time are dropped: to the late side output when one is set and
 * the element is late, otherwise counted in numLateRecordsDropped. Merging (session) windows
 * keep their windows per key in a MergingWindowSet and merge state, triggers and timers with it.
 * Two shortcuts change nothing Flink would do: with EventTimeTrigger an element of a pane that
 * exists already skips the trigger and the timers, which are set already (existing-panes.ts), and
 * registrations or deletions of a timer that a step has just registered or deleted are dropped
 * (window-timers.ts).
 */
import { ErrorCodes, FlinkError, illegalState } from '../../../errors.ts';
import { resolveMethod, type KeySelector } from '../../../api/common/functions.ts';
import type { OutputTag } from '../../../api/common/output-tag.ts';
import { NO_TIMESTAMP } from '../../../api/common/watermark.ts';
import { StateTypes, type AppendingState, type ListState } from '../../../api/state/state.ts';
import { ListStateDescriptor, type StateDescriptor } from '../../../api/state/state-descriptor.ts';
import { MergingWindowAssigner } from '../../../api/windowing/assigners/merging-window-assigner.ts';
import type { WindowAssigner, WindowAssignerContext } from '../../../api/windowing/assigners/window-assigner.ts';
import type { Trigger } from '../../../api/windowing/triggers/trigger.ts';
import type { Window } from '../../../api/windowing/windows/window.ts';
import type { Counter } from '../../metrics/metric-group.ts';
import { TupleSerializer } from '../../serialization/typed/collection-serializers.ts';
import { NamespaceSerializer } from '../../serialization/namespace-serializer.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { VOID_NAMESPACE, type InternalKvState, type KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import { AbstractUdfStreamOperator } from '../abstract-udf-stream-operator.ts';
import { InternalTimerService, type InternalTimer, type Triggerable } from '../internal-timer-service.ts';
import { TimestampedCollector } from '../output.ts';
import { describeRecord, type OneInputStreamOperator, type StreamOperatorParameters } from '../stream-operator.ts';
import { ExistingPanes, isEventTimeTrigger, type PaneState } from './existing-panes.ts';
import { MergingWindowSet, type MergeFunction } from './merging-window-set.ts';
import type { InternalWindowFunction } from './internal-window-function.ts';
import { WindowContext, WindowTriggerContext, windowNamespace } from './window-contexts.ts';
import { WindowTimers } from './window-timers.ts';

/** Flink's Long.MAX_VALUE as a cleanup time: "end of time", for which no cleanup timer is set. */
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

export const LATE_ELEMENTS_DROPPED_METRIC_NAME = 'numLateRecordsDropped';

export interface WindowOperatorOptions<K, IN, ACC, OUT, W extends Window> {
  readonly windowAssigner: WindowAssigner<IN, W>;
  readonly keySelector: KeySelector<IN, K>;
  /** The state of the window contents ('window-contents'): list, reducing or aggregating. */
  readonly windowStateDescriptor: StateDescriptor<any>;
  readonly windowFunction: InternalWindowFunction<ACC, OUT, K, W>;
  /** The user's function, whose open()/close() (and runtime context) the operator drives. */
  readonly userFunction: unknown;
  readonly trigger: Trigger<IN, W>;
  readonly allowedLateness: number;
  readonly lateDataOutputTag: OutputTag<IN> | null;
}

export class WindowOperator<K, IN, ACC, OUT, W extends Window> extends AbstractUdfStreamOperator<OUT, unknown> implements OneInputStreamOperator<IN, OUT>, Triggerable {
  readonly windowAssigner: WindowAssigner<IN, W>;
  readonly trigger: Trigger<IN, W>;
  readonly allowedLateness: number;
  readonly lateDataOutputTag: OutputTag<IN> | null;
  readonly windowStateDescriptor: StateDescriptor<any>;
  protected readonly windowFunction: InternalWindowFunction<ACC, OUT, K, W>;
  private readonly keySelector: (value: IN) => K;
  private readonly mergingAssigner: MergingWindowAssigner<IN, W> | null;
  private readonly isEventTime: boolean;
  /** True for list contents, whose empty list means "no contents" (Flink's null). */
  private readonly listContents: boolean;

  protected backend!: KeyedStateBackend;
  protected timerService!: InternalTimerService;
  /** Registers and deletes the timers of the operator and its trigger (see WindowTimers). */
  protected windowTimers!: WindowTimers;
  protected collector!: TimestampedCollector<OUT>;
  protected triggerContext!: WindowTriggerContext<W>;
  protected processContext!: WindowContext<W>;
  protected windowState!: AppendingState<unknown, ACC> & InternalKvState;
  private mergingSetsState: (ListState<[W, W]> & InternalKvState) | null = null;
  /** The window state, when elements of existing panes may skip the trigger and the timers (existing-panes.ts); else null. */
  private existingPaneState: PaneState | null = null;
  /** After a restore: what tells when no restored pane is left and the shortcut may start. */
  private restoredPanes: ExistingPanes | null = null;
  /** True with Flink's EventTimeTrigger itself, whose behaviour the operator may rely on. */
  private readonly eventTimeTrigger: boolean;
  private windowAssignerContext!: WindowAssignerContext;
  protected numLateRecordsDropped!: Counter;

  constructor(options: WindowOperatorOptions<K, IN, ACC, OUT, W>) {
    super(options.userFunction);
    if (!(options.allowedLateness >= 0)) throw new RangeError('The allowed lateness cannot be negative.');
    this.windowAssigner = options.windowAssigner;
    this.keySelector = resolveMethod(options.keySelector, 'getKey', 'KeySelector');
    this.windowStateDescriptor = options.windowStateDescriptor;
    this.windowFunction = options.windowFunction;
    this.trigger = options.trigger;
    this.allowedLateness = options.allowedLateness;
    this.lateDataOutputTag = options.lateDataOutputTag;
    this.mergingAssigner = options.windowAssigner instanceof MergingWindowAssigner ? options.windowAssigner : null;
    this.isEventTime = options.windowAssigner.isEventTime();
    this.listContents = options.windowStateDescriptor.type === StateTypes.LIST;
    this.eventTimeTrigger = isEventTimeTrigger(options.trigger);
  }

  override setup(parameters: StreamOperatorParameters<OUT>): void {
    super.setup(parameters);
    const backend = parameters.keyedStateBackend;
    if (backend === null) throw illegalState(`Window operator '${parameters.operatorName}' has no keyed state backend: its input must be keyed`);
    this.backend = backend;
    this.timerService = new InternalTimerService(
      backend,
      parameters.task.processingTimeService,
      this,
      'window-timers',
      new NamespaceSerializer(this.windowAssigner.getWindowSerializer() as TypeSerializer<unknown>),
    );
    this.collector = new TimestampedCollector(this.output, NO_TIMESTAMP);
    const metrics = this.runtimeContext.getMetricGroup();
    this.numLateRecordsDropped = metrics.counter(LATE_ELEMENTS_DROPPED_METRIC_NAME);
    this.windowTimers = new WindowTimers(this.timerService);
    this.triggerContext = new WindowTriggerContext(backend, this.timerService, this.windowTimers, metrics, this.trigger);
    this.processContext = new WindowContext(backend, this.timerService, this.output as never, this.windowFunction, this.mergingAssigner !== null);
    this.windowAssignerContext = { getCurrentProcessingTime: () => this.timerService.currentProcessingTime() };
  }

  override async open(): Promise<void> {
    await super.open();
    this.windowState = this.backend.getPartitionedState(this.windowStateDescriptor);
    if (this.mergingAssigner !== null) {
      const windowSerializer = this.windowAssigner.getWindowSerializer();
      // The windows come back from snapshots as windows: the pairs are written with the assigner's window serializer.
      const descriptor = new ListStateDescriptor<[W, W]>('merging-window-set', new TupleSerializer<[W, W]>([windowSerializer, windowSerializer]));
      this.mergingSetsState = this.backend.getPartitionedState<ListState<[W, W]>>(descriptor);
    }
    const panes = this.existingPanesNeedNoTimers()
      ? ExistingPanes.of({ trigger: this.trigger, eventTime: this.isEventTime, merging: this.mergingAssigner !== null, windowState: this.windowState })
      : null;
    this.existingPaneState = panes?.paneState() ?? null;
    if (panes !== null && this.existingPaneState === null) this.restoredPanes = panes;
  }

  /** Whether elements of existing panes may skip the trigger and the timers (existing-panes.ts). */
  protected existingPanesNeedNoTimers(): boolean {
    return true;
  }

  override async close(): Promise<void> {
    try {
      this.timerService?.shutdown();
    } finally {
      await super.close();
    }
  }

  protected override advanceWatermark(timestamp: number): void {
    this.timerService.advanceWatermark(timestamp);
    // After a restore the shortcut for existing panes waits until no restored pane is left.
    if (this.restoredPanes !== null) {
      this.existingPaneState = this.restoredPanes.paneState();
      if (this.existingPaneState !== null) this.restoredPanes = null;
    }
  }

  // ---- elements -----------------------------------------------------------------------------

  processElement(value: IN, timestamp: number): void {
    try {
      this.backend.setCurrentKey(this.keySelector(value));
    } catch (e) {
      throw this.keyError(e, value);
    }
    try {
      this.processWindowElement(value, timestamp);
    } catch (e) {
      throw this.failure(e, 'processing record ' + describeRecord(value));
    }
  }

  private processWindowElement(value: IN, timestamp: number): void {
    this.windowTimers.beginStep();
    const elementWindows = this.windowAssigner.assignWindows(value, timestamp, this.windowAssignerContext);
    // True while no assigned window took the element.
    let isSkippedElement = true;
    const key = this.backend.getCurrentKey();
    const ctx = this.triggerContext;

    if (this.mergingAssigner !== null) {
      const mergingWindows = this.getMergingWindowSet();
      for (const window of elementWindows) {
        // Adding the window may merge it with others; then the merge result is where it belongs.
        ctx.key = key;
        const actualWindow = mergingWindows.addWindow(window, this.mergeWindows);

        if (this.isWindowLate(actualWindow)) {
          mergingWindows.retireWindow(actualWindow);
          continue;
        }
        isSkippedElement = false;

        const stateWindow = mergingWindows.getStateWindow(actualWindow);
        if (stateWindow === undefined) throw illegalState(`Window ${String(window)} is not in in-flight window set.`);
        this.windowState.setCurrentNamespace(windowNamespace(stateWindow));
        this.addToWindowState(value, timestamp);

        ctx.key = key;
        ctx.window = actualWindow;
        const triggerResult = ctx.onElement(value, timestamp);
        if (triggerResult.isFire()) {
          const contents = this.windowContents();
          if (contents === undefined) continue;
          this.emitWindowContents(actualWindow, contents);
        }
        if (triggerResult.isPurge()) this.windowState.clear();
        this.registerCleanupTimer(actualWindow);
      }
      mergingWindows.persist();
    } else {
      const panes = this.existingPaneState;
      for (let i = 0; i < elementWindows.length; i++) {
        const window = elementWindows[i]!;
        if (panes !== null) {
          const maxTimestamp = window.maxTimestamp();
          // Not late: the cleanup time is at or after maxTimestamp.
          if (maxTimestamp > this.timerService.currentWatermark) {
            isSkippedElement = false;
            panes.setCurrentNamespace(windowNamespace(window));
            if (panes.addAndReportExisting(value)) continue;
            // A new pane: what EventTimeTrigger.onElement does (register, CONTINUE), then the cleanup timer.
            this.windowTimers.register(window, maxTimestamp, true);
            this.registerCleanupTimer(window);
            continue;
          }
        }
        if (this.isWindowLate(window)) continue;
        isSkippedElement = false;

        this.windowState.setCurrentNamespace(windowNamespace(window));
        this.addToWindowState(value, timestamp);

        ctx.key = key;
        ctx.window = window;
        const triggerResult = ctx.onElement(value, timestamp);
        if (triggerResult.isFire()) {
          const contents = this.windowContents();
          if (contents === undefined) continue;
          this.emitWindowContents(window, contents);
        }
        if (triggerResult.isPurge()) this.windowState.clear();
        this.registerCleanupTimer(window);
      }
    }

    // Late: every window of the element is past its cleanup time, and so is the element.
    if (isSkippedElement && this.isElementLate(timestamp)) {
      if (this.lateDataOutputTag !== null) this.sideOutput(value, timestamp);
      else this.numLateRecordsDropped.inc();
    }
  }

  /**
   * The MergeFunction of the current key's windows (the trigger context holds the key): merges
   * the triggers, drops the merged windows' triggers and cleanup timers, merges the window state.
   */
  private readonly mergeWindows: MergeFunction<W> = (mergeResult, mergedWindows, stateWindowResult, mergedStateWindows) => {
    this.checkMergeResult(mergeResult);
    const ctx = this.triggerContext;
    ctx.window = mergeResult;
    ctx.onMerge(mergedWindows);
    for (const m of mergedWindows) {
      ctx.window = m;
      ctx.clear();
      this.deleteCleanupTimer(m);
    }
    // Merging no namespaces into the target changes nothing.
    if (mergedStateWindows.length !== 0) this.windowState.mergeNamespaces(windowNamespace(stateWindowResult), mergedStateWindows.map(windowNamespace));
  };

  /** As Flink: merging must not move a window's end to before the current time. */
  private checkMergeResult(mergeResult: W): void {
    if (this.isEventTime) {
      const watermark = this.timerService.currentWatermark;
      if (mergeResult.maxTimestamp() + this.allowedLateness <= watermark) {
        throw new FlinkError(
          ErrorCodes.FLINK_TS_UNSUPPORTED,
          `The end timestamp of an event-time window cannot become earlier than the current watermark by merging. Current watermark: ${watermark} window: ${String(mergeResult)}`,
        );
      }
    } else {
      const now = this.timerService.currentProcessingTime();
      if (mergeResult.maxTimestamp() <= now) {
        throw new FlinkError(
          ErrorCodes.FLINK_TS_UNSUPPORTED,
          `The end timestamp of a processing-time window cannot become earlier than the current processing time by merging. Current processing time: ${now} window: ${String(mergeResult)}`,
        );
      }
    }
  }

  // ---- timers -------------------------------------------------------------------------------

  onEventTime(timer: InternalTimer): void {
    this.onTimer(timer, true);
  }

  onProcessingTime(timer: InternalTimer): void {
    this.onTimer(timer, false);
  }

  private onTimer(timer: InternalTimer, eventTime: boolean): void {
    this.windowTimers.beginStep();
    const ctx = this.triggerContext;
    const window = timer.namespace as W;
    ctx.key = timer.key;
    ctx.window = window;
    try {
      let mergingWindows: MergingWindowSet<W> | null = null;
      if (this.mergingAssigner !== null) {
        mergingWindows = this.getMergingWindowSet();
        const stateWindow = mergingWindows.getStateWindow(window);
        // A timer of a window that no longer exists: a trigger did not clean up its timers. The
        // window's state and the trigger's state are gone already, so there is nothing to do.
        if (stateWindow === undefined) return;
        this.windowState.setCurrentNamespace(windowNamespace(stateWindow));
      } else {
        this.windowState.setCurrentNamespace(windowNamespace(window));
      }

      this.fireOnTimer(timer.timestamp, eventTime);

      if (this.isEventTime === eventTime && this.isCleanupTime(window, timer.timestamp)) this.clearAllState(window, mergingWindows);
      mergingWindows?.persist();
    } catch (e) {
      throw this.failure(e, `firing ${eventTime ? 'event' : 'processing'}-time timer @ ${timer.timestamp} of ${String(window)} (key ${describeRecord(timer.key)})`);
    }
  }

  /** The trigger's decision on a timer, with the window state scoped to the timer's window. */
  protected fireOnTimer(time: number, eventTime: boolean): void {
    const ctx = this.triggerContext;
    const triggerResult = eventTime ? ctx.onEventTime(time) : ctx.onProcessingTime(time);
    if (triggerResult.isFire()) {
      const contents = this.windowContents();
      if (contents !== undefined) this.emitWindowContents(ctx.window, contents);
    }
    if (triggerResult.isPurge()) this.windowState.clear();
  }

  /** Drops the window's contents, the trigger's state and the function's per-window state. */
  private clearAllState(window: W, mergingWindows: MergingWindowSet<W> | null): void {
    this.windowState.clear();
    // EventTimeTrigger's clear() deletes its timer at maxTimestamp(), which is at or before this
    // cleanup time: it is this very timer or fired before it (timers fire in timestamp order,
    // and EventTimeTrigger never registers one the watermark has passed) — nothing to delete.
    if (!(this.eventTimeTrigger && this.isEventTime)) this.triggerContext.clear();
    this.processContext.window = window;
    this.processContext.clear();
    if (mergingWindows !== null) {
      mergingWindows.retireWindow(window);
      mergingWindows.persist();
    }
  }

  // ---- window contents (overridden by the evicting window operator) --------------------------

  /** Adds the element to the window state (whose namespace is set). */
  protected addToWindowState(value: IN, _timestamp: number): void {
    this.windowState.add(value);
  }

  /** The contents of the window state, or undefined when it has none (Flink's null). */
  protected windowContents(): ACC | undefined {
    const contents = this.windowState.get();
    if (contents === undefined || contents === null) return undefined;
    if (this.listContents && isEmptyIterable(contents as unknown as Iterable<unknown>)) return undefined;
    return contents;
  }

  /** Evaluates the window function on the contents, its output stamped with window.maxTimestamp(). */
  protected emitWindowContents(window: W, contents: ACC): void {
    this.collector.timestamp = window.maxTimestamp();
    this.processContext.window = window;
    this.windowFunction.process(this.triggerContext.key as K, window, this.processContext, contents, this.collector);
  }

  protected sideOutput(value: IN, timestamp: number): void {
    this.output.collectSide(this.lateDataOutputTag!, value as never, timestamp);
  }

  // ---- lateness and cleanup -----------------------------------------------------------------

  /** The MergingWindowSet of the current key; the caller persists it. */
  protected getMergingWindowSet(): MergingWindowSet<W> {
    const state = this.mergingSetsState!;
    state.setCurrentNamespace(VOID_NAMESPACE);
    return new MergingWindowSet<W>(this.mergingAssigner!, state);
  }

  /** True if the watermark is past the window's end plus the allowed lateness. */
  protected isWindowLate(window: W): boolean {
    return this.isEventTime && this.cleanupTime(window) <= this.timerService.currentWatermark;
  }

  /** True if the element is late: its timestamp plus the allowed lateness is not after the watermark. */
  protected isElementLate(timestamp: number): boolean {
    return this.isEventTime && timestamp + this.allowedLateness <= this.timerService.currentWatermark;
  }

  protected registerCleanupTimer(window: W): void {
    const cleanupTime = this.cleanupTime(window);
    if (cleanupTime !== END_OF_TIME) this.windowTimers.register(window, cleanupTime, this.isEventTime);
  }

  protected deleteCleanupTimer(window: W): void {
    const cleanupTime = this.cleanupTime(window);
    if (cleanupTime !== END_OF_TIME) this.windowTimers.delete(window, cleanupTime, this.isEventTime);
  }

  /** maxTimestamp + allowedLateness for event time (END_OF_TIME past the largest timestamp), maxTimestamp for processing time. */
  private cleanupTime(window: W): number {
    const maxTimestamp = window.maxTimestamp();
    if (!this.isEventTime) return Math.min(maxTimestamp, END_OF_TIME);
    const cleanupTime = maxTimestamp + this.allowedLateness;
    return cleanupTime >= END_OF_TIME ? END_OF_TIME : cleanupTime;
  }

  protected isCleanupTime(window: W, time: number): boolean {
    return time === this.cleanupTime(window);
  }

  // ---- introspection ------------------------------------------------------------------------

  numEventTimeTimers(): number {
    return this.timerService.numEventTimeTimers();
  }

  numProcessingTimeTimers(): number {
    return this.timerService.numProcessingTimeTimers();
  }

  getCurrentWatermark(): number {
    return this.timerService.currentWatermark;
  }

  /** Engine errors keep their code; anything a user function threw becomes FLINK_TS_USER_FUNCTION. */
  protected failure(cause: unknown, what: string): Error {
    if (FlinkError.isFlinkError(cause) && cause.code !== ErrorCodes.FLINK_TS_USER_FUNCTION) return cause;
    return this.userError(cause, what);
  }
}

function isEmptyIterable(contents: Iterable<unknown>): boolean {
  if (Array.isArray(contents)) return contents.length === 0;
  return contents[Symbol.iterator]().next().done === true;
}
