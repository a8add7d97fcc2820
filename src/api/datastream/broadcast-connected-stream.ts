/*
 * BroadcastConnectedStream: a stream connected to a BroadcastStream (Flink's
 * BroadcastConnectedStream). process() runs a BroadcastProcessFunction when the first stream is
 * not keyed, a KeyedBroadcastProcessFunction when it is. The broadcast side is input 2 of the
 * two-input operator and reaches every subtask; the first stream is input 1, partitioned as it is.
 */
import { invalidPipeline } from '../../errors.ts';
import { copyFunctionForSubtask } from '../common/function-copy.ts';
import { functionName } from '../common/functions.ts';
import { TwoInputTransformation, type KeySelectorFn, type OperatorFactory } from '../../graph/transformation.ts';
import { CoBroadcastWithKeyedOperator } from '../../runtime/operators/co-broadcast-with-keyed-operator.ts';
import { CoBroadcastWithNonKeyedOperator } from '../../runtime/operators/co-broadcast-with-non-keyed-operator.ts';
import { BroadcastProcessFunction, KeyedBroadcastProcessFunction, type BroadcastProcessFunctionLike, type KeyedBroadcastProcessFunctionLike } from '../functions/broadcast-process-function.ts';
import { broadcastConnector, type BroadcastStream } from './broadcast-stream.ts';
import { DataStream } from './data-stream.ts';
import { KeyedStream } from './keyed-stream.ts';

export class BroadcastConnectedStream<IN1, IN2> {
  readonly first: DataStream<IN1>;
  readonly broadcastStream: BroadcastStream<IN2>;

  constructor(first: DataStream<IN1>, broadcastStream: BroadcastStream<IN2>) {
    this.first = first;
    this.broadcastStream = broadcastStream;
  }

  getFirstInput(): DataStream<IN1> {
    return this.first;
  }

  getSecondInput(): BroadcastStream<IN2> {
    return this.broadcastStream;
  }

  process<K, OUT>(fn: KeyedBroadcastProcessFunctionLike<K, IN1, IN2, OUT>): DataStream<OUT>;
  process<OUT>(fn: BroadcastProcessFunctionLike<IN1, IN2, OUT>): DataStream<OUT>;
  process<OUT>(fn: BroadcastProcessFunctionLike<IN1, IN2, OUT> | KeyedBroadcastProcessFunctionLike<unknown, IN1, IN2, OUT>): DataStream<OUT> {
    const keyed = this.first instanceof KeyedStream;
    const name = functionName(fn) ?? 'this function';
    if (keyed && fn instanceof BroadcastProcessFunction) {
      throw invalidPipeline(`A BroadcastProcessFunction (${name}) can only be used on a non-keyed stream; the stream connected to the broadcast stream is keyed, use a KeyedBroadcastProcessFunction`);
    }
    if (!keyed && fn instanceof KeyedBroadcastProcessFunction) {
      throw invalidPipeline(`A KeyedBroadcastProcessFunction (${name}) can only be used on a keyed stream: call keyBy() on the stream before connecting it to the broadcast stream`);
    }
    for (const method of ['processElement', 'processBroadcastElement']) {
      if (typeof fn !== 'object' || fn === null || typeof (fn as unknown as Record<string, unknown>)[method] !== 'function') {
        throw new TypeError(`The ${keyed ? 'keyed ' : ''}broadcast process function must be an object with processElement() and processBroadcastElement() methods`);
      }
    }
    const descriptors = this.broadcastStream.getBroadcastStateDescriptors();
    if (keyed) {
      const selector = (this.first as KeyedStream<IN1, unknown>).getKeySelector();
      const keyedFn = fn as KeyedBroadcastProcessFunctionLike<unknown, IN1, IN2, OUT>;
      return this.transform<OUT>('Co-Process-Broadcast-Keyed', (subtask) => new CoBroadcastWithKeyedOperator(copyFunctionForSubtask(keyedFn, subtask), selector, descriptors), selector as KeySelectorFn);
    }
    const plainFn = fn as BroadcastProcessFunctionLike<IN1, IN2, OUT>;
    return this.transform<OUT>('Co-Process-Broadcast', (subtask) => new CoBroadcastWithNonKeyedOperator(copyFunctionForSubtask(plainFn, subtask), descriptors), null);
  }

  private transform<R>(name: string, factory: OperatorFactory, keySelector: KeySelectorFn | null): DataStream<R> {
    const t = new TwoInputTransformation<IN1, IN2, R>(this.first.getTransformation(), this.broadcastStream.getTransformation(), name, factory, keySelector, null);
    const env = this.first.getExecutionEnvironment();
    env.addOperator(t);
    const stream = new DataStream<R>(env, t);
    DataStream.markSideOutputCapable(stream as DataStream<unknown>);
    return stream;
  }
}

broadcastConnector.connect = <A, B>(first: DataStream<A>, broadcast: BroadcastStream<B>): BroadcastConnectedStream<A, B> => new BroadcastConnectedStream(first, broadcast);
