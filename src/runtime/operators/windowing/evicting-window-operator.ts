/*
 * The window operator with an evictor, as Flink's EvictingWindowOperator: panes keep their
 * elements with their timestamps (whatever the window function), and when a pane fires the
 * evictor may remove elements before and after the window function sees them; what remains is
 * written back as the pane's contents. Incremental aggregation is therefore not possible here:
 * reduce and aggregate run over the remaining elements when the window fires.
 */
import type { Evictor } from '../../../api/windowing/evictors/evictor.ts';
import type { TimestampedValue } from '../../../api/windowing/evictors/timestamped-value.ts';
import type { Window } from '../../../api/windowing/windows/window.ts';
import type { StreamOperatorParameters } from '../stream-operator.ts';
import { WindowEvictorContext } from './window-contexts.ts';
import { WindowOperator, type WindowOperatorOptions } from './window-operator.ts';

export interface EvictingWindowOperatorOptions<K, IN, OUT, W extends Window> extends WindowOperatorOptions<K, IN, Iterable<IN>, OUT, W> {
  readonly evictor: Evictor<IN, W>;
}

export class EvictingWindowOperator<K, IN, OUT, W extends Window> extends WindowOperator<K, IN, any, OUT, W> {
  readonly evictor: Evictor<IN, W>;
  private evictorContext!: WindowEvictorContext;

  constructor(options: EvictingWindowOperatorOptions<K, IN, OUT, W>) {
    super(options);
    this.evictor = options.evictor;
  }

  override setup(parameters: StreamOperatorParameters<OUT>): void {
    super.setup(parameters);
    this.evictorContext = new WindowEvictorContext(this.timerService, this.runtimeContext.getMetricGroup());
  }

  /** Its panes hold timestamped elements, added by addToWindowState only: no shortcut. */
  protected override existingPanesNeedNoTimers(): boolean {
    return false;
  }

  protected override addToWindowState(value: IN, timestamp: number): void {
    const record: TimestampedValue<IN> = { value, timestamp };
    this.windowState.add(record);
  }

  /** Unlike the plain operator, the trigger is not asked at all when the window has no contents. */
  protected override fireOnTimer(time: number, eventTime: boolean): void {
    const contents = this.windowContents();
    if (contents === undefined) return;
    const ctx = this.triggerContext;
    const triggerResult = eventTime ? ctx.onEventTime(time) : ctx.onProcessingTime(time);
    if (triggerResult.isFire()) this.emitWindowContents(ctx.window, contents);
    if (triggerResult.isPurge()) this.windowState.clear();
  }

  protected override emitWindowContents(window: W, contents: Iterable<TimestampedValue<IN>>): void {
    this.collector.timestamp = window.maxTimestamp();
    // The evictor removes elements in place: work on a copy of the stored list.
    const records = [...contents];
    const evictorContext = this.evictorContext;
    evictorContext.key = this.triggerContext.key;
    this.evictor.evictBefore(records, records.length, window, evictorContext);

    const values = records.map((r) => r.value);
    const triggerWindow = this.triggerContext.window;
    this.processContext.window = triggerWindow;
    this.windowFunction.process(this.triggerContext.key as K, triggerWindow, this.processContext, values, this.collector);
    this.evictor.evictAfter(records, records.length, window, evictorContext);

    // What the evictors left is the window's contents from now on.
    (this.windowState as unknown as { update(values: Iterable<TimestampedValue<IN>>): void }).update(records);
  }
}
