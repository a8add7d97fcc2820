/*
 * The operator of a non-keyed stream connected to a broadcast stream (Flink's
 * CoBroadcastWithNonKeyedOperator): input 1 is the non-broadcast side, processed with read-only
 * access to the broadcast state; input 2 gets every broadcast record, processed with write access.
 * The broadcast states live in the operator state backend, registered when the operator opens.
 */
import { illegalState } from '../../errors.ts';
import type { Collector } from '../../api/common/functions.ts';
import type { OutputTag } from '../../api/common/output-tag.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import type { BroadcastState, ReadOnlyBroadcastState } from '../../api/functions/checkpointed-function.ts';
import type { BroadcastContext, BroadcastProcessFunctionLike, ReadOnlyBroadcastContext } from '../../api/functions/broadcast-process-function.ts';
import type { MapStateDescriptor } from '../../api/state/state-descriptor.ts';
import { BroadcastStates } from '../state/operator/broadcast-states.ts';
import { operatorStateBackendOf } from '../state/operator/function-state.ts';
import type { ProcessingTimeService } from '../tasks/processing-time-service.ts';
import { AbstractUdfStreamOperator, resolveObjectMethod } from './abstract-udf-stream-operator.ts';
import { TimestampedCollector, type Output } from './output.ts';
import { describeRecord, type StreamOperatorParameters, type TwoInputStreamOperator } from './stream-operator.ts';

type ProcessFn<I, C, O> = (value: I, ctx: C, out: Collector<O>) => void;

/** Both contexts of the non-keyed operator; one instance per side, updated per record. */
class NonKeyedBroadcastContext implements ReadOnlyBroadcastContext, BroadcastContext {
  private readonly out: Output<unknown>;
  private readonly timeService: ProcessingTimeService;
  private readonly operator: { readonly watermark: number };
  private readonly writable: boolean;
  states: BroadcastStates | null = null;
  elementTimestamp = NO_TIMESTAMP;

  constructor(out: Output<unknown>, timeService: ProcessingTimeService, operator: { readonly watermark: number }, writable: boolean) {
    this.out = out;
    this.timeService = timeService;
    this.operator = operator;
    this.writable = writable;
  }

  timestamp(): number | null {
    return this.elementTimestamp === NO_TIMESTAMP ? null : this.elementTimestamp;
  }

  currentProcessingTime(): number {
    return this.timeService.getCurrentProcessingTime();
  }

  currentWatermark(): number {
    return this.operator.watermark;
  }

  output<X>(outputTag: OutputTag<X>, value: X): void {
    if (outputTag === null || outputTag === undefined) throw new TypeError('OutputTag must not be null.');
    this.out.collectSide(outputTag, value, this.elementTimestamp);
  }

  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> & ReadOnlyBroadcastState<K, V> {
    const states = this.states;
    if (states === null) throw illegalState('Broadcast state is available from the first record on, after the operator opened');
    return (this.writable ? states.writable(descriptor) : states.readOnly(descriptor)) as BroadcastState<K, V>;
  }
}

export class CoBroadcastWithNonKeyedOperator<IN1, IN2, OUT>
  extends AbstractUdfStreamOperator<OUT, BroadcastProcessFunctionLike<IN1, IN2, OUT>>
  implements TwoInputStreamOperator<IN1, IN2, OUT>
{
  readonly broadcastStateDescriptors: readonly MapStateDescriptor<any, any>[];
  private readonly processFn: ProcessFn<IN1, ReadOnlyBroadcastContext, OUT>;
  private readonly processBroadcastFn: ProcessFn<IN2, BroadcastContext, OUT>;
  private collector!: TimestampedCollector<OUT>;
  private readContext!: NonKeyedBroadcastContext;
  private writeContext!: NonKeyedBroadcastContext;
  watermark = Number.MIN_SAFE_INTEGER;

  constructor(fn: BroadcastProcessFunctionLike<IN1, IN2, OUT>, broadcastStateDescriptors: readonly MapStateDescriptor<any, any>[]) {
    super(fn);
    this.broadcastStateDescriptors = broadcastStateDescriptors;
    const methods = 'processElement() and processBroadcastElement()';
    this.processFn = resolveObjectMethod(fn, 'processElement', 'BroadcastProcessFunction', methods);
    this.processBroadcastFn = resolveObjectMethod(fn, 'processBroadcastElement', 'BroadcastProcessFunction', methods);
  }

  override setup(parameters: StreamOperatorParameters<OUT>): void {
    super.setup(parameters);
    this.collector = new TimestampedCollector(this.output, NO_TIMESTAMP);
    const time = parameters.task.processingTimeService;
    this.readContext = new NonKeyedBroadcastContext(this.output, time, this, false);
    this.writeContext = new NonKeyedBroadcastContext(this.output, time, this, true);
  }

  override async open(): Promise<void> {
    await super.open();
    const states = new BroadcastStates(operatorStateBackendOf(this, this.runtimeContext), this.broadcastStateDescriptors);
    this.readContext.states = states;
    this.writeContext.states = states;
  }

  processElement1(value: IN1, timestamp: number): void {
    this.readContext.elementTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.processFn(value, this.readContext, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value));
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.writeContext.elementTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.processBroadcastFn(value, this.writeContext, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing broadcast record ' + describeRecord(value));
    }
  }

  protected override advanceWatermark(timestamp: number): void {
    this.watermark = timestamp;
  }
}
