/*
 * NumberSequenceSource: the numbers from..to (inclusive), split into one range per subtask and read
 * in parallel, as Flink's NumberSequenceSource behind `env.fromSequence`.
 */
import { invalidPipeline } from '../../../errors.ts';
import { Boundedness, type ReaderOutput, type Source, type SourceReader, type SourceReaderContext, type SourceSplit, type SplitEnumerator, type SplitEnumeratorContext } from '../source.ts';
import { IteratorSourceEnumerator, IteratorSourceReader, JsonSplitSerializer } from './iterator-source.ts';

export class NumberSequenceSplit implements SourceSplit {
  readonly id: string;
  /** Next number to emit. */
  current: number;
  readonly to: number;

  constructor(id: string, from: number, to: number) {
    this.id = id;
    this.current = from;
    this.to = to;
  }

  splitId(): string {
    return this.id;
  }

  toJSON(): { id: string; current: number; to: number } {
    return { id: this.id, current: this.current, to: this.to };
  }
}

class NumberSequenceReader extends IteratorSourceReader<number, NumberSequenceSplit> {
  protected emitFromSplit(split: NumberSequenceSplit, output: ReaderOutput<number>, max: number): boolean {
    const end = Math.min(split.to, split.current + max - 1);
    let n = split.current;
    for (; n <= end; n++) output.collect(n);
    split.current = n;
    return n > split.to;
  }
}

export class NumberSequenceSource implements Source<number, NumberSequenceSplit, NumberSequenceSplit[]> {
  readonly from: number;
  readonly to: number;

  constructor(from: number, to: number) {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw invalidPipeline(`fromSequence needs safe integers, got ${from} and ${to}`);
    if (from > to) throw invalidPipeline(`fromSequence: start number ${from} must not be greater than end number ${to}`);
    this.from = from;
    this.to = to;
  }

  getBoundedness(): Boundedness {
    return Boundedness.BOUNDED;
  }

  createEnumerator(context: SplitEnumeratorContext<NumberSequenceSplit>): SplitEnumerator<NumberSequenceSplit, NumberSequenceSplit[]> {
    return new IteratorSourceEnumerator(context, this.splitNumberRange(context.currentParallelism()));
  }

  restoreEnumerator(context: SplitEnumeratorContext<NumberSequenceSplit>, checkpoint: NumberSequenceSplit[]): SplitEnumerator<NumberSequenceSplit, NumberSequenceSplit[]> {
    return new IteratorSourceEnumerator(context, checkpoint);
  }

  createReader(context: SourceReaderContext): SourceReader<number, NumberSequenceSplit> {
    return new NumberSequenceReader(context);
  }

  getSplitSerializer(): JsonSplitSerializer<NumberSequenceSplit> {
    return new JsonSplitSerializer((j) => new NumberSequenceSplit(j.id, j.current, j.to));
  }

  getEnumeratorCheckpointSerializer(): JsonSplitSerializer<NumberSequenceSplit[]> {
    return new JsonSplitSerializer((j: any[]) => j.map((s) => new NumberSequenceSplit(s.id, s.current, s.to)));
  }

  /** Flink's splitNumberRange: `numSplits` contiguous ranges whose sizes differ by at most one. */
  splitNumberRange(numSplits: number): NumberSequenceSplit[] {
    const total = this.to - this.from + 1;
    const splits: NumberSequenceSplit[] = [];
    const base = Math.floor(total / numSplits);
    const extra = total % numSplits;
    let start = this.from;
    for (let i = 0; i < numSplits && start <= this.to; i++) {
      const size = base + (i < extra ? 1 : 0);
      if (size === 0) continue;
      splits.push(new NumberSequenceSplit(String(i), start, start + size - 1));
      start += size;
    }
    return splits;
  }
}
