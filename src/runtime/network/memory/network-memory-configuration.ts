/*
 * How much memory the network stack of one process gets, from Flink's keys: a fixed
 * `taskmanager.memory.network.size`, or `taskmanager.memory.network.fraction` of
 * `taskmanager.memory.flink.size` bounded by the network min and max; without a total, the min
 * (Flink's local default of 64 MiB). The segment size is `taskmanager.memory.segment-size`.
 */
import type { Configuration } from '../../../configuration/configuration.ts';
import { NettyShuffleOptions, TaskManagerOptions } from '../../../configuration/config-options.ts';
import { configurationError } from '../../../errors.ts';
import { FlinkMemoryManager } from './flink-memory-manager.ts';

export interface NetworkMemoryConfiguration {
  readonly totalBytes: number;
  readonly segmentSize: number;
  readonly buffersPerChannel: number;
  readonly floatingBuffersPerGate: number;
  readonly maxBuffersPerChannel: number;
}

export function networkMemoryConfiguration(config: Configuration): NetworkMemoryConfiguration {
  const segmentSize = config.get(NettyShuffleOptions.MEMORY_SEGMENT_SIZE);
  const fixed = config.getOptional(NettyShuffleOptions.NETWORK_MEMORY_SIZE);
  let totalBytes: number;
  if (fixed !== undefined) {
    totalBytes = fixed;
  } else {
    const min = config.get(NettyShuffleOptions.NETWORK_MEMORY_MIN);
    const max = config.get(NettyShuffleOptions.NETWORK_MEMORY_MAX);
    if (min > max) throw configurationError(`taskmanager.memory.network.min (${min} bytes) is larger than taskmanager.memory.network.max (${max} bytes)`);
    const flinkMemory = config.getOptional(TaskManagerOptions.TOTAL_FLINK_MEMORY);
    totalBytes = flinkMemory === undefined ? min : Math.min(max, Math.max(min, Math.floor(flinkMemory * config.get(NettyShuffleOptions.NETWORK_MEMORY_FRACTION))));
  }
  if (totalBytes < segmentSize) {
    throw configurationError(`Network memory of ${totalBytes} bytes is less than one memory segment (taskmanager.memory.segment-size = ${segmentSize} bytes)`);
  }
  return {
    totalBytes,
    segmentSize,
    buffersPerChannel: config.get(NettyShuffleOptions.NETWORK_BUFFERS_PER_CHANNEL),
    floatingBuffersPerGate: config.get(NettyShuffleOptions.NETWORK_EXTRA_BUFFERS_PER_GATE),
    maxBuffersPerChannel: config.get(NettyShuffleOptions.NETWORK_MAX_BUFFERS_PER_CHANNEL),
  };
}

export function createNetworkMemoryManager(config: Configuration, name = 'network memory'): FlinkMemoryManager {
  const { totalBytes, segmentSize } = networkMemoryConfiguration(config);
  return new FlinkMemoryManager({ totalBytes, segmentSize, name });
}
