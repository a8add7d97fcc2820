/*
 * Tests of TaskIOMetrics: steps count as busy and the time after them as back-pressured (also
 * while a throttle holds a source) or idle, time shares per second over a sampling window add up
 * to 1000, and Flink's back-pressure levels.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backPressureLevelOf, TaskIOMetrics, TaskTimeStatus, vertexTimeMetrics } from '../../../src/runtime/tasks/task-io-metrics.ts';

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('TaskIOMetrics', () => {
  it('levels follow Flink: ok <= 0.10 < low <= 0.5 < high', () => {
    assert.equal(backPressureLevelOf(0), 'ok');
    assert.equal(backPressureLevelOf(0.1), 'ok');
    assert.equal(backPressureLevelOf(0.11), 'low');
    assert.equal(backPressureLevelOf(0.5), 'low');
    assert.equal(backPressureLevelOf(0.51), 'high');
  });

  it('counts a step as busy and the time after it as back pressure without credit, else idle', () => {
    const m = new TaskIOMetrics();
    assert.equal(m.getStatus(), TaskTimeStatus.STOPPED);
    m.start();
    m.endStep(false);
    assert.equal(m.getStatus(), TaskTimeStatus.BACK_PRESSURED);
    m.beginStep();
    assert.equal(m.getStatus(), TaskTimeStatus.BUSY);
    m.endStep(true);
    assert.equal(m.getStatus(), TaskTimeStatus.IDLE);
    m.stop();
    m.transition(TaskTimeStatus.BUSY);
    assert.equal(m.getStatus(), TaskTimeStatus.STOPPED, 'a stopped task stays stopped');
  });

  it('reports shares per second over the window that add up to 1000', () => {
    const m = new TaskIOMetrics();
    m.start();
    spin(60);
    m.transition(TaskTimeStatus.IDLE);
    spin(60);
    m.transition(TaskTimeStatus.BACK_PRESSURED);
    spin(120);
    const s = m.sample(performance.now());
    assert.ok(Math.abs(s.busyTimeMsPerSecond + s.idleTimeMsPerSecond + s.backPressuredTimeMsPerSecond - 1000) < 1e-6);
    assert.ok(s.busyTimeMsPerSecond > 150 && s.busyTimeMsPerSecond < 350, `busy ${s.busyTimeMsPerSecond}`);
    assert.ok(s.idleTimeMsPerSecond > 150 && s.idleTimeMsPerSecond < 350, `idle ${s.idleTimeMsPerSecond}`);
    assert.ok(s.backPressuredTimeMsPerSecond > 400 && s.backPressuredTimeMsPerSecond < 650, `back-pressured ${s.backPressuredTimeMsPerSecond}`);
    assert.equal(s.backPressureRatio, s.backPressuredTimeMsPerSecond / 1000);
    // The next window sees only back pressure.
    spin(250);
    const next = m.sample(performance.now());
    assert.ok(next.backPressuredTimeMsPerSecond > 990, `back-pressured ${next.backPressuredTimeMsPerSecond}`);
    assert.equal(next.backPressureLevel, 'high');
    // A window shorter than 200 ms keeps the previous figures.
    assert.deepEqual(m.sample(performance.now()), next);
  });

  it('counts the time after a step as back-pressured while a throttle holds the source', () => {
    const m = new TaskIOMetrics();
    m.start();
    m.sourceHeld = true;
    m.endStep(true);
    assert.equal(m.getStatus(), TaskTimeStatus.BACK_PRESSURED);
    m.beginStep();
    m.sourceHeld = false;
    m.endStep(true);
    assert.equal(m.getStatus(), TaskTimeStatus.IDLE);
  });

  it('counts the work of a step that follows a wait as busy', () => {
    const m = new TaskIOMetrics();
    m.start();
    m.endStep(false);
    spin(100);
    m.beginStep();
    spin(150);
    m.endStep(false);
    spin(1);
    const s = m.sample(performance.now());
    assert.ok(s.busyTimeMsPerSecond > 450 && s.busyTimeMsPerSecond < 700, `busy ${s.busyTimeMsPerSecond}`);
    assert.equal(m.getStatus(), TaskTimeStatus.BACK_PRESSURED);
  });

  it('takes the mean over subtasks and the level of the most back-pressured one', () => {
    const a = { busyTimeMsPerSecond: 1000, idleTimeMsPerSecond: 0, backPressuredTimeMsPerSecond: 0, backPressureRatio: 0, backPressureLevel: 'ok' as const };
    const b = { busyTimeMsPerSecond: 200, idleTimeMsPerSecond: 0, backPressuredTimeMsPerSecond: 800, backPressureRatio: 0.8, backPressureLevel: 'high' as const };
    assert.deepEqual(vertexTimeMetrics([a, b]), { busyTimeMsPerSecond: 600, idleTimeMsPerSecond: 0, backPressuredTimeMsPerSecond: 400, backPressureRatio: 0.8, backPressureLevel: 'high' });
  });
});
