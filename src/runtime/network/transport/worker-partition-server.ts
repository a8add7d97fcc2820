/*
 * The producing side of the worker-thread transport: serves the output channels registered here to
 * the input channels of another thread over one MessagePort. A buffer's memory is transferred, not
 * copied; the receiver answers at once with an empty block of the same size (from its own credited
 * buffer), which this side's segment adopts before it goes back to its pool. Each side therefore
 * keeps exactly the memory its pool accounts for, while no byte is copied.
 *
 * The SharedArrayBuffer ring (worker-ring-partition-server.ts) is the default between worker
 * threads: faster, one copy on the sending side instead of a message per buffer. This transport
 * keeps Flink's buffer model — exclusive buffers per channel, floating buffers shared by the gate
 * and lent by backlog, all counted by the memory manager — which a gate with many channels needs,
 * where a fixed ring per channel would hold memory that mostly sits idle.
 *
 *   consumer → producer  { t: REQUEST, r, p: name, c: credit, z: segmentSize } | { t: CREDIT, r, c, m? } | { t: CANCEL, r } | { t: RETURN, r, m: blocks }
 *                        | { t: BUFFER_SIZE, r, n: bytes }  (buffer debloating: Flink's NewBufferSize)
 *   producer → consumer  { t: BUFFER, r, s: first sequence, b: backlogs[], f: frames[], n: sizes[], m: ArrayBuffer[] } | { t: ERROR, r, e }
 *
 * The buffers a channel sends in one turn travel together in BUFFER messages of up to POST_EVERY
 * (the last a microtask later), in sequence from `s`: a message costs far more than its payload's
 * transfer — waking a receiving thread that sleeps takes the sender 10–30 µs.
 */
import type { MessagePort } from 'node:worker_threads';
import { PortPartitionServer } from './port-partition-server.ts';
import { RingQueue } from '../../../utils/ring-queue.ts';
import type { NetworkBuffer } from '../buffer/network-buffer.ts';
import type { BufferSender, NetworkOutputChannel } from '../channel/network-output-channel.ts';
import { networkError } from '../network-errors.ts';

export const WorkerMessage = { REQUEST: 1, CREDIT: 2, CANCEL: 3, RETURN: 4, BUFFER: 5, ERROR: 6, BUFFER_SIZE: 7 } as const;

/** The most buffers one BUFFER message carries: more go out while the writer is still writing. */
const POST_EVERY = 4;

export interface WorkerConsumerMessage {
  readonly t: number;
  readonly r: number;
  readonly p?: string;
  readonly c?: number;
  readonly z?: number;
  /** Emptied blocks for buffers sent earlier, oldest first (RETURN, or along with CREDIT). */
  readonly m?: ArrayBuffer[];
  /** The announced buffer size in bytes (BUFFER_SIZE). */
  readonly n?: number;
}

interface Binding {
  readonly channel: NetworkOutputChannel;
  /** Buffers whose memory is with the receiver, oldest first; returns arrive in the same order. */
  readonly inTransit: RingQueue<NetworkBuffer>;
  /** Buffers sent in this turn, posted together at its end. */
  outbox: Outbox | null;
}

interface Outbox {
  readonly s: number;
  readonly b: number[];
  readonly f: number[];
  readonly n: number[];
  readonly m: ArrayBuffer[];
}

export class WorkerPartitionServer extends PortPartitionServer<WorkerConsumerMessage> {
  private readonly bindings = new Map<number, Binding>();

  constructor(port: MessagePort, segmentSize: number, peer = 'worker thread') {
    super(port, segmentSize, peer, WorkerMessage.ERROR);
  }

  protected onMessage(message: WorkerConsumerMessage): void {
    switch (message.t) {
      case WorkerMessage.REQUEST:
        return this.onRequest(message);
      case WorkerMessage.CREDIT: {
        const binding = this.bindings.get(message.r);
        if (message.m !== undefined) this.onReturn(binding, message.m);
        return binding?.channel.addCredits(message.c!);
      }
      case WorkerMessage.CANCEL:
        return this.bindings.get(message.r)?.channel.release();
      case WorkerMessage.RETURN:
        return this.onReturn(this.bindings.get(message.r), message.m!);
      case WorkerMessage.BUFFER_SIZE:
        return this.bindings.get(message.r)?.channel.onNewBufferSize(message.n!);
    }
  }

  private onReturn(binding: Binding | undefined, blocks: readonly ArrayBuffer[]): void {
    if (binding === undefined) return;
    for (const block of blocks) {
      const buffer = binding.inTransit.shift();
      if (buffer === undefined) return;
      buffer.segment.adopt(block);
      buffer.recycle();
    }
  }

  protected bind(channel: NetworkOutputChannel, message: WorkerConsumerMessage): void {
    const binding: Binding = { channel, inTransit: new RingQueue(8), outbox: null };
    this.bindings.set(message.r, binding);
    const port = this.port;
    const receiverId = message.r;
    const post = (batch: Outbox): void => {
      binding.outbox = null;
      port.postMessage({ t: WorkerMessage.BUFFER, r: receiverId, ...batch }, batch.m);
    };
    const sender: BufferSender = {
      peer: this.peer,
      sendBuffer(buffer: NetworkBuffer, sequenceNumber: number, backlog: number): void {
        const memory = buffer.segment.detach();
        binding.inTransit.push(buffer);
        let outbox = binding.outbox;
        if (outbox === null) {
          const batch: Outbox = (outbox = binding.outbox = { s: sequenceNumber, b: [], f: [], n: [], m: [] });
          queueMicrotask(() => {
            if (binding.outbox === batch) post(batch);
          });
        }
        outbox.b.push(backlog);
        outbox.f.push(buffer.frames);
        outbox.n.push(buffer.size);
        outbox.m.push(memory);
        // A writer that keeps going does not hold its buffers back until it yields.
        if (outbox.m.length >= POST_EVERY) post(outbox);
      },
    };
    channel.connect(sender, message.c!);
  }

  protected onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { channel, inTransit } of this.bindings.values()) {
      // Memory that went to the other thread does not come back: fresh blocks take its place.
      for (let b = inTransit.shift(); b !== undefined; b = inTransit.shift()) {
        b.segment.adopt(new ArrayBuffer(this.segmentSize));
        b.recycle();
      }
      if (!channel.isReleased) channel.fail(networkError('the connection to the receiving thread was closed', channel.name, this.peer));
    }
    this.bindings.clear();
  }
}
