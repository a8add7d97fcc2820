/*
 * Tests of the reporter behind `flink-ts run`'s progress output, on real jobs and a stand-in for
 * the terminal: the live line, its erasure, the summary line, and cancelling every job.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { StreamExecutionEnvironment, type SourceContext } from 'flink-ts';
import { JobProgressReporter } from '../../src/cli/job-progress-reporter.ts';
import { CLEAR_LINE } from '../../src/cli/progress.ts';

const TIMEOUT = { timeout: 30_000 };

class FakeTerminal {
  readonly isTTY: boolean;
  readonly columns = 120;
  readonly writes: string[] = [];

  constructor(isTTY: boolean) {
    this.isTTY = isTTY;
  }

  write(chunk: string): boolean {
    this.writes.push(chunk);
    return true;
  }
}

/** A job whose source emits `count` records, then waits until released (or cancelled). */
async function gatedJob(t: TestContext, name: string, count: number) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let emitted!: () => void;
  const allEmitted = new Promise<void>((resolve) => (emitted = resolve));
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env
    .addSource(
      {
        async run(ctx: SourceContext<number>) {
          for (let i = 0; i < count; i++) await ctx.collectAsync(i);
          emitted();
          await released;
        },
        cancel: () => release(),
      },
      'Gate',
    )
    .keyBy((n) => n % 2)
    .map((n) => n)
    .addSink(() => {})
    .name('Discard');
  const client = await env.executeAsync(name);
  t.after(() => client.cancel());
  return { client, release, allEmitted };
}

describe('JobProgressReporter', () => {
  it('rewrites one live line on a terminal, then erases it and prints the summary', TIMEOUT, async (t) => {
    const terminal = new FakeTerminal(true);
    let clock = 1000;
    const reporter = new JobProgressReporter(terminal, { intervalMs: 60_000, now: () => clock });
    t.after(() => reporter.close());
    assert.equal(reporter.live, true);
    const job = await gatedJob(t, 'Gated Job', 100);
    reporter.track(job.client);
    await job.allEmitted;
    clock += 5_000;
    await reporter.render();
    assert.equal(terminal.writes.length, 1);
    assert.ok(terminal.writes[0]!.startsWith(CLEAR_LINE));
    assert.match(terminal.writes[0]!.slice(CLEAR_LINE.length), /^Gated Job {2}00:05 {2}in \S+\/s {2}out \S+\/s {2}total in \d+ {2}out \d+$/);
    assert.ok(!terminal.writes[0]!.includes('\n'));

    job.release();
    const [outcome] = await reporter.whenAllSettled();
    assert.equal(outcome!.status, 'FINISHED');
    assert.deepEqual([outcome!.figures.recordsIn, outcome!.figures.recordsOut], [100, 100]);
    assert.equal(terminal.writes.length, 3);
    assert.equal(terminal.writes[1], CLEAR_LINE);
    assert.match(terminal.writes[2]!, /^Job 'Gated Job' \([0-9a-f]{32}\) FINISHED in [\d.]+ s: 100 records in, 100 records out\n$/);

    // Nothing runs any more: a late tick draws nothing.
    await reporter.render();
    assert.equal(terminal.writes.length, 3);
  });

  it('prints only the summary line when not on a terminal', TIMEOUT, async (t) => {
    const stream = new FakeTerminal(false);
    const reporter = new JobProgressReporter(stream);
    t.after(() => reporter.close());
    assert.equal(reporter.live, false);
    const job = await gatedJob(t, 'Quiet Job', 10);
    reporter.track(job.client);
    job.release();
    await reporter.whenAllSettled();
    assert.equal(stream.writes.length, 1);
    assert.match(stream.writes[0]!, /^Job 'Quiet Job' .* FINISHED .*: 10 records in, 10 records out\n$/);
  });

  it('cancels every running job and reports it as cancelled', TIMEOUT, async (t) => {
    const stream = new FakeTerminal(false);
    const reporter = new JobProgressReporter(stream);
    t.after(() => reporter.close());
    const first = await gatedJob(t, 'First', 5);
    const second = await gatedJob(t, 'Second', 5);
    reporter.track(first.client);
    reporter.track(second.client);
    assert.equal(reporter.running, 2);
    await Promise.all([first.allEmitted, second.allEmitted]);
    await reporter.cancelAll();
    const outcomes = await reporter.whenAllSettled();
    assert.deepEqual(
      outcomes.map((o) => [o.jobName, o.status]),
      [
        ['First', 'CANCELED'],
        ['Second', 'CANCELED'],
      ],
    );
    assert.equal(reporter.running, 0);
    assert.equal(stream.writes.filter((w) => w.includes(' CANCELED in ')).length, 2);
  });
});
