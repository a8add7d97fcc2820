/*
 * Late-bound constructors for the stream classes that DataStream returns (KeyedStream,
 * ConnectedStreams) and for executeAndCollect. They are filled in by the modules that define
 * them, which breaks the import cycle between DataStream and its subclasses.
 */
import type { KeySelector } from '../common/functions.ts';
import type { CollectOptions, DataStream } from './data-stream.ts';
import type { KeyedStream } from './keyed-stream.ts';
import type { ConnectedStreams } from './connected-streams.ts';

interface StreamFactories {
  keyed<T, K>(stream: DataStream<T>, keySelector: KeySelector<T, K>): KeyedStream<T, K>;
  connected<A, B>(first: DataStream<A>, second: DataStream<B>): ConnectedStreams<A, B>;
  collect<T>(stream: DataStream<T>, options: CollectOptions): Promise<T[]>;
}

const missing = (what: string) => (): never => {
  throw new Error(`flink-ts: ${what} is not loaded; import from 'flink-ts' rather than from internal modules`);
};

export const streamFactories: StreamFactories = {
  keyed: missing('KeyedStream'),
  connected: missing('ConnectedStreams'),
  collect: missing('executeAndCollect'),
};
