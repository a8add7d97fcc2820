/*
 * Factories for the network stack's tests: memory, pools and the two ends of a channel, with
 * helpers to flatten what a channel delivers into records and events for comparison. Cleanup is
 * registered on the test context.
 */
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import type { ChannelItem } from '../../../src/runtime/io/stream-events.ts';
import { FlinkMemoryManager } from '../../../src/runtime/network/memory/flink-memory-manager.ts';
import { NetworkBufferPool } from '../../../src/runtime/network/buffer/network-buffer-pool.ts';
import { NetworkOutputChannel } from '../../../src/runtime/network/channel/network-output-channel.ts';
import { NetworkInputChannel } from '../../../src/runtime/network/channel/network-input-channel.ts';
import { MsgpackRecordSerializer, type ChannelRecordSerializer } from '../../../src/runtime/network/serialization/record-serializers.ts';
import type { LocalBufferPool } from '../../../src/runtime/network/buffer/local-buffer-pool.ts';

export type Flat = { readonly record: unknown; readonly timestamp: number } | { readonly event: string };

/** Batches become their records, one entry each; events their toString(). */
export function flatten(items: readonly ChannelItem[]): Flat[] {
  const out: Flat[] = [];
  for (const item of items) {
    if (item instanceof RecordBatch) {
      for (let i = 0; i < item.values.length; i++) out.push({ record: item.values[i], timestamp: item.timestampAt(i) });
    } else {
      out.push({ event: String(item) });
    }
  }
  return out;
}

export interface NetworkSide {
  readonly memory: FlinkMemoryManager;
  readonly network: NetworkBufferPool;
}

export function networkSide(segments: number, segmentSize = 1024, name = 'network memory'): NetworkSide {
  const memory = new FlinkMemoryManager({ totalBytes: segments * segmentSize, segmentSize, name });
  return { memory, network: new NetworkBufferPool(memory, { buffersPerChannel: 2, floatingBuffersPerGate: 4, maxBuffersPerChannel: 4 }) };
}

export interface ChannelEnds<T> {
  readonly sender: NetworkSide;
  readonly receiver: NetworkSide;
  readonly partitionPool: LocalBufferPool;
  readonly gatePool: LocalBufferPool;
  readonly output: NetworkOutputChannel<T>;
  readonly input: NetworkInputChannel<T>;
}

export interface ChannelEndsOptions<T> {
  readonly name?: string;
  readonly segmentSize?: number;
  readonly exclusiveBuffers?: number;
  /** 0: the gate has no floating buffers. */
  readonly floatingBuffers?: number;
  readonly maxBacklog?: number;
  readonly serializer?: () => ChannelRecordSerializer<T>;
  /** The input channel takes its buffers from the transport (the ring): no buffers of its own. */
  readonly creditedByTransport?: boolean;
}

/** Both ends of one channel, each with its own memory (as in two threads or processes). */
export function channelEnds<T>(options: ChannelEndsOptions<T> = {}): ChannelEnds<T> {
  const segmentSize = options.segmentSize ?? 1024;
  const sender = networkSide(64, segmentSize, 'sender memory');
  const receiver = networkSide(64, segmentSize, 'receiver memory');
  const name = options.name ?? 'map -> sink (1/1 -> 1/1)';
  const serializer = options.serializer ?? (() => new MsgpackRecordSerializer<T>());
  const partitionPool = sender.network.createResultPartitionPool(1, 'partition');
  const floating = options.floatingBuffers ?? 4;
  const gatePool = receiver.network.createBufferPool(0, Math.max(1, floating), 'gate');
  const output = new NetworkOutputChannel<T>({ name, pool: partitionPool, serializer: serializer(), maxBacklog: options.maxBacklog ?? 4 });
  const input = options.creditedByTransport === true
    ? new NetworkInputChannel<T>({ name, network: receiver.network, floatingPool: null, exclusiveBuffers: 0, serializer: serializer(), creditedByTransport: true })
    : new NetworkInputChannel<T>({ name, network: receiver.network, floatingPool: floating === 0 ? null : gatePool, exclusiveBuffers: options.exclusiveBuffers ?? 2, serializer: serializer() });
  return { sender, receiver, partitionPool, gatePool, output, input };
}

/** Polls everything the channel has now. */
export function drain(input: NetworkInputChannel<any>): ChannelItem[] {
  const items: ChannelItem[] = [];
  for (let item = input.poll(); item !== undefined; item = input.poll()) items.push(item);
  return items;
}

/** Resolves when `condition` holds, checking after every turn of the event loop; rejects after `ms`. */
export async function until(condition: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export function batchOf<T>(values: readonly T[], timestamps?: readonly number[]): RecordBatch<T> {
  return new RecordBatch<T>([...values], timestamps === undefined ? null : [...timestamps]);
}
