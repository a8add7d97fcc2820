/*
 * Transformations: what the DataStream API records as a user builds a pipeline. They form a DAG
 * from sinks back to sources; the StreamGraphGenerator turns them into a StreamGraph. Partition,
 * union and side-output transformations are virtual: they become properties of edges.
 */
import type { OutputTag } from '../api/common/output-tag.ts';
import type { StreamPartitioner } from '../runtime/partitioner/stream-partitioner.ts';
import type { AbstractStreamOperator } from '../runtime/operators/stream-operator.ts';
import type { Source } from '../connector/source/source.ts';

export const ChainingStrategy = { ALWAYS: 'ALWAYS', HEAD: 'HEAD', NEVER: 'NEVER' } as const;
export type ChainingStrategy = (typeof ChainingStrategy)[keyof typeof ChainingStrategy];

/** Creates the operator instance of one subtask (user functions are copied per subtask). */
export type OperatorFactory = (subtaskIndex: number) => AbstractStreamOperator<any>;
export type KeySelectorFn = (value: any) => unknown;

let nextTransformationId = 1;

export abstract class Transformation<T = unknown> {
  readonly id: number;
  name: string;
  uid: string | undefined = undefined;
  /** -1: the environment's default parallelism. */
  parallelism = -1;
  /** -1: derived from the environment or the parallelism. */
  maxParallelism = -1;
  chainingStrategy: ChainingStrategy = ChainingStrategy.ALWAYS;
  /** False when the parallelism may not change (non-parallel sources, windowAll). */
  parallelismConfigurable = true;
  declare readonly __type?: T;

  constructor(name: string) {
    this.id = nextTransformationId++;
    this.name = name;
  }

  abstract getInputs(): Transformation<any>[];

  toString(): string {
    return `${this.constructor.name}{id=${this.id}, name='${this.name}'}`;
  }
}

export type SourceDefinition =
  | { readonly kind: 'split'; readonly source: Source<any, any, any> }
  | { readonly kind: 'function'; readonly bounded: boolean };

export class SourceTransformation<T> extends Transformation<T> {
  readonly operatorFactory: OperatorFactory;
  readonly definition: SourceDefinition;

  constructor(name: string, operatorFactory: OperatorFactory, definition: SourceDefinition) {
    super(name);
    this.operatorFactory = operatorFactory;
    this.definition = definition;
    this.chainingStrategy = ChainingStrategy.HEAD;
  }

  getInputs(): Transformation<any>[] {
    return [];
  }
}

export class OneInputTransformation<IN, OUT> extends Transformation<OUT> {
  readonly input: Transformation<IN>;
  readonly operatorFactory: OperatorFactory;
  readonly keySelector: KeySelectorFn | null;
  readonly isSink: boolean;

  constructor(input: Transformation<IN>, name: string, operatorFactory: OperatorFactory, keySelector: KeySelectorFn | null = null, isSink = false) {
    super(name);
    this.input = input;
    this.operatorFactory = operatorFactory;
    this.keySelector = keySelector;
    this.isSink = isSink;
  }

  getInputs(): Transformation<any>[] {
    return [this.input];
  }
}

export class TwoInputTransformation<IN1, IN2, OUT> extends Transformation<OUT> {
  readonly input1: Transformation<IN1>;
  readonly input2: Transformation<IN2>;
  readonly operatorFactory: OperatorFactory;
  readonly keySelector1: KeySelectorFn | null;
  readonly keySelector2: KeySelectorFn | null;

  constructor(
    input1: Transformation<IN1>,
    input2: Transformation<IN2>,
    name: string,
    operatorFactory: OperatorFactory,
    keySelector1: KeySelectorFn | null = null,
    keySelector2: KeySelectorFn | null = null,
  ) {
    super(name);
    this.input1 = input1;
    this.input2 = input2;
    this.operatorFactory = operatorFactory;
    this.keySelector1 = keySelector1;
    this.keySelector2 = keySelector2;
  }

  getInputs(): Transformation<any>[] {
    return [this.input1, this.input2];
  }
}

export class PartitionTransformation<T> extends Transformation<T> {
  readonly input: Transformation<T>;
  readonly partitioner: StreamPartitioner<T>;
  /** Set by keyBy: the key selector that downstream keyed operators use for their state. */
  readonly keySelector: KeySelectorFn | null;

  constructor(input: Transformation<T>, partitioner: StreamPartitioner<T>, keySelector: KeySelectorFn | null = null) {
    super('Partition');
    this.input = input;
    this.partitioner = partitioner;
    this.keySelector = keySelector;
  }

  getInputs(): Transformation<any>[] {
    return [this.input];
  }
}

export class UnionTransformation<T> extends Transformation<T> {
  readonly inputs: Transformation<T>[];

  constructor(inputs: Transformation<T>[]) {
    super('Union');
    this.inputs = inputs;
  }

  getInputs(): Transformation<any>[] {
    return this.inputs;
  }
}

export class SideOutputTransformation<T> extends Transformation<T> {
  readonly input: Transformation<any>;
  readonly tag: OutputTag<T>;

  constructor(input: Transformation<any>, tag: OutputTag<T>) {
    super(`SideOutput(${tag.id})`);
    this.input = input;
    this.tag = tag;
  }

  getInputs(): Transformation<any>[] {
    return [this.input];
  }
}
