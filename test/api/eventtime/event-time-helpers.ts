/*
 * Helpers for end-to-end event-time tests: a split-based source whose splits emit exactly what
 * the test pushes (records, idleness, end), each split through its own split output, and a keyed
 * process function that registers an event-time timer at every record's timestamp and logs each
 * timer with the watermark that fired it, which is how the tests watch watermarks move.
 */
import {
  Boundedness,
  InputStatus,
  JsonSplitSerializer,
  KeyedProcessFunction,
  Watermark,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type ReaderOutput,
  type Source,
  type SourceOutput,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from 'flink-ts';

export interface Item {
  readonly split: string;
  readonly key: string;
  readonly ts: number;
}

type Command = { readonly kind: 'record'; readonly item: Item } | { readonly kind: 'idle' } | { readonly kind: 'end' };

export class GatedSplit {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }
  splitId(): string {
    return this.id;
  }
}

/**
 * The splits (by id) and which subtask reads each; the test pushes into them while the job runs.
 * Records carry their timestamp (collect(item, ts)), so strategies need no assigner.
 */
export class GatedSource implements Source<Item, GatedSplit, null> {
  readonly splitIds: readonly string[];
  private readonly subtaskOf: (splitIndex: number, parallelism: number) => number;
  private readonly queues = new Map<string, Command[]>();
  private waiters: (() => void)[] = [];
  /** Every record each split emitted, in order (what the readers handed to their outputs). */
  readonly emitted: Item[] = [];

  constructor(splitIds: readonly string[], subtaskOf: (splitIndex: number, parallelism: number) => number = (i, p) => i % p) {
    this.splitIds = splitIds;
    this.subtaskOf = subtaskOf;
    for (const id of splitIds) this.queues.set(id, []);
  }

  push(split: string, ...timestamps: number[]): this {
    for (const ts of timestamps) this.enqueue(split, { kind: 'record', item: { split, key: `${split}-${ts}`, ts } });
    return this;
  }

  idle(split: string): this {
    return this.enqueue(split, { kind: 'idle' });
  }

  end(...splits: string[]): this {
    for (const split of splits.length === 0 ? this.splitIds : splits) this.enqueue(split, { kind: 'end' });
    return this;
  }

  private enqueue(split: string, command: Command): this {
    const queue = this.queues.get(split);
    if (queue === undefined) throw new Error(`unknown split ${split}`);
    queue.push(command);
    this.wake();
    return this;
  }

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  hasQueued(split: string): boolean {
    return this.queues.get(split)!.length > 0;
  }

  /** Takes the next command of a split, if any. */
  next(split: string): Command | undefined {
    return this.queues.get(split)!.shift();
  }

  whenPushed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  getBoundedness(): Boundedness {
    return Boundedness.CONTINUOUS_UNBOUNDED;
  }

  createEnumerator(context: SplitEnumeratorContext<GatedSplit>): SplitEnumerator<GatedSplit, null> {
    const splitIds = this.splitIds;
    const subtaskOf = this.subtaskOf;
    return {
      start() {},
      handleSplitRequest() {},
      addSplitsBack() {},
      addReader(subtask: number) {
        const p = context.currentParallelism();
        const mine = splitIds.filter((_, i) => subtaskOf(i, p) === subtask).map((id) => new GatedSplit(id));
        if (mine.length > 0) context.assignSplits(new Map([[subtask, mine]]));
        context.signalNoMoreSplits(subtask);
      },
      snapshotState: () => null,
      close() {},
    };
  }

  restoreEnumerator(context: SplitEnumeratorContext<GatedSplit>): SplitEnumerator<GatedSplit, null> {
    return this.createEnumerator(context);
  }

  createReader(_context: SourceReaderContext): SourceReader<Item, GatedSplit> {
    return new GatedReader(this);
  }

  getSplitSerializer(): JsonSplitSerializer<GatedSplit> {
    return new JsonSplitSerializer((json: { id: string }) => new GatedSplit(json.id));
  }

  getEnumeratorCheckpointSerializer(): JsonSplitSerializer<null> {
    return new JsonSplitSerializer(() => null);
  }
}

/** Emits every queued command of its splits on each poll, split by split, through split outputs. */
class GatedReader implements SourceReader<Item, GatedSplit> {
  private readonly source: GatedSource;
  private readonly splits: string[] = [];
  private noMoreSplits = false;

  constructor(source: GatedSource) {
    this.source = source;
  }

  start(): void {}

  pollNext(output: ReaderOutput<Item>): InputStatus {
    let emitted = false;
    for (const split of [...this.splits]) {
      const out: SourceOutput<Item> = output.createOutputForSplit(split);
      for (let command = this.source.next(split); command !== undefined; command = this.source.next(split)) {
        emitted = true;
        if (command.kind === 'record') {
          this.source.emitted.push(command.item);
          out.collect(command.item, command.item.ts);
        } else if (command.kind === 'idle') {
          out.markIdle();
        } else {
          output.releaseOutputForSplit(split);
          this.splits.splice(this.splits.indexOf(split), 1);
          break;
        }
      }
    }
    if (this.splits.length === 0 && this.noMoreSplits) return InputStatus.END_OF_INPUT;
    return emitted ? InputStatus.MORE_AVAILABLE : InputStatus.NOTHING_AVAILABLE;
  }

  isAvailable(): Promise<void> {
    if (this.noMoreSplits && this.splits.length === 0) return Promise.resolve();
    if (this.splits.some((s) => this.source.hasQueued(s))) return Promise.resolve();
    return this.source.whenPushed();
  }

  addSplits(splits: GatedSplit[]): void {
    this.splits.push(...splits.map((s) => s.id));
    this.source.wake();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.source.wake();
  }

  snapshotState(): GatedSplit[] {
    return this.splits.map((id) => new GatedSplit(id));
  }

  close(): void {}
}

export const MAX = Watermark.MAX_WATERMARK.timestamp;

/** "ts@watermark" for a timer; "MAX" for the final watermark. */
export function fired(ts: number, watermark: number): string {
  return `${ts}@${watermark === MAX ? 'MAX' : watermark}`;
}

/**
 * Registers an event-time timer at each record's timestamp; logs every timer as "ts@watermark"
 * (the watermark that fired it) into `log`, and the timestamps of the records it received into
 * `records`; both shared by all subtasks.
 */
export function timerRecorder<T extends { readonly key: string }>(log: string[], records: number[] = []): KeyedProcessFunction<string, T, never> {
  class TimerRecorder extends KeyedProcessFunction<string, T, never> {
    processElement(_value: T, ctx: KeyedProcessFunctionContext<string>): void {
      records.push(ctx.timestamp()!);
      ctx.timerService().registerEventTimeTimer(ctx.timestamp()!);
    }
    override onTimer(timestamp: number, ctx: KeyedOnTimerContext<string>): void {
      log.push(fired(timestamp, ctx.timerService().currentWatermark()));
    }
  }
  return new TimerRecorder();
}
