/*
 * Tests of `flink-ts run`, each running the command in a child process on a small bounded job
 * file from fixtures/: output, exit code, summary line, configuration from the command line, and
 * how failures are reported.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, FIXTURES, runCli, startNode, summaryLine } from './cli-helpers.ts';
import { Configuration } from '../../src/configuration/configuration.ts';
import { FlinkError } from '../../src/errors.ts';
import { commandLineConfiguration } from '../../src/cli/run-command.ts';

const TIMEOUT = { timeout: 30_000 };
const fixture = (name: string): string => join(FIXTURES, name);

describe('flink-ts run', () => {
  it('runs a job file and prints one summary line on stderr when not on a terminal', TIMEOUT, async (t) => {
    const r = await runCli(t, ['run', fixture('print-job.ts')]);
    assert.equal(r.code, 0, r.stderr);
    const squares = r.stdout.trim().split('\n').sort();
    assert.deepEqual(squares, Array.from({ length: 10 }, (_, i) => `square ${(i + 1) ** 2}`).sort());
    assert.deepEqual(summaryLine(r.stderr, 'Print Squares'), { status: 'FINISHED', recordsIn: 10, recordsOut: 10 });
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!r.stderr.includes('\r'), 'no live progress line without a terminal');
  });

  it('runs a plain JavaScript job file', TIMEOUT, async (t) => {
    const r = await runCli(t, ['run', fixture('sum-job.js')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'even 2550 odd 2500');
    assert.equal(summaryLine(r.stderr, 'Parity Sums')?.status, 'FINISHED');
  });

  it('gives the job the parallelism of -p, in the environment and in every subtask', TIMEOUT, async (t) => {
    const [one, two] = await Promise.all([runCli(t, ['run', fixture('parallelism-job.ts')]), runCli(t, ['run', '-p', '2', fixture('parallelism-job.ts')])]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^environment parallelism: 1$/m);
    assert.match(one.stdout, /^subtasks: 0\/1$/m);
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stdout, /^environment parallelism: 2$/m);
    assert.match(two.stdout, /^subtasks: 0\/2 1\/2$/m);
  });

  it('layers the configuration: environment variables < command line < the job code', TIMEOUT, async (t) => {
    const env = { FLINK_TS_PARALLELISM_DEFAULT: '3', FLINK_TS_PIPELINE_MAX_PARALLELISM: '512' };
    const fromEnv = await runCli(t, ['run', fixture('config-job.ts')], env);
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.deepEqual(JSON.parse(fromEnv.stdout), { 'parallelism.default': 3, 'pipeline.max-parallelism': 512, 'pipeline.name': 'set in code', args: [] });

    const args = ['run', '-p', '2', '-s', '/tmp/savepoints/sp-1', '-D', 'pipeline.max-parallelism=64', '-Dpipeline.name=from the command line', fixture('config-job.ts'), '--', 'a', '--b'];
    const fromCli = await runCli(t, args, env);
    assert.equal(fromCli.code, 0, fromCli.stderr);
    assert.deepEqual(JSON.parse(fromCli.stdout), {
      'parallelism.default': 2,
      'pipeline.max-parallelism': 64,
      'execution.savepoint.path': '/tmp/savepoints/sp-1',
      'pipeline.name': 'set in code',
      args: ['a', '--b'],
    });
    assert.match(fromCli.stderr, /submitted no job \(it did not call execute\(\)\): .*config-job\.ts/);
  });

  it('fails clearly on an unknown -D key, before running anything', TIMEOUT, async (t) => {
    const r = await runCli(t, ['run', '-D', 'paralelism.default=2', fixture('print-job.ts')]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Unknown configuration key 'paralelism\.default' in option -D paralelism\.default=2\. Did you mean 'parallelism\.default'\?/);
    assert.equal(summaryLine(r.stderr, 'Print Squares'), undefined);
  });

  it('fails clearly on a -D without a value and on an invalid -p', TIMEOUT, async (t) => {
    const [noValue, badP] = await Promise.all([runCli(t, ['run', '-D', 'parallelism.default', fixture('print-job.ts')]), runCli(t, ['run', '-p', 'zero', fixture('print-job.ts')])]);
    assert.equal(noValue.code, 1);
    assert.match(noValue.stderr, /Invalid option -D parallelism\.default: expected -D <key>=<value>/);
    assert.equal(badP.code, 1);
    assert.match(badP.stderr, /Invalid value for configuration key 'parallelism\.default' in option -p\/--parallelism: got "zero"/);
  });

  it('exits 1 when the job fails, naming the operator and the cause, without a stack', TIMEOUT, async (t) => {
    const r = await runCli(t, ['run', fixture('failing-job.ts')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: User function of operator 'Explode On Seven' \(subtask 1\/1\) failed while processing record 7: cannot handle 7 \[FLINK_TS_USER_FUNCTION\]$/m);
    assert.match(r.stderr, /^ {2}cause: RangeError: cannot handle 7$/m);
    // One frame: where the user's function threw.
    const frames = r.stderr.split('\n').filter((line) => line.trim().startsWith('at '));
    assert.equal(frames.length, 1, r.stderr);
    assert.match(frames[0]!, /failing-job\.ts:\d+:\d+/);
    assert.equal(summaryLine(r.stderr, 'Failing Job')?.status, 'FAILED');
    assert.ok(!r.stderr.includes('"level"'), 'no log line repeats the failure');
  });

  it('prints the whole error with its stack at FLINK_TS_LOG_LEVEL=debug', TIMEOUT, async (t) => {
    const r = await runCli(t, ['run', fixture('failing-job.ts')], { FLINK_TS_LOG_LEVEL: 'debug' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Explode On Seven/);
    assert.ok(r.stderr.split('\n').filter((line) => line.trim().startsWith('at ')).length > 3, r.stderr);
  });

  it('waits for a job the job file did not wait for and reports its failure', TIMEOUT, async (t) => {
    const r = await runCli(t, ['run', fixture('unawaited-failing-job.ts')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^job file returned$/m);
    assert.equal(summaryLine(r.stderr, 'Unawaited Job')?.status, 'FAILED');
    assert.match(r.stderr, /operator 'Reject Nine'.*nine is not allowed/);
  });

  it('fails clearly when the job file does not exist', TIMEOUT, async (t) => {
    const r = await runCli(t, ['run', 'no/such/job.ts']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `error: Job file not found: ${join(process.cwd(), 'no/such/job.ts')}`);
  });

  it('reports a syntax error of the job file with its file and line', TIMEOUT, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'flink-ts-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'broken.ts');
    writeFileSync(file, 'const a = 1;\nconst b = ;\n');
    const r = await runCli(t, ['run', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /SyntaxError/);
    assert.match(r.stderr, /broken\.ts:2/);
  });

  it('prints the job graph before running with --plan', TIMEOUT, async (t) => {
    const r = await runCli(t, ['run', '--plan', '-p', '2', fixture('print-job.ts')]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], "Job graph of 'Print Squares':");
    assert.match(lines[1]!, /^\[\d+\] Source: Collection Source \(parallelism 1, max parallelism \d+\)$/);
    assert.match(r.stdout, /Square -> Sink: Print to Std\. Out \(parallelism 2/);
    const firstRecord = lines.findIndex((line) => /square \d+$/.test(line));
    const lastPlanLine = lines.findLastIndex((line) => line.startsWith('[') || line.startsWith('    -> '));
    assert.ok(firstRecord > lastPlanLine, 'the plan comes before the records');
  });
});

describe('flink-ts run and Ctrl-C', () => {
  it('cancels the running job on SIGINT and exits with 130', TIMEOUT, async (t) => {
    const cli = startNode(t, [BIN, 'run', '--plan', fixture('endless-job.ts')]);
    // The plan is printed when the job is submitted.
    await cli.stdoutMatching(/Sink: Discard/);
    cli.child.kill('SIGINT');
    const r = await cli.exited;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /^Cancelling the running jobs/m);
    assert.equal(summaryLine(r.stderr, 'Endless Job')?.status, 'CANCELED');
    assert.ok(!r.stderr.includes('error:'), r.stderr);
  });
});

describe('commandLineConfiguration', () => {
  const engine = { Configuration, FlinkError, ErrorCodes: { FLINK_TS_CONFIGURATION: 'FLINK_TS_CONFIGURATION' } } as Parameters<typeof commandLineConfiguration>[0];

  it('lets -p and -s win over -D entries for the same key, and later -D entries over earlier ones', () => {
    const conf = commandLineConfiguration(engine, { D: ['parallelism.default=5', 'pipeline.batch-size=10', 'pipeline.batch-size=20'], parallelism: '3' });
    assert.deepEqual(conf.toObject(), { 'parallelism.default': 3, 'pipeline.batch-size': 20 });
  });

  it('accepts values containing "="', () => {
    const conf = commandLineConfiguration(engine, { D: ['pipeline.name=a=b'] });
    assert.equal(conf.toObject()['pipeline.name'], 'a=b');
  });
});
