/*
 * Outputs connect an operator to what follows it: the next chained operator (a direct call), a
 * record writer (a non-chained edge), or several of those. Side outputs travel on the same
 * objects; an output bound to a tag takes only that tag's records, other outputs ignore them.
 */
import type { OutputTag } from '../../api/common/output-tag.ts';
import type { Watermark } from '../../api/common/watermark.ts';
import type { WatermarkStatus } from '../io/stream-events.ts';

export interface Output<T> {
  collect(value: T, timestamp: number): void;
  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void;
  emitWatermark(mark: Watermark): void;
  emitWatermarkStatus(status: WatermarkStatus): void;
}

/** What a chained output calls: the input side of a one-input operator. */
export interface ChainedInput<T> {
  processElement(value: T, timestamp: number): void;
  processWatermark(mark: Watermark): void;
  processWatermarkStatus(status: WatermarkStatus): void;
}

export class ChainingOutput<T> implements Output<T> {
  private readonly next: ChainedInput<T>;

  constructor(next: ChainedInput<T>) {
    this.next = next;
  }

  collect(value: T, timestamp: number): void {
    this.next.processElement(value, timestamp);
  }

  collectSide<X>(_tag: OutputTag<X>, _value: X, _timestamp: number): void {}

  emitWatermark(mark: Watermark): void {
    this.next.processWatermark(mark);
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    this.next.processWatermarkStatus(status);
  }
}

/** A chained output that reads one side output: it takes only that tag's records. */
export class SideOutputChainingOutput<T> implements Output<T> {
  private readonly next: ChainedInput<T>;
  private readonly tagId: string;

  constructor(next: ChainedInput<T>, tag: OutputTag<T>) {
    this.next = next;
    this.tagId = tag.id;
  }

  collect(_value: T, _timestamp: number): void {}

  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    if (this.tagId === tag.id) this.next.processElement(value as unknown as T, timestamp);
  }

  emitWatermark(mark: Watermark): void {
    this.next.processWatermark(mark);
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    this.next.processWatermarkStatus(status);
  }
}

export class BroadcastingOutput<T> implements Output<T> {
  private readonly outputs: Output<T>[];

  constructor(outputs: Output<T>[]) {
    this.outputs = outputs;
  }

  collect(value: T, timestamp: number): void {
    const outputs = this.outputs;
    for (let i = 0; i < outputs.length; i++) outputs[i]!.collect(value, timestamp);
  }

  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    const outputs = this.outputs;
    for (let i = 0; i < outputs.length; i++) outputs[i]!.collectSide(tag, value, timestamp);
  }

  emitWatermark(mark: Watermark): void {
    for (const o of this.outputs) o.emitWatermark(mark);
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    for (const o of this.outputs) o.emitWatermarkStatus(status);
  }
}

/** The output of an operator at the end of a chain with no outgoing edge (a sink). */
export class DiscardingOutput<T> implements Output<T> {
  collect(_value: T, _timestamp: number): void {}
  collectSide<X>(_tag: OutputTag<X>, _value: X, _timestamp: number): void {}
  emitWatermark(_mark: Watermark): void {}
  emitWatermarkStatus(_status: WatermarkStatus): void {}
}

/** Flink's TimestampedCollector: what user functions see as `out`, stamping the input's timestamp. */
export class TimestampedCollector<T> {
  private readonly output: Output<T>;
  timestamp: number;

  constructor(output: Output<T>, timestamp: number) {
    this.output = output;
    this.timestamp = timestamp;
  }

  collect(record: T): void {
    this.output.collect(record, this.timestamp);
  }
}
