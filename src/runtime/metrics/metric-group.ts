/*
 * Metric groups as Flink exposes them to user functions and to the runtime: counters, gauges and
 * meters registered under a scope (job, task, subtask, operator). The network and cluster layers
 * read them for `jobClient.getMetrics()` and the Prometheus endpoint.
 */

export interface Counter {
  inc(n?: number): void;
  dec(n?: number): void;
  getCount(): number;
}

export interface Gauge<T> {
  getValue(): T;
}

export interface Meter {
  markEvent(n?: number): void;
  getRate(): number;
  getCount(): number;
}

export class SimpleCounter implements Counter {
  private count = 0;
  inc(n = 1): void {
    this.count += n;
  }
  dec(n = 1): void {
    this.count -= n;
  }
  getCount(): number {
    return this.count;
  }
}

/** Rate over the last `timeSpanSeconds`, as Flink's MeterView (sampled when read). */
export class MeterView implements Meter {
  private readonly counter: Counter;
  private readonly timeSpanMs: number;
  private samples: { time: number; count: number }[] = [];

  constructor(counter: Counter = new SimpleCounter(), timeSpanSeconds = 60) {
    this.counter = counter;
    this.timeSpanMs = timeSpanSeconds * 1000;
    this.samples.push({ time: performance.now(), count: counter.getCount() });
  }
  markEvent(n = 1): void {
    this.counter.inc(n);
  }
  getCount(): number {
    return this.counter.getCount();
  }
  getRate(): number {
    const now = performance.now();
    const count = this.counter.getCount();
    this.samples.push({ time: now, count });
    while (this.samples.length > 2 && now - this.samples[1]!.time >= this.timeSpanMs) this.samples.shift();
    const first = this.samples[0]!;
    const elapsed = now - first.time;
    return elapsed <= 0 ? 0 : ((count - first.count) * 1000) / elapsed;
  }
}

export type MetricValue = Counter | Gauge<unknown> | Meter;

export class MetricGroup {
  readonly scope: readonly string[];
  private readonly metrics = new Map<string, MetricValue>();
  private readonly groups = new Map<string, MetricGroup>();

  constructor(scope: readonly string[] = []) {
    this.scope = scope;
  }

  counter(name: string, counter: Counter = new SimpleCounter()): Counter {
    const existing = this.metrics.get(name);
    if (existing !== undefined) return existing as Counter;
    this.metrics.set(name, counter);
    return counter;
  }

  gauge<T>(name: string, gauge: Gauge<T> | (() => T)): Gauge<T> {
    const g: Gauge<T> = typeof gauge === 'function' ? { getValue: gauge } : gauge;
    this.metrics.set(name, g);
    return g;
  }

  meter(name: string, meter: Meter = new MeterView()): Meter {
    const existing = this.metrics.get(name);
    if (existing !== undefined) return existing as Meter;
    this.metrics.set(name, meter);
    return meter;
  }

  addGroup(name: string): MetricGroup {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = new MetricGroup([...this.scope, name]);
      this.groups.set(name, group);
    }
    return group;
  }

  /** Current values of this group's metrics (not of sub-groups), by name. */
  snapshot(): Record<string, number | unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, metric] of this.metrics) {
      if ('getRate' in metric) out[name] = metric.getRate();
      else if ('getCount' in metric) out[name] = metric.getCount();
      else out[name] = metric.getValue();
    }
    return out;
  }

  /** Every metric of this group and its sub-groups, keyed by its dotted path below this group. */
  snapshotAll(prefix = ''): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this.snapshot())) out[prefix + name] = value;
    for (const [name, group] of this.groups) Object.assign(out, group.snapshotAll(`${prefix}${name}.`));
    return out;
  }
}
