/*
 * LocalBackPressureDetector: back-pressure detection and source throttling for a job running in
 * this process. The LocalJob creates one per job (on unless
 * `taskmanager.network.local-back-pressure.enabled` is false) and attaches it to every execution
 * attempt. It is fed from what the runtime measures anyway:
 * - each operator's input queue utilization: queued batches over the credit of its input channels
 *   (Flink's inPoolUsage) as the operator finds them when it turns to them after its producers
 *   wrote, averaged over the last second (counted by the channels, read every 50 ms);
 * - each operator's back-pressured time (TaskIOMetrics), over the same second;
 * - for a source, the utilization of the fullest channel it writes to.
 * An operator's pressure is the larger of its queue utilization and its back-pressured ratio; its
 * level is `high` when the queue is over the threshold or, as Flink reports it, when more than half
 * of its time is back-pressured; `low` above 0.10 of either; `ok` otherwise. The overall level is
 * that of the operator under the most pressure.
 *
 * Sources are throttled with exponential backoff while the queues they feed stay over the
 * threshold (source-throttle.ts): one SourceThrottle per source subtask, consulted by its
 * SourceDriver once per step, never per record.
 */
import type { JobVertex } from '../../graph/job-graph.ts';
import type { ChannelQueueFigures } from '../io/input-channel.ts';
import { SourceThrottle } from './source-throttle.ts';
import type { StreamTask } from './stream-task.ts';
import { backPressureLevelOf, type BackPressureLevel } from './task-io-metrics.ts';

export interface LocalBackPressureConfiguration {
  readonly enabled: boolean;
  /** Queue utilization (0..1) above which an operator is under high pressure and its sources are throttled. */
  readonly backPressureThreshold: number;
  /** First delay of a throttled source, in ms; doubles while the pressure persists. */
  readonly baseThrottleDelayMs: number;
  /** Upper bound of the delay, in ms. */
  readonly maxThrottleDelayMs: number;
  /**
   * Records the queue of one in-thread channel may hold when the network buffer keys are not set
   * (its credit is this many records in batches of `pipeline.batch-size`, rounded up); undefined:
   * the credit is Flink's buffer defaults, 2 exclusive + 8 floating batches.
   */
  readonly defaultMaxQueueSize?: number;
}

export const DEFAULT_LOCAL_BACK_PRESSURE_CONFIGURATION: LocalBackPressureConfiguration = {
  enabled: true,
  backPressureThreshold: 0.8,
  baseThrottleDelayMs: 10,
  maxThrottleDelayMs: 1000,
};

/** What a source's throttle is doing. */
export interface ThrottleStatistics {
  /** The current backoff delay in ms; 0 while not under pressure. */
  readonly delayMs: number;
  /** Intake is held right now. */
  readonly holding: boolean;
  /** Times a poll ended over the threshold and intake was held. */
  readonly holds: number;
  /** Polls the throttle judged (steps of a split source, credit waits of a source function). */
  readonly polls: number;
}

export interface OperatorBackPressure {
  /** The job vertex (its chain's name) and subtask index. */
  readonly vertex: string;
  readonly subtask: number;
  /** Mean share of the credit of its input channels holding data over the last second; null for a source. */
  readonly queueUtilization: number | null;
  /** Mean share of the credit in use of the fullest channel it writes to; null without outputs. */
  readonly outputUtilization: number | null;
  readonly backPressuredTimeMsPerSecond: number;
  /** max(queueUtilization, back-pressured ratio). */
  readonly pressure: number;
  readonly level: BackPressureLevel;
  /** Present for sources that are throttled. */
  readonly throttle: ThrottleStatistics | null;
}

export interface BackPressureStatistics {
  readonly threshold: number;
  /** The highest pressure of any operator. */
  readonly pressure: number;
  /** The level of the operator under the most pressure. */
  readonly level: BackPressureLevel;
  readonly operators: readonly OperatorBackPressure[];
}

const SAMPLE_INTERVAL_MS = 50;
/** Samples kept: the figures cover the last second. */
const WINDOW = 20;
const LEVELS: readonly BackPressureLevel[] = ['ok', 'low', 'high'];

/** The level of a queue utilization: high over the threshold, low over 0.10 (as Flink's ok bound). */
export function queueLevelOf(utilization: number, threshold: number): BackPressureLevel {
  return utilization > threshold ? 'high' : utilization > 0.1 ? 'low' : 'ok';
}

function maxLevel(a: BackPressureLevel, b: BackPressureLevel): BackPressureLevel {
  return LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b;
}

/** Cumulative figures of a set of channels (see LocalChannel.queuedAtArrival). */
interface QueueCounters {
  /** Times the consumers turned to a channel the producer had written to. */
  consumed: number;
  /** Sum over those arrivals of the utilization (queued batches over capacity) found. */
  utilization: number;
  /** The utilization now, over all the channels' credit. */
  current: number;
}

function countersOf(channels: readonly ChannelQueueFigures[]): QueueCounters {
  let consumed = 0;
  let utilization = 0;
  let used = 0;
  let credit = 0;
  for (const c of channels) {
    consumed += c.consumerArrivals;
    utilization += c.queuedAtArrival / c.capacity;
    used += Math.min(c.bufferedBatches, c.capacity);
    credit += c.capacity;
  }
  return { consumed, utilization, current: credit === 0 ? 0 : used / credit };
}

/** A ring of the last WINDOW samples of one set of channels. */
class QueueWindow {
  private readonly channels: readonly ChannelQueueFigures[];
  private readonly consumed = new Float64Array(WINDOW);
  private readonly utilization = new Float64Array(WINDOW);
  private current = 0;

  constructor(channels: readonly ChannelQueueFigures[]) {
    this.channels = channels;
  }

  get empty(): boolean {
    return this.channels.length === 0;
  }

  sample(at: number): void {
    const c = countersOf(this.channels);
    this.consumed[at] = c.consumed;
    this.utilization[at] = Math.min(c.utilization, Number.MAX_VALUE);
    this.current = c.current;
  }

  /**
   * The mean utilization the consumers found when they turned to their channels, over the window;
   * when they took nothing, the utilization now (a stalled consumer's full queue, an idle one's empty queue).
   */
  mean(newest: number, oldest: number): number {
    const taken = this.consumed[newest]! - this.consumed[oldest]!;
    if (taken <= 0) return this.current;
    return Math.min(1, (this.utilization[newest]! - this.utilization[oldest]!) / taken);
  }
}

/** One operator (subtask) as the detector watches it. */
class OperatorProbe {
  readonly vertex: string;
  readonly subtask: number;
  readonly task: StreamTask;
  readonly throttle: SourceThrottle | null;
  private readonly threshold: number;
  private readonly inputs: QueueWindow;
  private readonly outputs: QueueWindow;
  private readonly times = new Float64Array(WINDOW);
  private readonly backPressured = new Float64Array(WINDOW);
  private readonly polls = new Float64Array(WINDOW);
  private samples = 0;

  constructor(vertex: string, subtask: number, task: StreamTask, throttle: SourceThrottle | null, threshold: number) {
    this.vertex = vertex;
    this.subtask = subtask;
    this.task = task;
    this.throttle = throttle;
    this.threshold = threshold;
    this.inputs = new QueueWindow(task.deployment.inputs.flatMap((gate) => gate.channels));
    this.outputs = new QueueWindow(task.chain.writers.flatMap((writer) => writer.channels));
  }

  /** Indexes of the newest and the oldest sample in the ring. */
  private span(): [number, number] {
    const newest = (this.samples - 1) % WINDOW;
    const oldest = this.samples > WINDOW ? this.samples % WINDOW : 0;
    return [newest, oldest];
  }

  sample(now: number): void {
    const at = this.samples++ % WINDOW;
    this.inputs.sample(at);
    this.outputs.sample(at);
    this.times[at] = now;
    this.backPressured[at] = this.task.ioMetrics.totalsAt(now)[2];
    const throttle = this.throttle;
    if (throttle === null) return;
    this.polls[at] = throttle.polls;
    // A source that met no pressure for a whole period (no poll judged, as a source function that
    // no longer waits for credit) while its queues are at or under the threshold starts over.
    const previous = (at - 1 + WINDOW) % WINDOW;
    if (this.samples > 1 && throttle.polls === this.polls[previous] && this.outputs.mean(at, previous) <= this.threshold) throttle.relax();
  }

  statistics(): OperatorBackPressure {
    const threshold = this.threshold;
    const [newest, oldest] = this.span();
    const span = this.samples > 1 ? this.times[newest]! - this.times[oldest]! : 0;
    const ratio = span > 0 ? Math.min(1, Math.max(0, (this.backPressured[newest]! - this.backPressured[oldest]!) / span)) : 0;
    const queueUtilization = this.inputs.empty || this.samples === 0 ? null : this.inputs.mean(newest, oldest);
    const outputUtilization = this.outputs.empty || this.samples === 0 ? null : this.outputs.mean(newest, oldest);
    const t = this.throttle;
    return {
      vertex: this.vertex,
      subtask: this.subtask,
      queueUtilization,
      outputUtilization,
      backPressuredTimeMsPerSecond: ratio * 1000,
      pressure: Math.max(queueUtilization ?? 0, ratio),
      level: maxLevel(queueLevelOf(queueUtilization ?? 0, threshold), backPressureLevelOf(ratio)),
      throttle: t === null ? null : { delayMs: t.delayMs, holding: t.isHolding(performance.now()), holds: t.holds, polls: t.polls },
    };
  }
}

export class LocalBackPressureDetector {
  readonly config: LocalBackPressureConfiguration;
  private probes: OperatorProbe[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(config: Partial<LocalBackPressureConfiguration> = {}) {
    this.config = { ...DEFAULT_LOCAL_BACK_PRESSURE_CONFIGURATION, ...config };
  }

  /**
   * Watches the tasks of an execution attempt (before they run): every source subtask with outputs
   * gets a throttle, every task a probe; sampling starts. A previous attempt is let go.
   */
  attach(tasksByVertex: ReadonlyMap<JobVertex, readonly StreamTask[]>): void {
    this.stop();
    this.probes = [];
    const { backPressureThreshold: threshold, baseThrottleDelayMs: baseDelayMs, maxThrottleDelayMs } = this.config;
    for (const [vertex, tasks] of tasksByVertex) {
      tasks.forEach((task, subtask) => {
        let throttle: SourceThrottle | null = null;
        const source = task.source;
        // The throttle waits on in-thread queues: the deployment's output channels (the writers' channels).
        const outputs = [...task.deployment.outputChannels.values()].flat();
        if (source !== null && outputs.length > 0) {
          throttle = new SourceThrottle(outputs, { threshold, baseDelayMs, maxDelayMs: Math.max(baseDelayMs, maxThrottleDelayMs) });
          source.setThrottle(throttle);
        }
        this.probes.push(new OperatorProbe(vertex.name, subtask, task, throttle, threshold));
      });
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    // Sampling alone must not keep the process alive.
    this.timer.unref();
  }

  /** The attempt ended: sampling stops and its throttles are released; the last figures stay readable. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const probe of this.probes) {
      probe.throttle?.dispose();
      probe.task.source?.setThrottle(null);
    }
  }

  private sample(): void {
    const now = performance.now();
    for (const probe of this.probes) probe.sample(now);
  }

  /** Per-operator figures over the last second, the highest pressure and the overall level. */
  getStatistics(): BackPressureStatistics {
    const threshold = this.config.backPressureThreshold;
    const operators = this.probes.map((p) => p.statistics());
    let pressure = 0;
    let level: BackPressureLevel = 'ok';
    for (const o of operators) {
      pressure = Math.max(pressure, o.pressure);
      level = maxLevel(level, o.level);
    }
    return { threshold, pressure, level, operators };
  }

  /** The level of the operator under the most pressure: ok, low or high. */
  getOverallPressureLevel(): BackPressureLevel {
    return this.getStatistics().level;
  }
}
