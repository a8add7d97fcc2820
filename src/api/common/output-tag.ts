/*
 * OutputTag names a side output: `ctx.output(tag, value)` emits to it and
 * `stream.getSideOutput(tag)` reads it. Tags are equal when their ids are equal.
 */
import { invalidPipeline } from '../../errors.ts';

export class OutputTag<T> {
  readonly id: string;
  /** Phantom field so that OutputTag<A> and OutputTag<B> are distinct types. */
  declare readonly __type?: T;

  constructor(id: string) {
    if (typeof id !== 'string' || id.length === 0) throw invalidPipeline('OutputTag id must be a non-empty string');
    this.id = id;
  }

  getId(): string {
    return this.id;
  }

  equals(other: unknown): boolean {
    return other instanceof OutputTag && other.id === this.id;
  }

  toString(): string {
    return `OutputTag(${this.id})`;
  }
}
