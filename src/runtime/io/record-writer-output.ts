/*
 * The Output that ends a chain at a non-chained edge: records go to the edge's RecordWriter,
 * watermarks and watermark status are broadcast to all its channels. Bound to a side-output tag
 * when the edge reads a side output.
 */
import type { OutputTag } from '../../api/common/output-tag.ts';
import type { Watermark } from '../../api/common/watermark.ts';
import type { Output } from '../operators/output.ts';
import type { RecordWriter } from './record-writer.ts';
import type { WatermarkStatus } from './stream-events.ts';

export class RecordWriterOutput<T> implements Output<T> {
  private readonly writer: RecordWriter<T>;
  private readonly tagId: string | null;

  constructor(writer: RecordWriter<T>, tag: OutputTag<T> | null) {
    this.writer = writer;
    this.tagId = tag === null ? null : tag.id;
  }

  collect(value: T, timestamp: number): void {
    if (this.tagId === null) this.writer.emit(value, timestamp);
  }

  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    if (this.tagId === tag.id) this.writer.emit(value as unknown as T, timestamp);
  }

  emitWatermark(mark: Watermark): void {
    this.writer.broadcastEvent(mark);
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    this.writer.broadcastEvent(status);
  }
}
