/*
 * BroadcastStream: what `stream.broadcast(descriptor, ...)` returns (Flink's BroadcastStream). Its
 * records go to every parallel instance of the operator it is connected to, which keeps the
 * broadcast states the descriptors name. It only supports being connected:
 * `other.connect(broadcastStream).process(fn)`.
 */
import { invalidPipeline } from '../../errors.ts';
import type { Transformation } from '../../graph/transformation.ts';
import { MapStateDescriptor } from '../state/state-descriptor.ts';
import type { StreamExecutionEnvironment } from '../environment/stream-execution-environment.ts';
import type { DataStream } from './data-stream.ts';
import type { BroadcastConnectedStream } from './broadcast-connected-stream.ts';

export class BroadcastStream<T> {
  readonly environment: StreamExecutionEnvironment;
  /** The input, already partitioned to broadcast. */
  readonly input: DataStream<T>;
  readonly broadcastStateDescriptors: readonly MapStateDescriptor<any, any>[];

  constructor(broadcastInput: DataStream<T>, descriptors: readonly MapStateDescriptor<any, any>[]) {
    const names = new Set<string>();
    for (const d of descriptors) {
      if (!(d instanceof MapStateDescriptor)) {
        throw invalidPipeline(`broadcast(...descriptors) takes MapStateDescriptors (the broadcast state is a map), got ${describe(d)}`);
      }
      if (names.has(d.name)) throw invalidPipeline(`broadcast(...descriptors): two descriptors are named '${d.name}'; broadcast state names must be unique`);
      names.add(d.name);
    }
    this.environment = broadcastInput.getExecutionEnvironment();
    this.input = broadcastInput;
    this.broadcastStateDescriptors = [...descriptors];
  }

  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.environment;
  }

  getTransformation(): Transformation<T> {
    return this.input.getTransformation();
  }

  getBroadcastStateDescriptors(): readonly MapStateDescriptor<any, any>[] {
    return this.broadcastStateDescriptors;
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name !== undefined && name !== 'Object' ? `a ${name}` : typeof value === 'object' ? 'a plain object' : typeof value;
}

/**
 * Connecting a stream to a BroadcastStream builds a BroadcastConnectedStream, defined in a module
 * that imports DataStream; it registers itself here, which keeps DataStream free of that cycle.
 */
export const broadcastConnector = {
  connect: (<A, B>(_first: DataStream<A>, _broadcast: BroadcastStream<B>): BroadcastConnectedStream<A, B> => {
    throw new Error("flink-ts: BroadcastConnectedStream is not loaded; import from 'flink-ts' rather than from internal modules");
  }) as <A, B>(first: DataStream<A>, broadcast: BroadcastStream<B>) => BroadcastConnectedStream<A, B>,
};
