/*
 * Accumulators: values that user functions add to on every subtask and that the job merges into
 * its JobExecutionResult, as Flink's IntCounter, LongCounter, DoubleCounter, AverageAccumulator,
 * ListAccumulator and Histogram.
 */

export interface Accumulator<V, R> {
  add(value: V): void;
  getLocalValue(): R;
  resetLocal(): void;
  merge(other: Accumulator<V, R>): void;
  clone(): Accumulator<V, R>;
}

abstract class NumberCounter implements Accumulator<number, number> {
  protected value = 0;
  constructor(initial = 0) {
    this.value = initial;
  }
  add(value: number): void {
    this.value += value;
  }
  getLocalValue(): number {
    return this.value;
  }
  resetLocal(): void {
    this.value = 0;
  }
  merge(other: Accumulator<number, number>): void {
    this.value += other.getLocalValue();
  }
  abstract clone(): Accumulator<number, number>;
}

export class IntCounter extends NumberCounter {
  override add(value: number): void {
    this.value = (this.value + value) | 0;
  }
  override merge(other: Accumulator<number, number>): void {
    this.value = (this.value + other.getLocalValue()) | 0;
  }
  clone(): IntCounter {
    return new IntCounter(this.value);
  }
}

export class LongCounter extends NumberCounter {
  clone(): LongCounter {
    return new LongCounter(this.value);
  }
}

export class DoubleCounter extends NumberCounter {
  clone(): DoubleCounter {
    return new DoubleCounter(this.value);
  }
}

export class AverageAccumulator implements Accumulator<number, number> {
  private count = 0;
  private sum = 0;
  add(value: number): void {
    this.count++;
    this.sum += value;
  }
  getLocalValue(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
  resetLocal(): void {
    this.count = 0;
    this.sum = 0;
  }
  merge(other: Accumulator<number, number>): void {
    // As Flink: merging another kind of accumulator is an error, not something to skip silently.
    if (!(other instanceof AverageAccumulator)) throw new TypeError(`An AverageAccumulator cannot merge a ${other?.constructor?.name ?? typeof other}`);
    this.count += other.count;
    this.sum += other.sum;
  }
  clone(): AverageAccumulator {
    const copy = new AverageAccumulator();
    copy.count = this.count;
    copy.sum = this.sum;
    return copy;
  }
}

export class ListAccumulator<T> implements Accumulator<T, T[]> {
  private values: T[] = [];
  add(value: T): void {
    this.values.push(value);
  }
  getLocalValue(): T[] {
    return this.values;
  }
  resetLocal(): void {
    this.values = [];
  }
  merge(other: Accumulator<T, T[]>): void {
    this.values.push(...other.getLocalValue());
  }
  clone(): ListAccumulator<T> {
    const copy = new ListAccumulator<T>();
    copy.values = [...this.values];
    return copy;
  }
}

/** Counts occurrences of integer values, as Flink's Histogram accumulator. */
export class Histogram implements Accumulator<number, Map<number, number>> {
  private counts = new Map<number, number>();
  add(value: number): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }
  getLocalValue(): Map<number, number> {
    return this.counts;
  }
  resetLocal(): void {
    this.counts = new Map();
  }
  merge(other: Accumulator<number, Map<number, number>>): void {
    for (const [k, v] of other.getLocalValue()) this.counts.set(k, (this.counts.get(k) ?? 0) + v);
  }
  clone(): Histogram {
    const copy = new Histogram();
    copy.counts = new Map(this.counts);
    return copy;
  }
}
