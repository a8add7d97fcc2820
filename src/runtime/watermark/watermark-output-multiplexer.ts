/*
 * WatermarkOutputMultiplexer: combines the watermarks and idleness of several outputs (one per
 * source split) into one, as Flink's: the combined watermark is the minimum over the outputs that
 * are not idle, it only moves forward, and when every output is idle the combined output is idle.
 * An immediate output (what a generator emits on an event) may move the combined watermark right
 * away; a deferred output (periodic emits) only records its watermark until onPeriodicEmit(), so
 * that one periodic round over all splits yields at most one combined watermark.
 */
import { Watermark } from '../../api/common/watermark.ts';
import type { WatermarkOutput } from '../../api/eventtime/watermark-generator.ts';

/** Told when one output's own watermark rises or its idleness changes. */
export interface PartialWatermarkListener {
  onWatermarkUpdate(watermark: number): void;
  onIdleUpdate(idle: boolean): void;
}

const NO_LISTENER: PartialWatermarkListener = { onWatermarkUpdate() {}, onIdleUpdate() {} };

class PartialWatermark {
  watermark = Number.MIN_SAFE_INTEGER;
  idle = false;
  private readonly listener: PartialWatermarkListener;

  constructor(listener: PartialWatermarkListener) {
    this.listener = listener;
  }

  /** Setting a watermark ends idleness; true when the watermark rose. */
  setWatermark(watermark: number): boolean {
    this.setIdle(false);
    if (watermark <= this.watermark) return false;
    this.watermark = watermark;
    this.listener.onWatermarkUpdate(watermark);
    return true;
  }

  setIdle(idle: boolean): void {
    if (this.idle === idle) return;
    this.idle = idle;
    this.listener.onIdleUpdate(idle);
  }
}

export class WatermarkOutputMultiplexer {
  private readonly underlying: WatermarkOutput;
  private readonly partials = new Map<string, PartialWatermark>();
  private combinedWatermark = Number.MIN_SAFE_INTEGER;
  private combinedIdle = false;

  constructor(underlying: WatermarkOutput) {
    this.underlying = underlying;
  }

  registerNewOutput(id: string, listener: PartialWatermarkListener = NO_LISTENER): void {
    if (this.partials.has(id)) throw new Error(`Already contains an output for ID ${id}`);
    this.partials.set(id, new PartialWatermark(listener));
  }

  unregisterOutput(id: string): boolean {
    return this.partials.delete(id);
  }

  getImmediateOutput(id: string): WatermarkOutput {
    const state = this.state(id);
    return {
      emitWatermark: (watermark) => {
        const ts = watermark.timestamp;
        if (state.setWatermark(ts) && ts > this.combinedWatermark) this.updateCombinedWatermark();
      },
      // Either can move the combined watermark: we do not know whether this output held it back.
      markIdle: () => {
        state.setIdle(true);
        this.updateCombinedWatermark();
      },
      markActive: () => {
        state.setIdle(false);
        this.updateCombinedWatermark();
      },
    };
  }

  getDeferredOutput(id: string): WatermarkOutput {
    const state = this.state(id);
    return {
      emitWatermark: (watermark) => void state.setWatermark(watermark.timestamp),
      markIdle: () => state.setIdle(true),
      markActive: () => state.setIdle(false),
    };
  }

  /** Combines the deferred updates of a periodic round. */
  onPeriodicEmit(): void {
    this.updateCombinedWatermark();
  }

  getCombinedWatermark(): number {
    return this.combinedWatermark;
  }

  isIdle(): boolean {
    return this.combinedIdle;
  }

  private state(id: string): PartialWatermark {
    const state = this.partials.get(id);
    if (state === undefined) throw new Error(`No output registered under id ${id}`);
    return state;
  }

  private updateCombinedWatermark(): void {
    // Without outputs there is no minimum, and the initial maximum must not be emitted.
    if (this.partials.size === 0) return;
    let min = Number.POSITIVE_INFINITY;
    let allIdle = true;
    for (const partial of this.partials.values()) {
      if (partial.idle) continue;
      allIdle = false;
      if (partial.watermark < min) min = partial.watermark;
    }
    this.combinedIdle = allIdle;
    if (!allIdle && min > this.combinedWatermark) {
      this.combinedWatermark = min;
      this.underlying.emitWatermark(min === Watermark.MAX_WATERMARK.timestamp ? Watermark.MAX_WATERMARK : new Watermark(min));
    } else if (allIdle) {
      this.underlying.markIdle();
    }
  }
}
