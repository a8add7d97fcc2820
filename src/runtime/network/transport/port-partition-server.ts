/*
 * What the sending side of both worker-thread transports shares: output channels registered by
 * name, partition requests from the receiving thread over a MessagePort (a request for a channel
 * not registered yet waits for it), the check that both sides use the same segment size, and
 * closing. Subclasses bind a request to their way of moving buffers.
 */
import type { MessagePort } from 'node:worker_threads';
import type { NetworkOutputChannel } from '../channel/network-output-channel.ts';

/** The fields of a partition request both transports read. */
export interface PartitionRequestMessage {
  readonly t: number;
  /** The receiver's id of the channel. */
  readonly r: number;
  /** The channel's name. */
  readonly p?: string;
  /** The receiver's segment size. */
  readonly z?: number;
}

export abstract class PortPartitionServer<M extends PartitionRequestMessage> {
  readonly peer: string;
  protected readonly port: MessagePort;
  protected readonly segmentSize: number;
  private readonly channels = new Map<string, NetworkOutputChannel>();
  /** Requests that came before their channel was registered, served on registration. */
  private readonly waiting = new Map<string, M>();
  protected closed = false;
  /** The ERROR message tag of the subclass's protocol. */
  private readonly errorTag: number;

  constructor(port: MessagePort, segmentSize: number, peer: string, errorTag: number) {
    this.port = port;
    this.segmentSize = segmentSize;
    this.peer = peer;
    this.errorTag = errorTag;
    port.on('message', (message: M) => this.onMessage(message));
    port.on('close', () => this.onClose());
  }

  register(channel: NetworkOutputChannel): void {
    this.channels.set(channel.name, channel);
    const request = this.waiting.get(channel.name);
    if (request !== undefined) {
      this.waiting.delete(channel.name);
      this.onRequest(request);
    }
  }

  /** Closes the port; channels still bound fail. */
  close(): void {
    if (this.closed) return;
    this.port.close();
    this.onClose();
  }

  /** Serves a partition request: binds the channel, or keeps the request until it is registered. */
  protected onRequest(message: M): void {
    const channel = this.channels.get(message.p!);
    if (channel === undefined) {
      this.waiting.set(message.p!, message);
      return;
    }
    if (message.z !== this.segmentSize) {
      this.port.postMessage({ t: this.errorTag, r: message.r, e: `segment sizes differ: receiver ${message.z} bytes, sender ${this.segmentSize} bytes (taskmanager.memory.segment-size)` });
      return;
    }
    this.bind(channel, message);
  }

  protected abstract onMessage(message: M): void;
  protected abstract bind(channel: NetworkOutputChannel, request: M): void;
  protected abstract onClose(): void;
}
