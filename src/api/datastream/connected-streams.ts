/*
 * ConnectedStreams: two streams, possibly of different types, processed by one two-input operator
 * that may share state between them (co-map, co-flatMap, co-process). When both inputs are keyed
 * the operator is keyed, and both inputs must use keys of the same meaning.
 */
import { invalidPipeline } from '../../errors.ts';
import { copyFunctionForSubtask } from '../common/function-copy.ts';
import { resolveMethod, type CoFlatMapFunction, type CoMapFunction, type KeySelector } from '../common/functions.ts';
import { TwoInputTransformation, type KeySelectorFn, type OperatorFactory } from '../../graph/transformation.ts';
import { CoStreamMap } from '../../runtime/operators/co-stream-map.ts';
import { CoStreamFlatMap } from '../../runtime/operators/co-stream-flat-map.ts';
import { CoProcessOperator } from '../../runtime/operators/co-process-operator.ts';
import { KeyedCoProcessOperator } from '../../runtime/operators/keyed-co-process-operator.ts';
import { DataStream } from './data-stream.ts';
import { KeyedStream } from './keyed-stream.ts';
import { streamFactories } from './stream-factories.ts';

export class ConnectedStreams<IN1, IN2> {
  readonly first: DataStream<IN1>;
  readonly second: DataStream<IN2>;

  constructor(first: DataStream<IN1>, second: DataStream<IN2>) {
    this.first = first;
    this.second = second;
  }

  getFirstInput(): DataStream<IN1> {
    return this.first;
  }

  getSecondInput(): DataStream<IN2> {
    return this.second;
  }

  private isKeyed(): boolean {
    return this.first instanceof KeyedStream && this.second instanceof KeyedStream;
  }

  keyBy<K>(keySelector1: KeySelector<IN1, K>, keySelector2: KeySelector<IN2, K>): ConnectedStreams<IN1, IN2> {
    return new ConnectedStreams(this.first.keyBy(keySelector1), this.second.keyBy(keySelector2));
  }

  private transform<R>(name: string, factory: OperatorFactory, sideOutputs = false): DataStream<R> {
    const keyed = this.isKeyed();
    if (!keyed && (this.first instanceof KeyedStream || this.second instanceof KeyedStream)) {
      throw invalidPipeline(`${name}: either both connected streams must be keyed or neither; key the other one with keyBy() too`);
    }
    const t = new TwoInputTransformation<IN1, IN2, R>(
      this.first.getTransformation(),
      this.second.getTransformation(),
      name,
      factory,
      keyed ? ((this.first as KeyedStream<IN1, unknown>).getKeySelector() as KeySelectorFn) : null,
      keyed ? ((this.second as KeyedStream<IN2, unknown>).getKeySelector() as KeySelectorFn) : null,
    );
    const env = this.first.getExecutionEnvironment();
    env.addOperator(t);
    const stream = new DataStream<R>(env, t);
    if (sideOutputs) DataStream.markSideOutputCapable(stream as DataStream<unknown>);
    return stream;
  }

  map<R>(mapper: CoMapFunction<IN1, IN2, R>): DataStream<R> {
    resolveMethod(mapper, 'map1', 'The co-map function');
    resolveMethod(mapper, 'map2', 'The co-map function');
    return this.transform<R>('Co-Map', (subtask) => new CoStreamMap(copyFunctionForSubtask(mapper, subtask)));
  }

  flatMap<R>(flatMapper: CoFlatMapFunction<IN1, IN2, R>): DataStream<R> {
    resolveMethod(flatMapper, 'flatMap1', 'The co-flatMap function');
    resolveMethod(flatMapper, 'flatMap2', 'The co-flatMap function');
    return this.transform<R>('Co-Flat Map', (subtask) => new CoStreamFlatMap(copyFunctionForSubtask(flatMapper, subtask)));
  }

  process<R>(fn: any): DataStream<R> {
    resolveMethod(fn, 'processElement1', 'The co-process function');
    resolveMethod(fn, 'processElement2', 'The co-process function');
    if (this.isKeyed()) {
      const k1 = (this.first as KeyedStream<IN1, unknown>).getKeySelector();
      const k2 = (this.second as KeyedStream<IN2, unknown>).getKeySelector();
      return this.transform<R>('KeyedCoProcess', (subtask) => new KeyedCoProcessOperator(copyFunctionForSubtask(fn, subtask), k1, k2), true);
    }
    return this.transform<R>('Co-Process', (subtask) => new CoProcessOperator(copyFunctionForSubtask(fn, subtask)), true);
  }
}

streamFactories.connected = <A, B>(first: DataStream<A>, second: DataStream<B>): ConnectedStreams<A, B> => new ConnectedStreams(first, second);
