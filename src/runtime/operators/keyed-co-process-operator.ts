/*
 * The operator of a keyed ConnectedStreams.process (Flink's KeyedCoProcessOperator): each input
 * has its own key selector; records of both inputs and the timers share the state of their key.
 */
import type { Collector, KeySelector } from '../../api/common/functions.ts';
import { resolveMethod } from '../../api/common/functions.ts';
import type { KeyedCoProcessFunctionLike } from '../../api/functions/co-process-function.ts';
import type { KeyedProcessFunctionContext } from '../../api/functions/keyed-process-function.ts';
import { AbstractKeyedProcessOperator } from './abstract-keyed-process-operator.ts';
import { resolveObjectMethod } from './abstract-udf-stream-operator.ts';
import type { TwoInputStreamOperator } from './stream-operator.ts';

type ProcessFn<K, I, O> = (value: I, ctx: KeyedProcessFunctionContext<K>, out: Collector<O>) => void;

export class KeyedCoProcessOperator<K, I1, I2, O>
  extends AbstractKeyedProcessOperator<O, KeyedCoProcessFunctionLike<K, I1, I2, O>>
  implements TwoInputStreamOperator<I1, I2, O>
{
  private readonly process1: ProcessFn<K, I1, O>;
  private readonly process2: ProcessFn<K, I2, O>;
  private readonly keySelector1: (value: I1) => K;
  private readonly keySelector2: (value: I2) => K;

  constructor(fn: KeyedCoProcessFunctionLike<K, I1, I2, O>, keySelector1: KeySelector<I1, K>, keySelector2: KeySelector<I2, K>) {
    super(fn);
    const methods = 'processElement1() and processElement2()';
    this.process1 = resolveObjectMethod(fn, 'processElement1', 'KeyedCoProcessFunction', methods);
    this.process2 = resolveObjectMethod(fn, 'processElement2', 'KeyedCoProcessFunction', methods);
    this.keySelector1 = resolveMethod(keySelector1, 'getKey', 'KeySelector of input 1');
    this.keySelector2 = resolveMethod(keySelector2, 'getKey', 'KeySelector of input 2');
  }

  processElement1(value: I1, timestamp: number): void {
    this.processKeyedElement(value, timestamp, this.keySelector1, this.process1, ' of input 1');
  }

  processElement2(value: I2, timestamp: number): void {
    this.processKeyedElement(value, timestamp, this.keySelector2, this.process2, ' of input 2');
  }
}
