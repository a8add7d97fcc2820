/*
 * The split-based Source API (Flink's FLIP-27): a Source creates a SplitEnumerator on the
 * coordinator side, which discovers splits and assigns them, and a SourceReader per subtask,
 * which reads the splits it is given. Splits and enumerator state are serializable, so they can be
 * checkpointed and moved between processes.
 */
import type { Watermark } from '../../api/common/watermark.ts';
import type { MetricGroup } from '../../runtime/metrics/metric-group.ts';

export const Boundedness = { BOUNDED: 'BOUNDED', CONTINUOUS_UNBOUNDED: 'CONTINUOUS_UNBOUNDED' } as const;
export type Boundedness = (typeof Boundedness)[keyof typeof Boundedness];

export const InputStatus = { MORE_AVAILABLE: 'MORE_AVAILABLE', NOTHING_AVAILABLE: 'NOTHING_AVAILABLE', END_OF_INPUT: 'END_OF_INPUT' } as const;
export type InputStatus = (typeof InputStatus)[keyof typeof InputStatus];

export interface SourceSplit {
  splitId(): string;
}

/** Serializes splits and enumerator checkpoints with a version, so old checkpoints stay readable. */
export interface SimpleVersionedSerializer<T> {
  getVersion(): number;
  serialize(value: T): Uint8Array;
  deserialize(version: number, serialized: Uint8Array): T;
}

/** Where a reader emits the records (and, if it wants, watermarks) of one split or of all. */
export interface SourceOutput<T> {
  /** Emits a record; the timestamp is optional (event time). */
  collect(record: T, timestamp?: number): void;
  emitWatermark(watermark: Watermark | number): void;
  markIdle(): void;
  markActive(): void;
}

/**
 * The reader's output. Records emitted here share one watermark generator; a reader that reads
 * several splits may instead emit each split's records on the split's own output, so that every
 * split has its own generator and the reader's watermark is the minimum over its active splits.
 */
export interface ReaderOutput<T> extends SourceOutput<T> {
  /** The output of one split (created on first use; the same object on later calls). */
  createOutputForSplit(splitId: string): SourceOutput<T>;
  /** The split is finished: its watermark no longer holds the reader's back. */
  releaseOutputForSplit(splitId: string): void;
}

export interface SourceReaderContext {
  getIndexOfSubtask(): number;
  currentParallelism(): number;
  /** Asks the enumerator for a split (the enumerator's handleSplitRequest is called). */
  sendSplitRequest(): void;
  sendSourceEventToCoordinator(event: unknown): void;
  metricGroup(): MetricGroup;
}

export interface SourceReader<T, Split extends SourceSplit> {
  start(): void | Promise<void>;
  /** Emits available records (any number) and tells whether more are available right away. */
  pollNext(output: ReaderOutput<T>): InputStatus;
  /** Resolves when pollNext may have data again after it returned NOTHING_AVAILABLE. */
  isAvailable(): Promise<void>;
  addSplits(splits: Split[]): void;
  notifyNoMoreSplits(): void;
  snapshotState(checkpointId: number): Split[];
  handleSourceEvents?(event: unknown): void;
  /** Stops or resumes reading these splits (watermark alignment of splits); optional. */
  pauseOrResumeSplits?(splitsToPause: readonly string[], splitsToResume: readonly string[]): void;
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  close(): void | Promise<void>;
}

export interface ReaderInfo {
  readonly subtaskId: number;
  readonly location: string;
}

export interface SplitEnumeratorContext<Split extends SourceSplit> {
  currentParallelism(): number;
  registeredReaders(): ReadonlyMap<number, ReaderInfo>;
  assignSplit(split: Split, subtaskId: number): void;
  assignSplits(assignment: ReadonlyMap<number, Split[]> | Record<number, Split[]>): void;
  signalNoMoreSplits(subtaskId: number): void;
  sendEventToSourceReader(subtaskId: number, event: unknown): void;
  /** Runs `callable` off the enumerator's path (once, or every `periodMs`), then `handler` on it. */
  callAsync<R>(callable: () => R | Promise<R>, handler: (result: R | undefined, error: unknown) => void, initialDelayMs?: number, periodMs?: number): void;
  runInCoordinatorThread(action: () => void): void;
  metricGroup(): MetricGroup;
}

export interface SplitEnumerator<Split extends SourceSplit, EnumState> {
  start(): void | Promise<void>;
  handleSplitRequest(subtaskId: number, requesterHostname: string | null): void;
  addSplitsBack(splits: Split[], subtaskId: number): void;
  addReader(subtaskId: number): void;
  snapshotState(checkpointId: number): EnumState | Promise<EnumState>;
  handleSourceEvent?(subtaskId: number, event: unknown): void;
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  close(): void | Promise<void>;
}

export interface Source<T, Split extends SourceSplit, EnumState> {
  getBoundedness(): Boundedness;
  createEnumerator(context: SplitEnumeratorContext<Split>): SplitEnumerator<Split, EnumState>;
  restoreEnumerator(context: SplitEnumeratorContext<Split>, checkpoint: EnumState): SplitEnumerator<Split, EnumState>;
  createReader(context: SourceReaderContext): SourceReader<T, Split>;
  getSplitSerializer(): SimpleVersionedSerializer<Split>;
  getEnumeratorCheckpointSerializer(): SimpleVersionedSerializer<EnumState>;
}
