/*
 * Tests of metric groups: counters, gauges and meters registered by name, nested groups with
 * their scope, and snapshots keyed by dotted path; MeterView's rate over its time span.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MeterView, MetricGroup, SimpleCounter } from '../../../src/runtime/metrics/metric-group.ts';

describe('SimpleCounter', () => {
  it('counts up and down', () => {
    const c = new SimpleCounter();
    c.inc();
    c.inc(5);
    c.dec();
    c.dec(2);
    assert.equal(c.getCount(), 3);
  });
});

describe('MeterView', () => {
  it('measures the rate of events per second since the first sample', (t) => {
    let now = 1_000;
    t.mock.method(performance, 'now', () => now);
    const m = new MeterView(new SimpleCounter(), 60);
    m.markEvent(10);
    now += 2_000;
    m.markEvent(10);
    assert.equal(m.getCount(), 20);
    assert.equal(m.getRate(), 10);
  });

  it('returns 0 before any time has passed', (t) => {
    t.mock.method(performance, 'now', () => 5);
    const m = new MeterView();
    m.markEvent();
    assert.equal(m.getRate(), 0);
  });

  it('forgets samples older than its time span', (t) => {
    let now = 0;
    t.mock.method(performance, 'now', () => now);
    const m = new MeterView(new SimpleCounter(), 1);
    m.markEvent(100);
    now = 500;
    m.getRate();
    now = 2_000;
    m.getRate(); // the sample at 0 ends up beyond the 1 s span and is dropped
    now = 3_000;
    m.markEvent(10);
    // Measured from the sample at 2 s (count 100): 10 events in 1 s.
    assert.equal(m.getRate(), 10);
  });

  it('counts on a given counter', () => {
    const counter = new SimpleCounter();
    counter.inc(7);
    const m = new MeterView(counter);
    m.markEvent(3);
    assert.equal(counter.getCount(), 10);
    assert.equal(m.getCount(), 10);
  });
});

describe('MetricGroup', () => {
  it('returns the registered counter or meter when one with the name exists', () => {
    const g = new MetricGroup(['job']);
    const c = g.counter('records');
    assert.equal(g.counter('records'), c);
    const own = new SimpleCounter();
    assert.equal(g.counter('records', own), c);
    const m = g.meter('rate');
    assert.equal(g.meter('rate'), m);
  });

  it('accepts gauges as objects or functions', () => {
    const g = new MetricGroup();
    let value = 1;
    const gauge = g.gauge('fn', () => value);
    g.gauge('obj', { getValue: () => 'x' });
    value = 2;
    assert.equal(gauge.getValue(), 2);
    assert.deepEqual(g.snapshot(), { fn: 2, obj: 'x' });
  });

  it('nests groups with their scope and reuses a group by name', () => {
    const root = new MetricGroup(['job']);
    const task = root.addGroup('task');
    assert.deepEqual(task.scope, ['job', 'task']);
    assert.equal(root.addGroup('task'), task);
    assert.deepEqual(task.addGroup('0').scope, ['job', 'task', '0']);
  });

  it('snapshots values: counts for counters, rates for meters, values for gauges', (t) => {
    t.mock.method(performance, 'now', () => 0);
    const g = new MetricGroup();
    g.counter('c').inc(4);
    g.meter('m').markEvent(2);
    g.gauge('g', () => 'up');
    assert.deepEqual(g.snapshot(), { c: 4, m: 0, g: 'up' });
  });

  it('snapshotAll keys sub-group metrics by their dotted path', () => {
    const root = new MetricGroup(['job']);
    root.counter('top').inc();
    const op = root.addGroup('Map');
    op.counter('seen').inc(3);
    op.addGroup('inner').gauge('depth', () => 2);
    assert.deepEqual(root.snapshotAll(), { top: 1, 'Map.seen': 3, 'Map.inner.depth': 2 });
    assert.deepEqual(op.snapshotAll('x.'), { 'x.seen': 3, 'x.inner.depth': 2 });
  });
});
