/*
 * FromElementsSource: a fixed list of elements as a bounded, non-parallel source (Flink's
 * FromElementsSource behind `fromElements` and `fromCollection`). The split records its position,
 * not the elements, so it stays small when checkpointed.
 */
import { Boundedness, type ReaderOutput, type Source, type SourceReader, type SourceReaderContext, type SourceSplit, type SplitEnumerator, type SplitEnumeratorContext } from '../source.ts';
import { IteratorSourceEnumerator, IteratorSourceReader, JsonSplitSerializer } from './iterator-source.ts';

export class ElementsSplit implements SourceSplit {
  /** Index of the next element to emit. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  splitId(): string {
    return '0';
  }

  toJSON(): { offset: number } {
    return { offset: this.offset };
  }
}

class ElementsReader<T> extends IteratorSourceReader<T, ElementsSplit> {
  private readonly elements: readonly T[];

  constructor(context: SourceReaderContext, elements: readonly T[]) {
    super(context);
    this.elements = elements;
  }

  protected emitFromSplit(split: ElementsSplit, output: ReaderOutput<T>, max: number): boolean {
    const elements = this.elements;
    const end = Math.min(elements.length, split.offset + max);
    let i = split.offset;
    for (; i < end; i++) output.collect(elements[i]!);
    split.offset = i;
    return i >= elements.length;
  }
}

export class FromElementsSource<T> implements Source<T, ElementsSplit, ElementsSplit[]> {
  readonly elements: readonly T[];

  constructor(elements: readonly T[]) {
    this.elements = elements;
  }

  getBoundedness(): Boundedness {
    return Boundedness.BOUNDED;
  }

  createEnumerator(context: SplitEnumeratorContext<ElementsSplit>): SplitEnumerator<ElementsSplit, ElementsSplit[]> {
    return new IteratorSourceEnumerator(context, this.elements.length === 0 ? [] : [new ElementsSplit(0)]);
  }

  restoreEnumerator(context: SplitEnumeratorContext<ElementsSplit>, checkpoint: ElementsSplit[]): SplitEnumerator<ElementsSplit, ElementsSplit[]> {
    return new IteratorSourceEnumerator(context, checkpoint);
  }

  createReader(context: SourceReaderContext): SourceReader<T, ElementsSplit> {
    return new ElementsReader(context, this.elements);
  }

  getSplitSerializer(): JsonSplitSerializer<ElementsSplit> {
    return new JsonSplitSerializer((j) => new ElementsSplit(j.offset));
  }

  getEnumeratorCheckpointSerializer(): JsonSplitSerializer<ElementsSplit[]> {
    return new JsonSplitSerializer((j: any[]) => j.map((s) => new ElementsSplit(s.offset)));
  }
}
