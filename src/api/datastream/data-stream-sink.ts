/*
 * DataStreamSink: the handle that addSink/sinkTo/print return, to name the sink and set its
 * parallelism, uid and chaining.
 */
import { invalidPipeline } from '../../errors.ts';
import { ChainingStrategy, type OneInputTransformation } from '../../graph/transformation.ts';

export class DataStreamSink<T> {
  readonly transformation: OneInputTransformation<T, unknown>;

  constructor(transformation: OneInputTransformation<T, unknown>) {
    this.transformation = transformation;
  }

  getTransformation(): OneInputTransformation<T, unknown> {
    return this.transformation;
  }

  name(name: string): this {
    this.transformation.name = name.startsWith('Sink: ') ? name : `Sink: ${name}`;
    return this;
  }

  uid(uid: string): this {
    this.transformation.uid = uid;
    return this;
  }

  setParallelism(parallelism: number): this {
    if (!Number.isInteger(parallelism) || parallelism < 1) throw invalidPipeline(`The parallelism of sink '${this.transformation.name}' must be a positive integer, got ${parallelism}`);
    if (!this.transformation.parallelismConfigurable && parallelism !== 1) throw invalidPipeline(`Sink '${this.transformation.name}' is not parallel; its parallelism must be 1`);
    this.transformation.parallelism = parallelism;
    return this;
  }

  setMaxParallelism(maxParallelism: number): this {
    this.transformation.maxParallelism = maxParallelism;
    return this;
  }

  disableChaining(): this {
    this.transformation.chainingStrategy = ChainingStrategy.NEVER;
    return this;
  }

  startNewChain(): this {
    this.transformation.chainingStrategy = ChainingStrategy.HEAD;
    return this;
  }
}
