/*
 * Fakes for split-based source tests: an enumerator context that records assignments, a reader
 * context that counts split requests, and a reader output that collects records.
 */
import type { ReaderOutput, SourceReaderContext, SourceSplit, SplitEnumeratorContext } from '../../../../src/connector/source/source.ts';
import { MetricGroup } from '../../../../src/runtime/metrics/metric-group.ts';

export class RecordingEnumeratorContext<Split extends SourceSplit> implements SplitEnumeratorContext<Split> {
  readonly parallelism: number;
  readonly assigned: { subtask: number; split: Split }[] = [];
  readonly noMoreSplits: number[] = [];

  constructor(parallelism: number) {
    this.parallelism = parallelism;
  }

  currentParallelism(): number {
    return this.parallelism;
  }
  registeredReaders(): ReadonlyMap<number, { subtaskId: number; location: string }> {
    return new Map();
  }
  assignSplit(split: Split, subtask: number): void {
    this.assigned.push({ subtask, split });
  }
  assignSplits(assignment: ReadonlyMap<number, Split[]> | Record<number, Split[]>): void {
    const entries = assignment instanceof Map ? [...assignment] : Object.entries(assignment).map(([k, v]) => [Number(k), v] as const);
    for (const [subtask, splits] of entries) for (const split of splits as Split[]) this.assignSplit(split, subtask as number);
  }
  signalNoMoreSplits(subtask: number): void {
    this.noMoreSplits.push(subtask);
  }
  sendEventToSourceReader(): void {}
  callAsync(): void {}
  runInCoordinatorThread(action: () => void): void {
    action();
  }
  metricGroup(): MetricGroup {
    return new MetricGroup();
  }
}

export class CountingReaderContext implements SourceReaderContext {
  splitRequests = 0;
  getIndexOfSubtask(): number {
    return 0;
  }
  currentParallelism(): number {
    return 1;
  }
  sendSplitRequest(): void {
    this.splitRequests++;
  }
  sendSourceEventToCoordinator(): void {}
  metricGroup(): MetricGroup {
    return new MetricGroup();
  }
}

export class CollectingReaderOutput<T> implements ReaderOutput<T> {
  readonly records: T[] = [];
  readonly timestamps: (number | undefined)[] = [];
  collect(record: T, timestamp?: number): void {
    this.records.push(record);
    this.timestamps.push(timestamp);
  }
  emitWatermark(): void {}
  markIdle(): void {}
  markActive(): void {}
  createOutputForSplit(): this {
    return this;
  }
  releaseOutputForSplit(): void {}
}

/** Whether `promise` has settled after pending callbacks ran. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise<void>((r) => setImmediate(r));
  return settled;
}
