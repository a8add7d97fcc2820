/*
 * The channel abstraction of the runtime's data path (Flink's InputChannel and ResultSubpartition).
 * One channel carries record batches and events in order, under credit, between one producing and
 * one consuming subtask; what moves it is the transport:
 *  - in-thread (LocalChannel): batches are handed over by reference, never serialized;
 *  - between worker threads or processes (NetworkInputChannel / NetworkOutputChannel): batches are
 *    serialized into network buffers that travel over a MessagePort, a SharedArrayBuffer ring or
 *    TCP, sent only against credit the receiver announced.
 * InputGate, RecordWriter, the barrier handling and the metrics are written against these
 * interfaces. A job whose channels are all in-thread keeps its call sites monomorphic (V8 sees one
 * class), so the abstraction costs the in-thread path nothing.
 */
import type { ChannelItem } from './stream-events.ts';

export interface ChannelConsumer {
  notifyDataAvailable(): void;
}

/**
 * How full a channel's queue is, as its consumer meets it (channel-queue-usage.ts, the buffer
 * debloater, the back-pressure detector). A "batch" is the channel's unit of credit: a record batch
 * in-thread, a network buffer otherwise.
 */
export interface ChannelQueueFigures {
  /** The credit: batches (or buffers) the channel may hold. */
  readonly capacity: number;
  /** Batches (buffers) queued and not yet consumed. */
  readonly bufferedBatches: number;
  /** Records in them (for a network channel: frames, an event counting as one). */
  readonly bufferedRecords: number;
  /** Times the consumer turned to the queue after the producer had added to it. */
  readonly consumerArrivals: number;
  /** Batches queued at those arrivals, summed. */
  readonly queuedAtArrival: number;
  /** Records queued at those arrivals, summed. */
  readonly recordsAtArrival: number;
  /** Serialized bytes that went through; null for a channel that serializes nothing (in-thread). */
  readonly bytesTransferred: number | null;
}

/** The consuming end of a channel, as an InputGate reads it. */
export interface InputChannel extends ChannelQueueFigures {
  setConsumer(consumer: ChannelConsumer): void;
  /** True when poll() returns an item (or throws the channel's failure). */
  hasData(): boolean;
  /** The next batch or event in order; undefined when none is there. */
  poll(): ChannelItem | undefined;
  /** Drops what is queued and gives its resources back (cancellation). */
  release(): void;
  /**
   * Buffer debloating: the records per batch the consumer asks its producer for. A network channel
   * converts it into a buffer size in bytes (records times the bytes per frame it received) and
   * sends it to the producer, which cuts its buffers there (Flink's NewBufferSize).
   */
  announceBatchSize?(records: number): void;
}
