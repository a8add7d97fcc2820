/*
 * StreamSource: the operator at the head of a chain that runs a SourceFunction. The function's
 * run() loop is started outside the task's steps; what it emits goes straight into the chain.
 * Emission marks the task as busy, so that a burst that fills the output lets the consumers run
 * synchronously instead of buffering without bound.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { NO_TIMESTAMP, Watermark } from '../../api/common/watermark.ts';
import type { SourceContext, SourceFunction } from '../../api/functions/source-function.ts';
import { WatermarkStatus } from '../io/stream-events.ts';
import { AbstractStreamOperator } from './stream-operator.ts';
import { initializeUserFunctionState } from '../state/operator/function-state.ts';

/** What the source needs of its task while it emits. */
export interface SourceEmissionGuard {
  beginEmit(): void;
  endEmit(): void;
  isRunning(): boolean;
  isOutputAvailable(): boolean;
  whenOutputAvailable(): Promise<void>;
}

const RESOLVED = Promise.resolve();

export class StreamSource<T> extends AbstractStreamOperator<T> {
  readonly userFunction: SourceFunction<T>;
  private idle = false;
  private canceled = false;
  /** Records the function emitted (the source vertex's records in). */
  numRecordsOut = 0;

  constructor(userFunction: SourceFunction<T>) {
    super();
    this.userFunction = userFunction;
  }

  override async open(): Promise<void> {
    const fn = this.userFunction;
    try {
      fn.setRuntimeContext?.(this.runtimeContext);
      // A CheckpointedFunction source (Flink's classic counting source) gets its state before open().
      await initializeUserFunctionState(this, fn, this.runtimeContext, false);
      await fn.open?.(this.runtimeContext);
    } catch (e) {
      throw this.userError(e, 'opening');
    }
  }

  override async close(): Promise<void> {
    try {
      await this.userFunction.close?.();
    } catch (e) {
      throw this.userError(e, 'closing');
    }
  }

  async run(guard: SourceEmissionGuard): Promise<void> {
    const output = this.output;
    const lock = {};
    const emit = (element: T, timestamp: number): void => {
      if (!guard.isRunning()) {
        throw new FlinkError(ErrorCodes.FLINK_TS_JOB_CANCELLED, `Source '${this.operatorName}' emitted after its task stopped running`);
      }
      guard.beginEmit();
      try {
        if (this.idle) this.markActive();
        this.numRecordsOut++;
        output.collect(element, timestamp);
      } finally {
        guard.endEmit();
      }
    };
    const ctx: SourceContext<T> = {
      collect: (element) => emit(element, NO_TIMESTAMP),
      collectWithTimestamp: (element, timestamp) => emit(element, timestamp),
      collectAsync: (element) => {
        if (guard.isOutputAvailable()) {
          emit(element, NO_TIMESTAMP);
          return RESOLVED;
        }
        return guard.whenOutputAvailable().then(() => emit(element, NO_TIMESTAMP));
      },
      emitWatermark: (mark: Watermark) => {
        guard.beginEmit();
        try {
          this.markActive();
          output.emitWatermark(mark);
        } finally {
          guard.endEmit();
        }
      },
      markAsTemporarilyIdle: () => {
        if (!this.idle) {
          this.idle = true;
          output.emitWatermarkStatus(WatermarkStatus.IDLE);
        }
      },
      get processingTime() {
        return Date.now();
      },
      getCheckpointLock: () => lock,
    };
    try {
      await this.userFunction.run(ctx);
    } catch (e) {
      if (this.canceled) return;
      if (FlinkError.isFlinkError(e)) throw e;
      throw this.userError(e, 'running the source function');
    }
  }

  isCanceled(): boolean {
    return this.canceled;
  }

  cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    try {
      this.userFunction.cancel();
    } catch {
      // cancel() is best effort; the task stops regardless.
    }
  }

  private markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.output.emitWatermarkStatus(WatermarkStatus.ACTIVE);
  }

  /** After run() returned: the source's event time ends, as Flink's StreamSource does. */
  emitFinalWatermark(): void {
    this.markActive();
    this.output.emitWatermark(Watermark.MAX_WATERMARK);
  }
}
