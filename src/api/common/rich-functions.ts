/*
 * Rich function bases: classes with open(), close() and getRuntimeContext(), as Flink's
 * AbstractRichFunction and its RichMapFunction, RichFlatMapFunction, ... subclasses.
 */
import { illegalState } from '../../errors.ts';
import type { Collector } from './functions.ts';
import type { OpenContext, RuntimeContext } from './runtime-context.ts';

// A symbol-keyed field rather than a #private one: per-subtask copies of a function are made by
// copying own properties, which #private fields would not survive.
const kRuntimeContext = Symbol('runtimeContext');

export abstract class AbstractRichFunction {
  [kRuntimeContext]: RuntimeContext | undefined;

  setRuntimeContext(context: RuntimeContext): void {
    this[kRuntimeContext] = context;
  }

  getRuntimeContext(): RuntimeContext {
    const context = this[kRuntimeContext];
    if (context === undefined) {
      throw illegalState('The runtime context has not been initialized: it is available from open() on, inside a running job');
    }
    return context;
  }

  open(_openContext: OpenContext): void | Promise<void> {}

  close(): void | Promise<void> {}
}

export abstract class RichMapFunction<IN, OUT> extends AbstractRichFunction {
  abstract map(value: IN): OUT;
}

export abstract class RichFlatMapFunction<IN, OUT> extends AbstractRichFunction {
  abstract flatMap(value: IN, out: Collector<OUT>): void;
}

export abstract class RichFilterFunction<T> extends AbstractRichFunction {
  abstract filter(value: T): boolean;
}

export abstract class RichReduceFunction<T> extends AbstractRichFunction {
  abstract reduce(value1: T, value2: T): T;
}

export abstract class RichCoMapFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract map1(value: IN1): OUT;
  abstract map2(value: IN2): OUT;
}

export abstract class RichCoFlatMapFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract flatMap1(value: IN1, out: Collector<OUT>): void;
  abstract flatMap2(value: IN2, out: Collector<OUT>): void;
}
