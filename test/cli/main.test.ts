/*
 * Tests of the flink-ts program: the bin entry point, --version, --help and usage errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { main } from '../../src/cli/main.ts';
import { runCli } from './cli-helpers.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function streams() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    streams: {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s), isTTY: false },
    },
  };
}

describe('flink-ts', () => {
  it('prints its version from the bin entry point', { timeout: 30_000 }, async (t) => {
    const r = await runCli(t, ['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), VERSION);
  });

  it('lists the run command and its options in the help', async () => {
    const top = streams();
    assert.equal(await main(['node', 'flink-ts', '--help'], top.streams), 0);
    assert.match(top.out.stdout, /Usage: flink-ts \[options\] \[command\]/);
    assert.match(top.out.stdout, /^ {2}run \[options\] <jobFile> \[jobArgs\.\.\.\]/m);
    const run = streams();
    assert.equal(await main(['node', 'flink-ts', 'run', '--help'], run.streams), 0);
    for (const option of ['-p, --parallelism <n>', '-s, --fromSavepoint <path>', '-D <key=value>', '--plan']) assert.ok(run.out.stdout.includes(option), option);
  });

  it('fails with a usage error on an unknown command or option', async () => {
    const unknownCommand = streams();
    assert.equal(await main(['node', 'flink-ts', 'launch'], unknownCommand.streams), 1);
    assert.match(unknownCommand.out.stderr, /unknown command 'launch'/);
    const unknownOption = streams();
    assert.equal(await main(['node', 'flink-ts', 'run', '--parallel', '2', 'job.ts'], unknownOption.streams), 1);
    assert.match(unknownOption.out.stderr, /unknown option '--parallel'/);
    const missingFile = streams();
    assert.equal(await main(['node', 'flink-ts', 'run'], missingFile.streams), 1);
    assert.match(missingFile.out.stderr, /missing required argument 'jobFile'/);
  });
});
