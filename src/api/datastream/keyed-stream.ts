/*
 * KeyedStream: a stream partitioned by key (hash of the key into key groups). Keyed operators
 * after it see one key at a time: reduce and the aggregations keep per-key state, process() gets
 * per-key state and timers.
 */
import { invalidPipeline } from '../../errors.ts';
import { copyFunctionForSubtask } from '../common/function-copy.ts';
import { functionName, resolveMethod, type KeySelector, type ReduceFunction } from '../common/functions.ts';
import { PartitionTransformation, type KeySelectorFn } from '../../graph/transformation.ts';
import { KeyGroupStreamPartitioner } from '../../runtime/partitioner/key-group-stream-partitioner.ts';
import { KeyedProcessOperator } from '../../runtime/operators/keyed-process-operator.ts';
import { StreamGroupedReduceOperator } from '../../runtime/operators/stream-grouped-reduce-operator.ts';
import { maxAggregation, maxByAggregation, minAggregation, minByAggregation, sumAggregation } from '../../runtime/operators/keyed-aggregations.ts';
import { ProcessFunction } from '../functions/process-function.ts';
import type { KeyedProcessFunctionLike } from '../functions/keyed-process-function.ts';
import { DataStream } from './data-stream.ts';
import { IntervalJoin } from './interval-join.ts';
import { WindowedStream } from './windowed-stream.ts';
import type { WindowAssigner } from '../windowing/assigners/window-assigner.ts';
import type { Window } from '../windowing/windows/window.ts';
import { streamFactories } from './stream-factories.ts';
import type { StreamExecutionEnvironment } from '../environment/stream-execution-environment.ts';

export type FieldExpression = string | number | undefined;

export class KeyedStream<T, K> extends DataStream<T> {
  readonly keySelector: (value: T) => K;

  constructor(environment: StreamExecutionEnvironment, input: DataStream<T>, keySelector: (value: T) => K) {
    // The partitioner's max parallelism is set to the consuming operator's when the graph is built.
    super(environment, new PartitionTransformation<T>(input.getTransformation(), new KeyGroupStreamPartitioner<T>(keySelector, 128), keySelector as KeySelectorFn));
    this.keySelector = keySelector;
  }

  getKeySelector(): (value: T) => K {
    return this.keySelector;
  }

  private keyed<R>(name: string, factory: (subtask: number) => any, sideOutputs = false): DataStream<R> {
    return this.transform<R>(name, factory, this.keySelector as KeySelectorFn, sideOutputs);
  }

  override process<R>(fn: KeyedProcessFunctionLike<K, T, R> | any): DataStream<R> {
    if (fn instanceof ProcessFunction) {
      throw invalidPipeline(`process() on a KeyedStream takes a KeyedProcessFunction; ${functionName(fn) ?? 'this function'} is a ProcessFunction`);
    }
    resolveMethod(fn, 'processElement', 'The keyed process function');
    const selector = this.keySelector;
    return this.keyed<R>('KeyedProcess', (subtask) => new KeyedProcessOperator<K, T, R>(copyFunctionForSubtask(fn, subtask), selector), true);
  }

  /** Joins with another keyed stream on an event-time interval: `.between(lower, upper).process(fn)`. */
  intervalJoin<T2>(otherStream: KeyedStream<T2, K>): IntervalJoin<T, T2, K> {
    return new IntervalJoin<T, T2, K>(this, otherStream);
  }

  /** Cuts the stream into windows per key: `.window(TumblingEventTimeWindows.of(size)).aggregate(fn)`. */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this, assigner);
  }

  reduce(reducer: ReduceFunction<T>): DataStream<T> {
    resolveMethod(reducer, 'reduce', 'The reduce function');
    const selector = this.keySelector;
    return this.keyed<T>('Keyed Reduce', (subtask) => new StreamGroupedReduceOperator<T>(copyFunctionForSubtask(reducer, subtask), selector));
  }

  private aggregate(reducer: ReduceFunction<T>): DataStream<T> {
    const selector = this.keySelector;
    return this.keyed<T>('Keyed Aggregation', () => new StreamGroupedReduceOperator<T>(reducer, selector));
  }

  sum(field?: FieldExpression): DataStream<T> {
    return this.aggregate(sumAggregation<T>(field));
  }
  min(field?: FieldExpression): DataStream<T> {
    return this.aggregate(minAggregation<T>(field));
  }
  max(field?: FieldExpression): DataStream<T> {
    return this.aggregate(maxAggregation<T>(field));
  }
  minBy(field?: FieldExpression, first = true): DataStream<T> {
    return this.aggregate(minByAggregation<T>(field, first));
  }
  maxBy(field?: FieldExpression, first = true): DataStream<T> {
    return this.aggregate(maxByAggregation<T>(field, first));
  }
}

streamFactories.keyed = <T, K>(stream: DataStream<T>, keySelector: KeySelector<T, K>): KeyedStream<T, K> => {
  if (keySelector === undefined || keySelector === null) throw invalidPipeline('keyBy() needs a key selector: a function (value) => key');
  const select = resolveMethod<(value: T) => K>(keySelector, 'getKey', 'The key selector');
  return new KeyedStream<T, K>(stream.getExecutionEnvironment(), stream, select);
};
