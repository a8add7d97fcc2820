/*
 * Tests of RecordWriterOutput: an untagged output takes the main output's records, a tagged one
 * only its side output's; watermarks and watermark status go to every channel either way.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalChannel } from '../../../src/runtime/io/local-channel.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { RecordWriter } from '../../../src/runtime/io/record-writer.ts';
import { RecordWriterOutput } from '../../../src/runtime/io/record-writer-output.ts';
import { WatermarkStatus } from '../../../src/runtime/io/stream-events.ts';
import { BroadcastPartitioner } from '../../../src/runtime/partitioner/broadcast-partitioner.ts';
import { OutputTag } from '../../../src/api/common/output-tag.ts';
import { Watermark } from '../../../src/api/common/watermark.ts';

function setup(): { channels: LocalChannel[]; writer: RecordWriter<unknown> } {
  const channels = [new LocalChannel(10, 0, 0), new LocalChannel(10, 0, 1)];
  return { channels, writer: new RecordWriter<unknown>(channels, new BroadcastPartitioner<unknown>(), 1, { onChannelOverflow: () => {} }) };
}

function contents(channel: LocalChannel): unknown[] {
  const out: unknown[] = [];
  for (let item = channel.poll(); item !== undefined; item = channel.poll()) out.push(item instanceof RecordBatch ? item.values[0] : item);
  return out;
}

describe('RecordWriterOutput', () => {
  it('untagged: writes main-output records with their timestamp and ignores side outputs', () => {
    const { channels, writer } = setup();
    const out = new RecordWriterOutput<unknown>(writer, null);
    out.collect('main', 5);
    out.collectSide(new OutputTag<string>('late'), 'side', 6);
    assert.deepEqual(contents(channels[0]!), ['main']);
    assert.equal(writer.recordsOut, 1);
  });

  it('tagged: writes only the records of its own tag', () => {
    const { channels, writer } = setup();
    const out = new RecordWriterOutput<unknown>(writer, new OutputTag<unknown>('late'));
    out.collect('main', 5);
    out.collectSide(new OutputTag<string>('other'), 'other', 6);
    // Tags are matched by id, so an equal tag object created elsewhere selects the same output.
    out.collectSide(new OutputTag<string>('late'), 'late', 7);
    assert.deepEqual(contents(channels[1]!), ['late']);
    channels[0]!.release();
    assert.equal(writer.recordsOut, 1);
  });

  it('broadcasts watermarks and watermark status after the pending records, tagged or not', () => {
    for (const tag of [null, new OutputTag<unknown>('t')]) {
      const channels = [new LocalChannel(10, 0, 0), new LocalChannel(10, 0, 1)];
      const writer = new RecordWriter<unknown>(channels, new BroadcastPartitioner<unknown>(), 100, { onChannelOverflow: () => {} });
      const out = new RecordWriterOutput<unknown>(writer, tag);
      const wm = new Watermark(3);
      if (tag === null) out.collect('r', 1);
      else out.collectSide(tag, 'r', 1);
      out.emitWatermark(wm);
      out.emitWatermarkStatus(WatermarkStatus.IDLE);
      for (const c of channels) assert.deepEqual(contents(c), ['r', wm, WatermarkStatus.IDLE]);
    }
  });
});
