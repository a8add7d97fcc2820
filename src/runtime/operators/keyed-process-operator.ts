/*
 * The operator of KeyedStream.process (Flink's KeyedProcessOperator): sets each record's key as
 * the current key (for state and timers), then calls the KeyedProcessFunction.
 */
import { resolveMethod, type Collector, type KeySelector } from '../../api/common/functions.ts';
import type { KeyedProcessFunctionContext, KeyedProcessFunctionLike } from '../../api/functions/keyed-process-function.ts';
import { AbstractKeyedProcessOperator } from './abstract-keyed-process-operator.ts';
import type { OneInputStreamOperator } from './stream-operator.ts';

export class KeyedProcessOperator<K, I, O>
  extends AbstractKeyedProcessOperator<O, KeyedProcessFunctionLike<K, I, O>>
  implements OneInputStreamOperator<I, O>
{
  private readonly processFn: (value: I, ctx: KeyedProcessFunctionContext<K>, out: Collector<O>) => void;
  private readonly keySelector: (value: I) => K;

  constructor(fn: KeyedProcessFunctionLike<K, I, O>, keySelector: KeySelector<I, K>) {
    super(fn);
    this.processFn = resolveMethod(fn, 'processElement', 'KeyedProcessFunction');
    this.keySelector = resolveMethod(keySelector, 'getKey', 'KeySelector');
  }

  processElement(value: I, timestamp: number): void {
    this.processKeyedElement(value, timestamp, this.keySelector, this.processFn);
  }
}
