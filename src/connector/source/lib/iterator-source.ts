/*
 * Shared parts of sources whose splits are known up front and read front to back (number
 * sequences, collections): an enumerator that hands out the next split on request (Flink's
 * IteratorSourceEnumerator) and a reader that requests splits one at a time and emits a bounded
 * number of records per poll (Flink's IteratorSourceReader).
 */
import { InputStatus, type ReaderOutput, type SourceReader, type SourceReaderContext, type SourceSplit, type SplitEnumerator, type SplitEnumeratorContext, type SimpleVersionedSerializer } from '../source.ts';

/** Records a reader emits per pollNext, so one poll never monopolises its task. */
export const RECORDS_PER_POLL = 512;

export class IteratorSourceEnumerator<Split extends SourceSplit> implements SplitEnumerator<Split, Split[]> {
  private readonly context: SplitEnumeratorContext<Split>;
  private readonly remaining: Split[];

  constructor(context: SplitEnumeratorContext<Split>, splits: Split[]) {
    this.context = context;
    this.remaining = [...splits];
  }

  start(): void {}

  handleSplitRequest(subtaskId: number): void {
    const next = this.remaining.shift();
    if (next !== undefined) this.context.assignSplit(next, subtaskId);
    else this.context.signalNoMoreSplits(subtaskId);
  }

  addSplitsBack(splits: Split[]): void {
    this.remaining.unshift(...splits);
  }

  addReader(): void {}

  snapshotState(): Split[] {
    return [...this.remaining];
  }

  close(): void {}
}

export abstract class IteratorSourceReader<T, Split extends SourceSplit> implements SourceReader<T, Split> {
  protected readonly context: SourceReaderContext;
  private readonly assigned: Split[] = [];
  private current: Split | null = null;
  private noMoreSplits = false;
  private availability: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(context: SourceReaderContext) {
    this.context = context;
  }

  /** Emits up to `max` records of `split`, advancing its position; true when the split is done. */
  protected abstract emitFromSplit(split: Split, output: ReaderOutput<T>, max: number): boolean;

  start(): void {
    this.context.sendSplitRequest();
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.current === null) {
      const next = this.assigned.shift();
      if (next === undefined) return this.noMoreSplits ? InputStatus.END_OF_INPUT : InputStatus.NOTHING_AVAILABLE;
      this.current = next;
    }
    if (this.emitFromSplit(this.current, output, RECORDS_PER_POLL)) {
      this.current = null;
      if (this.assigned.length === 0 && !this.noMoreSplits) this.context.sendSplitRequest();
    }
    return InputStatus.MORE_AVAILABLE;
  }

  isAvailable(): Promise<void> {
    if (this.current !== null || this.assigned.length > 0 || this.noMoreSplits) return Promise.resolve();
    if (this.availability === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.availability = { promise, resolve };
    }
    return this.availability.promise;
  }

  private signalAvailable(): void {
    const a = this.availability;
    this.availability = null;
    a?.resolve();
  }

  addSplits(splits: Split[]): void {
    this.assigned.push(...splits);
    this.signalAvailable();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.signalAvailable();
  }

  snapshotState(): Split[] {
    return this.current === null ? [...this.assigned] : [this.current, ...this.assigned];
  }

  close(): void {}
}

/** Serializes splits as versioned JSON: good for small, plain split descriptions. */
export class JsonSplitSerializer<T> implements SimpleVersionedSerializer<T> {
  private readonly revive: (json: any) => T;

  constructor(revive: (json: any) => T) {
    this.revive = revive;
  }

  getVersion(): number {
    return 1;
  }

  serialize(value: T): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(value));
  }

  deserialize(version: number, serialized: Uint8Array): T {
    if (version !== 1) throw new Error(`Cannot read a split serialized with version ${version}; this reader knows version 1`);
    return this.revive(JSON.parse(new TextDecoder().decode(serialized)));
  }
}
