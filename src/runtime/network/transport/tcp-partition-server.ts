/*
 * The producing side of the TCP transport: a server on the task manager's data port
 * (taskmanager.data.port; 0 picks a free port) that serves registered output channels to the
 * input channels of other processes. Each connection multiplexes channels by the receiver's id.
 * A buffer's memory is written to the socket as it is and recycled when the socket has taken it;
 * the buffers sent in one turn (every header and payload) are corked into one write, uncorked a
 * microtask later; credit bounds how much is in flight, so the socket's
 * own buffer stays bounded too.
 */
import net from 'node:net';
import { once } from 'node:events';
import type { NetworkBuffer } from '../buffer/network-buffer.ts';
import type { BufferSender, NetworkOutputChannel } from '../channel/network-output-channel.ts';
import { networkError } from '../network-errors.ts';
import { CONNECTION_WIDE, TcpFrameDecoder, TcpMessage, encodeBufferHeader, encodeControl, type ControlMessage } from './tcp-frame-codec.ts';

export class TcpPartitionServer {
  private readonly segmentSize: number;
  private readonly channels = new Map<string, NetworkOutputChannel>();
  private readonly waiting = new Map<string, () => void>();
  private readonly connections = new Set<TcpServerConnection>();
  private server: net.Server | null = null;

  constructor(segmentSize: number) {
    this.segmentSize = segmentSize;
  }

  /** Listens on `port` (0: any free port); resolves with the bound port. */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = net.createServer((socket) => {
      const connection = new TcpServerConnection(this, socket, this.segmentSize);
      this.connections.add(connection);
      socket.once('close', () => this.connections.delete(connection));
    });
    this.server = server;
    server.listen(port, host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e as Error))]);
    return (server.address() as net.AddressInfo).port;
  }

  register(channel: NetworkOutputChannel): void {
    this.channels.set(channel.name, channel);
    const serve = this.waiting.get(channel.name);
    if (serve !== undefined) {
      this.waiting.delete(channel.name);
      serve();
    }
  }

  /** @internal A registered channel, or a callback once it is registered. */
  lookup(name: string, whenRegistered: () => void): NetworkOutputChannel | undefined {
    const channel = this.channels.get(name);
    if (channel === undefined) this.waiting.set(name, whenRegistered);
    return channel;
  }

  /** Stops accepting, closes every connection; channels still served fail. */
  async close(): Promise<void> {
    for (const c of this.connections) c.destroy('the server is shutting down');
    const server = this.server;
    this.server = null;
    if (server !== null && server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

class TcpServerConnection {
  private readonly socket: net.Socket;
  private readonly peer: string;
  private readonly bound = new Map<number, NetworkOutputChannel>();
  private closed = false;

  constructor(server: TcpPartitionServer, socket: net.Socket, segmentSize: number) {
    this.socket = socket;
    this.peer = `tcp ${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    const decoder = new TcpFrameDecoder({
      bufferFor: () => null,
      onBuffer: () => this.destroy('a receiver sent a data buffer'),
      onControl: (message) => this.onControl(server, segmentSize, message),
      onCorrupt: (reason) => this.destroy(`corrupt stream: ${reason}`),
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('error', (e) => this.onClosed(`connection error: ${e.message}`, e));
    socket.on('close', () => this.onClosed('the receiver closed the connection'));
  }

  private corked = false;

  /** Gathers what is written until the current task yields into one write. */
  corkUntilYield(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    queueMicrotask(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }

  destroy(reason: string): void {
    this.onClosed(reason);
    this.socket.destroy();
  }

  private onControl(server: TcpPartitionServer, segmentSize: number, message: ControlMessage): void {
    switch (message.type) {
      case TcpMessage.REQUEST:
        return this.onRequest(server, segmentSize, message);
      case TcpMessage.CREDIT:
        return this.bound.get(message.receiverId)?.addCredits(message.body.readUInt32LE(0));
      case TcpMessage.BUFFER_SIZE:
        return this.bound.get(message.receiverId)?.onNewBufferSize(message.body.readUInt32LE(0));
      case TcpMessage.CANCEL: {
        const channel = this.bound.get(message.receiverId);
        this.bound.delete(message.receiverId);
        return channel?.release();
      }
      default:
        return this.destroy(`unexpected message type ${message.type}`);
    }
  }

  private onRequest(server: TcpPartitionServer, segmentSize: number, message: ControlMessage): void {
    const receiverId = message.receiverId;
    const credit = message.body.readUInt32LE(0);
    const receiverSegmentSize = message.body.readUInt32LE(4);
    const name = message.body.subarray(8).toString('utf8');
    if (receiverSegmentSize !== segmentSize) {
      const text = `segment sizes differ: receiver ${receiverSegmentSize} bytes, sender ${segmentSize} bytes (taskmanager.memory.segment-size)`;
      this.socket.write(encodeControl(TcpMessage.ERROR, receiverId, [], text));
      return;
    }
    const channel = server.lookup(name, () => this.onRequest(server, segmentSize, message));
    if (channel === undefined || this.closed) return;
    this.bound.set(receiverId, channel);
    const socket = this.socket;
    const corkUntilYield = (): void => this.corkUntilYield();
    const sender: BufferSender = {
      peer: this.peer,
      sendBuffer(buffer: NetworkBuffer, sequenceNumber: number, backlog: number): void {
        corkUntilYield();
        socket.write(encodeBufferHeader(receiverId, sequenceNumber, backlog, buffer.frames, buffer.size));
        socket.write(buffer.readable(), () => buffer.recycle());
      },
    };
    channel.connect(sender, credit);
  }

  private onClosed(reason: string, cause?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.bound.values()) {
      if (!channel.isReleased) channel.fail(networkError(reason, channel.name, this.peer, cause));
    }
    this.bound.clear();
    if (!this.socket.destroyed && reason.startsWith('corrupt')) this.socket.write(encodeControl(TcpMessage.ERROR, CONNECTION_WIDE, [], reason));
  }
}
