/*
 * Flow control of a job in local execution beyond credit: the LocalBackPressureDetector (queue
 * utilization, back-pressure levels, source throttling) and buffer debloating, resolved from the
 * job's configuration and attached to each execution attempt by the LocalJob. Also the network
 * figures of a vertex for getMetrics(): bytes through its channels and the debloating figures.
 */
import type { Configuration } from '../../configuration/configuration.ts';
import { NettyShuffleOptions } from '../../configuration/config-options.ts';
import type { JobVertex } from '../../graph/job-graph.ts';
import { DEFAULT_BUFFER_DEBLOAT_CONFIGURATION, type BufferDebloatConfiguration } from '../io/buffer-debloater.ts';
import type { ChannelQueueFigures } from '../io/input-channel.ts';
import { BufferDebloatDriver } from './buffer-debloat-driver.ts';
import { DEFAULT_LOCAL_BACK_PRESSURE_CONFIGURATION, LocalBackPressureDetector, type BackPressureStatistics, type LocalBackPressureConfiguration } from './local-back-pressure-detector.ts';
import type { StreamTask } from './stream-task.ts';

export interface LocalFlowControlOptions {
  readonly backPressure: LocalBackPressureConfiguration;
  readonly bufferDebloat: BufferDebloatConfiguration;
}

/** A vertex's network figures in getMetrics(). */
export interface VertexNetworkMetrics {
  /**
   * Serialized bytes its subtasks read from / wrote to their channels (Flink's numBytesIn and
   * numBytesOut). In-thread channels hand record batches over by reference and serialize nothing:
   * a vertex reading (writing) through them reports null, not measured; one without inputs
   * (outputs) reports 0.
   */
  readonly numBytesIn: number | null;
  readonly numBytesOut: number | null;
  /** With buffer debloating: the smallest batch size (records) its subtasks announced; null otherwise. */
  readonly debloatedBufferSize: number | null;
  /** With buffer debloating: the longest time (ms) a subtask needs to consume its queued input; null otherwise. */
  readonly estimatedTimeToConsumeBuffersMs: number | null;
}

export function localFlowControlOptions(config: Configuration): LocalFlowControlOptions {
  const defaultMaxQueueSize = config.getOptional(NettyShuffleOptions.LOCAL_BACK_PRESSURE_DEFAULT_MAX_QUEUE_SIZE);
  return {
    backPressure: {
      enabled: config.get(NettyShuffleOptions.LOCAL_BACK_PRESSURE_ENABLED),
      backPressureThreshold: config.get(NettyShuffleOptions.LOCAL_BACK_PRESSURE_THRESHOLD),
      baseThrottleDelayMs: config.get(NettyShuffleOptions.LOCAL_BACK_PRESSURE_BASE_THROTTLE_DELAY),
      maxThrottleDelayMs: config.get(NettyShuffleOptions.LOCAL_BACK_PRESSURE_MAX_THROTTLE_DELAY),
      ...(defaultMaxQueueSize === undefined ? {} : { defaultMaxQueueSize }),
    },
    bufferDebloat: {
      enabled: config.get(NettyShuffleOptions.BUFFER_DEBLOAT_ENABLED),
      targetMs: config.get(NettyShuffleOptions.BUFFER_DEBLOAT_TARGET),
      periodMs: config.get(NettyShuffleOptions.BUFFER_DEBLOAT_PERIOD),
      samples: config.get(NettyShuffleOptions.BUFFER_DEBLOAT_SAMPLES),
      thresholdPercentages: config.get(NettyShuffleOptions.BUFFER_DEBLOAT_THRESHOLD_PERCENTAGES),
    },
  };
}

/**
 * The credit (batches) of each in-thread channel. Flink's buffer keys decide when either is set:
 * exclusive buffers per channel plus the gate's floating buffers (the most one channel can hold).
 * Otherwise `taskmanager.network.local-back-pressure.default-max-queue-size` records, in batches
 * of `batchSize`, rounded up; without it Flink's defaults, 2 + 8.
 */
export function localChannelCapacity(config: Configuration, batchSize: number): number {
  const perChannel = NettyShuffleOptions.NETWORK_BUFFERS_PER_CHANNEL;
  const floating = NettyShuffleOptions.NETWORK_EXTRA_BUFFERS_PER_GATE;
  const queueSize = config.getOptional(NettyShuffleOptions.LOCAL_BACK_PRESSURE_DEFAULT_MAX_QUEUE_SIZE);
  if (queueSize !== undefined && !config.contains(perChannel) && !config.contains(floating)) return Math.max(1, Math.ceil(queueSize / Math.max(1, batchSize)));
  return config.get(perChannel) + config.get(floating);
}

/** Sum of the bytes `channels` serialized, null when one of them serializes nothing (in-thread). */
function bytesThrough(channels: readonly ChannelQueueFigures[]): number | null {
  let bytes = 0;
  for (const channel of channels) {
    const b = channel.bytesTransferred;
    if (b === null) return null;
    bytes += b;
  }
  return bytes;
}

export class LocalFlowControl {
  readonly detector: LocalBackPressureDetector | null;
  private readonly debloat: BufferDebloatDriver | null;

  constructor(options: Partial<LocalFlowControlOptions> = {}) {
    const backPressure = options.backPressure ?? DEFAULT_LOCAL_BACK_PRESSURE_CONFIGURATION;
    const bufferDebloat = options.bufferDebloat ?? DEFAULT_BUFFER_DEBLOAT_CONFIGURATION;
    this.detector = backPressure.enabled ? new LocalBackPressureDetector(backPressure) : null;
    this.debloat = bufferDebloat.enabled ? new BufferDebloatDriver(bufferDebloat) : null;
  }

  /** Watches (and throttles, debloats) the tasks of an execution attempt before they run. */
  attach(tasksByVertex: ReadonlyMap<JobVertex, readonly StreamTask[]>): void {
    this.detector?.attach(tasksByVertex);
    this.debloat?.attach(tasksByVertex);
  }

  /** The attempt ended. */
  stop(): void {
    this.detector?.stop();
    this.debloat?.stop();
  }

  /** The detector's figures; null when it is disabled. */
  getBackPressure(): BackPressureStatistics | null {
    return this.detector?.getStatistics() ?? null;
  }

  vertexNetworkMetrics(tasks: readonly StreamTask[]): VertexNetworkMetrics {
    let bytesIn: number | null = 0;
    let bytesOut: number | null = 0;
    let size: number | null = null;
    let time: number | null = null;
    for (const task of tasks) {
      const read = bytesThrough(task.deployment.inputs.flatMap((g) => g.channels));
      const written = bytesThrough(task.chain.writers.flatMap((w) => w.channels));
      bytesIn = bytesIn === null || read === null ? null : bytesIn + read;
      bytesOut = bytesOut === null || written === null ? null : bytesOut + written;
      const debloat = this.debloat?.metricsOf(task) ?? null;
      if (debloat !== null) {
        size = Math.min(size ?? Number.POSITIVE_INFINITY, debloat.debloatedBufferSize);
        time = Math.max(time ?? 0, debloat.estimatedTimeToConsumeBuffersMs);
      }
    }
    return { numBytesIn: bytesIn, numBytesOut: bytesOut, debloatedBufferSize: size, estimatedTimeToConsumeBuffersMs: time };
  }
}
