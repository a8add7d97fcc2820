/*
 * The operator of a keyed stream connected to a broadcast stream (Flink's
 * CoBroadcastWithKeyedOperator). Input 1 is keyed: its records, and the timers they set, run with
 * their key as the current key and read the broadcast state. Input 2 gets every broadcast record,
 * with no current key: it writes the broadcast state and can visit the keyed state of all keys of
 * this subtask through applyToKeyedState.
 */
import { illegalState } from '../../errors.ts';
import type { Collector, KeySelector } from '../../api/common/functions.ts';
import { resolveMethod } from '../../api/common/functions.ts';
import type { OutputTag } from '../../api/common/output-tag.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import type { BroadcastState, ReadOnlyBroadcastState } from '../../api/functions/checkpointed-function.ts';
import type {
  KeyedBroadcastContext,
  KeyedBroadcastOnTimerContext,
  KeyedBroadcastProcessFunctionLike,
  KeyedReadOnlyBroadcastContext,
  KeyedStateFunction,
} from '../../api/functions/broadcast-process-function.ts';
import { TimeDomain, type TimerService } from '../../api/functions/process-function.ts';
import type { MapStateDescriptor, StateDescriptor } from '../../api/state/state-descriptor.ts';
import type { State } from '../../api/state/state.ts';
import { VOID_NAMESPACE } from '../state/keyed-state-backend.ts';
import { BroadcastStates } from '../state/operator/broadcast-states.ts';
import { operatorStateBackendOf } from '../state/operator/function-state.ts';
import { AbstractUdfStreamOperator, resolveObjectMethod, resolveOptionalMethod } from './abstract-udf-stream-operator.ts';
import type { InternalTimer, Triggerable } from './internal-timer-service.ts';
import { KeyedTimerService } from './keyed-process-context.ts';
import { TimestampedCollector, type Output } from './output.ts';
import { describeRecord, type StreamOperatorParameters, type TwoInputStreamOperator } from './stream-operator.ts';

type ProcessFn<I, C, O> = (value: I, ctx: C, out: Collector<O>) => void;
type OnTimerFn<K, O> = (timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<O>) => void;

/** What the contexts need of their operator. */
interface ContextHost {
  readonly states: BroadcastStates | null;
  readonly timers: KeyedTimerService;
  currentKey(): unknown;
  applyToKeyedState<S extends State>(descriptor: StateDescriptor<any>, fn: KeyedStateFunction<unknown, S>): void;
}

/**
 * The contexts of the keyed operator: read-only for keyed records and timers, writable (with
 * applyToKeyedState) for broadcast records. One instance per use, updated per call.
 */
class KeyedBroadcastContextImpl implements KeyedBroadcastOnTimerContext<unknown>, KeyedBroadcastContext<unknown> {
  private readonly out: Output<unknown>;
  private readonly host: ContextHost;
  private readonly writable: boolean;
  currentTimestamp = NO_TIMESTAMP;
  domain: TimeDomain = TimeDomain.EVENT_TIME;

  constructor(out: Output<unknown>, host: ContextHost, writable: boolean) {
    this.out = out;
    this.host = host;
    this.writable = writable;
  }

  timestamp(): number | null {
    return this.currentTimestamp === NO_TIMESTAMP ? null : this.currentTimestamp;
  }

  currentProcessingTime(): number {
    return this.host.timers.currentProcessingTime();
  }

  currentWatermark(): number {
    return this.host.timers.currentWatermark();
  }

  output<X>(outputTag: OutputTag<X>, value: X): void {
    if (outputTag === null || outputTag === undefined) throw new TypeError('OutputTag must not be null.');
    this.out.collectSide(outputTag, value, this.currentTimestamp);
  }

  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> & ReadOnlyBroadcastState<K, V> {
    const states = this.host.states;
    if (states === null) throw illegalState('Broadcast state is available from the first record on, after the operator opened');
    return (this.writable ? states.writable(descriptor) : states.readOnly(descriptor)) as BroadcastState<K, V>;
  }

  timerService(): TimerService {
    if (this.writable) throw illegalState('Timers can only be set in processElement() and onTimer(): a broadcast record has no key');
    return this.host.timers;
  }

  getCurrentKey(): unknown {
    if (this.writable) throw illegalState('A broadcast record has no current key; use applyToKeyedState() to visit the keys');
    return this.host.currentKey();
  }

  timeDomain(): TimeDomain {
    return this.domain;
  }

  applyToKeyedState<S extends State>(descriptor: StateDescriptor<any>, fn: KeyedStateFunction<unknown, S>): void {
    if (!this.writable) throw illegalState('applyToKeyedState() is only available in processBroadcastElement()');
    this.host.applyToKeyedState(descriptor, fn);
  }
}

export class CoBroadcastWithKeyedOperator<K, IN1, IN2, OUT>
  extends AbstractUdfStreamOperator<OUT, KeyedBroadcastProcessFunctionLike<K, IN1, IN2, OUT>>
  implements TwoInputStreamOperator<IN1, IN2, OUT>, Triggerable, ContextHost
{
  readonly broadcastStateDescriptors: readonly MapStateDescriptor<any, any>[];
  private readonly processFn: ProcessFn<IN1, KeyedReadOnlyBroadcastContext<K>, OUT>;
  private readonly processBroadcastFn: ProcessFn<IN2, KeyedBroadcastContext<K>, OUT>;
  private readonly onTimerFn: OnTimerFn<K, OUT> | null;
  private readonly keySelector: (value: IN1) => K;
  private collector!: TimestampedCollector<OUT>;
  private readContext!: KeyedBroadcastContextImpl;
  private writeContext!: KeyedBroadcastContextImpl;
  private timerContext!: KeyedBroadcastContextImpl;
  states: BroadcastStates | null = null;
  timers!: KeyedTimerService;

  constructor(fn: KeyedBroadcastProcessFunctionLike<K, IN1, IN2, OUT>, keySelector: KeySelector<IN1, K>, broadcastStateDescriptors: readonly MapStateDescriptor<any, any>[]) {
    super(fn);
    this.broadcastStateDescriptors = broadcastStateDescriptors;
    const methods = 'processElement() and processBroadcastElement()';
    this.processFn = resolveObjectMethod(fn, 'processElement', 'KeyedBroadcastProcessFunction', methods);
    this.processBroadcastFn = resolveObjectMethod(fn, 'processBroadcastElement', 'KeyedBroadcastProcessFunction', methods);
    this.onTimerFn = resolveOptionalMethod<OnTimerFn<K, OUT>>(fn, 'onTimer');
    this.keySelector = resolveMethod(keySelector, 'getKey', 'KeySelector of the keyed input');
  }

  override setup(parameters: StreamOperatorParameters<OUT>): void {
    super.setup(parameters);
    const backend = parameters.keyedStateBackend;
    if (backend === null) {
      throw illegalState(`Operator '${parameters.operatorName}' runs a KeyedBroadcastProcessFunction but has no keyed state backend: its non-broadcast input must be keyed`);
    }
    this.collector = new TimestampedCollector(this.output, NO_TIMESTAMP);
    this.timers = new KeyedTimerService(backend, parameters.task.processingTimeService, this);
    this.readContext = new KeyedBroadcastContextImpl(this.output, this, false);
    this.writeContext = new KeyedBroadcastContextImpl(this.output, this, true);
    this.timerContext = new KeyedBroadcastContextImpl(this.output, this, false);
  }

  override async open(): Promise<void> {
    await super.open();
    this.timers.startRestoredTimers();
    this.states = new BroadcastStates(operatorStateBackendOf(this, this.runtimeContext), this.broadcastStateDescriptors);
  }

  processElement1(value: IN1, timestamp: number): void {
    try {
      this.keyedStateBackend!.setCurrentKey(this.keySelector(value));
    } catch (e) {
      throw this.keyError(e, value);
    }
    const ctx = this.readContext;
    ctx.currentTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.processFn(value, ctx as KeyedReadOnlyBroadcastContext<K>, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value));
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    const ctx = this.writeContext;
    ctx.currentTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.processBroadcastFn(value, ctx as KeyedBroadcastContext<K>, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing broadcast record ' + describeRecord(value));
    }
  }

  currentKey(): unknown {
    return this.keyedStateBackend!.getCurrentKey();
  }

  /** Flink's applyToAllKeys: the keys are listed first, so that `fn` may clear the state it visits. */
  applyToKeyedState<S extends State>(descriptor: StateDescriptor<any>, fn: KeyedStateFunction<unknown, S>): void {
    if (descriptor === null || descriptor === undefined) throw new TypeError('applyToKeyedState() needs a state descriptor');
    if (typeof fn !== 'function') throw new TypeError('applyToKeyedState() needs a function (key, state) => void');
    const backend = this.keyedStateBackend!;
    const keys = [...backend.getKeys(descriptor.name, VOID_NAMESPACE)];
    if (keys.length === 0) return;
    const state = backend.getPartitionedState<S>(descriptor);
    const previousKey = backend.getCurrentKey();
    for (const key of keys) {
      backend.setCurrentKey(key);
      fn(key, state);
    }
    if (previousKey !== undefined) backend.setCurrentKey(previousKey);
  }

  protected override advanceWatermark(timestamp: number): void {
    this.timers.advanceWatermark(timestamp);
  }

  onEventTime(timer: InternalTimer): void {
    this.collector.timestamp = timer.timestamp;
    this.fireTimer(timer, TimeDomain.EVENT_TIME);
  }

  onProcessingTime(timer: InternalTimer): void {
    this.collector.timestamp = NO_TIMESTAMP;
    this.fireTimer(timer, TimeDomain.PROCESSING_TIME);
  }

  private fireTimer(timer: InternalTimer, domain: TimeDomain): void {
    const onTimer = this.onTimerFn;
    if (onTimer === null) return;
    const ctx = this.timerContext;
    ctx.currentTimestamp = timer.timestamp;
    ctx.domain = domain;
    try {
      onTimer(timer.timestamp, ctx as KeyedBroadcastOnTimerContext<K>, this.collector);
    } catch (e) {
      const kind = domain === TimeDomain.EVENT_TIME ? 'event-time' : 'processing-time';
      throw this.userError(e, `firing ${kind} timer @ ${timer.timestamp} of key ${describeRecord(timer.key)}`);
    }
  }

  override async close(): Promise<void> {
    try {
      this.timers?.shutdown();
    } finally {
      await super.close();
    }
  }
}
