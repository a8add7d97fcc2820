/*
 * The coordinator side of watermark alignment, as in Flink's SourceCoordinator: each source's
 * coordinator aggregates the watermarks its readers report (their minimum) and publishes that
 * minimum into its group's aggregator in the job's CoordinatorStore, which all source
 * coordinators of a job share. Every update interval it announces the group's minimum plus the
 * maximum drift to its readers.
 */
import { Watermark } from '../../api/common/watermark.ts';
import type { WatermarkAlignmentParams } from '../../api/eventtime/watermark-alignment-params.ts';

/** Flink's CoordinatorStore: shared by the operator coordinators of one job. */
export class CoordinatorStore {
  private readonly values = new Map<string, unknown>();

  computeIfAbsent<V>(key: string, create: () => V): V {
    if (!this.values.has(key)) this.values.set(key, create());
    return this.values.get(key) as V;
  }

  get(key: string): unknown {
    return this.values.get(key);
  }
}

/** Flink's WatermarkAggregator: the minimum of the latest watermark of every key. */
export class WatermarkAggregator<K> {
  private readonly watermarks = new Map<K, number>();

  /** Records `key`'s watermark; returns the aggregated watermark when it changed. */
  aggregate(key: K, watermark: number): number | undefined {
    const before = this.getAggregatedWatermark();
    this.watermarks.set(key, watermark);
    const after = this.getAggregatedWatermark();
    return after === before ? undefined : after;
  }

  /** Without any watermark yet: the lowest possible one. */
  getAggregatedWatermark(): number {
    if (this.watermarks.size === 0) return Watermark.UNINITIALIZED.timestamp;
    let min = Number.POSITIVE_INFINITY;
    for (const w of this.watermarks.values()) if (w < min) min = w;
    return min;
  }

  keys(): IterableIterator<K> {
    return this.watermarks.keys();
  }
}

const GROUP_KEY_PREFIX = 'watermark-alignment-group:';

export class WatermarkAlignmentCoordinator {
  readonly params: WatermarkAlignmentParams;
  private readonly combinedWatermark = new WatermarkAggregator<number>();
  private readonly group: WatermarkAggregator<object>;
  /** This source's key in the group (identity, so that equally named sources do not collide). */
  private readonly sourceKey: object;
  private readonly announce: (subtask: number, maxAllowedWatermark: number) => void;

  constructor(params: WatermarkAlignmentParams, store: CoordinatorStore, sourceKey: object, announce: (subtask: number, maxAllowedWatermark: number) => void) {
    this.params = params;
    this.sourceKey = sourceKey;
    this.announce = announce;
    this.group = store.computeIfAbsent(GROUP_KEY_PREFIX + params.getWatermarkGroup(), () => new WatermarkAggregator<object>());
  }

  handleReportedWatermark(subtask: number, watermark: number): void {
    const combined = this.combinedWatermark.aggregate(subtask, watermark);
    if (combined !== undefined) this.group.aggregate(this.sourceKey, combined);
  }

  /** The group's minimum plus the drift, to every reader of this source that has reported. */
  announceCombinedWatermark(): void {
    const global = this.group.getAggregatedWatermark();
    // An idle or finished group reports the maximum: adding the drift must not go past it.
    const maxAllowed = Math.min(global + this.params.getMaxAllowedWatermarkDrift(), Watermark.MAX_WATERMARK.timestamp);
    for (const subtask of this.combinedWatermark.keys()) this.announce(subtask, maxAllowed);
  }

  /** The group's current minimum (for tests and metrics). */
  groupWatermark(): number {
    return this.group.getAggregatedWatermark();
  }
}
