/*
 * HashMapStateBackend (Flink's): keyed state as objects in JS Maps on the heap, one
 * HeapKeyedStateBackend per keyed operator and subtask. The default state backend
 * (`state.backend.type: hashmap`).
 */
import type { Configuration } from '../../configuration/configuration.ts';
import { HeapKeyedStateBackend } from './heap/heap-keyed-state-backend.ts';
import type { KeyedStateBackendParameters, StateBackend } from './keyed-state-backend.ts';
import type { TtlTimeProvider } from './ttl/ttl-time-provider.ts';

export interface HashMapStateBackendOptions {
  /** The clock of state TTL (Date.now() by default); tests pass a clock they move by hand. */
  readonly ttlTimeProvider?: TtlTimeProvider;
}

export class HashMapStateBackend implements StateBackend {
  static readonly TYPE = 'hashmap';
  readonly type = HashMapStateBackend.TYPE;
  private readonly options: HashMapStateBackendOptions;

  constructor(options: HashMapStateBackendOptions = {}) {
    this.options = options;
  }

  /** The backend `state.backend.type: hashmap` names; it has no options of its own. */
  static fromConfiguration(_configuration?: Configuration): HashMapStateBackend {
    return new HashMapStateBackend();
  }

  createKeyedStateBackend(parameters: KeyedStateBackendParameters): HeapKeyedStateBackend {
    return new HeapKeyedStateBackend({
      keyGroupRange: parameters.keyGroupRange,
      maxParallelism: parameters.maxParallelism,
      where: parameters.where,
      ...(this.options.ttlTimeProvider === undefined ? {} : { ttlTimeProvider: this.options.ttlTimeProvider }),
    });
  }

  toString(): string {
    return 'HashMapStateBackend';
  }
}
