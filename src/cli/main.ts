/*
 * The flink-ts command line: one program with a subcommand per role, like Flink's `flink` script.
 * `run` executes a job file in this process; the cluster roles (jobmanager, taskmanager, cluster)
 * and the job commands (list, cancel, savepoint) register here the same way.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerRunCommand, type CliStreams } from './run-command.ts';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** The program; `setExitCode` receives the outcome of the subcommand that ran. */
export function createProgram(streams: CliStreams, setExitCode: (code: number) => void): Command {
  const program = new Command('flink-ts')
    .description('Flink.TS: a Flink-class stream processor for TypeScript on Node.js')
    .version(packageVersion(), '-V, --version', 'print the version of flink-ts')
    .helpOption('-h, --help', 'print this help')
    .showHelpAfterError('(see flink-ts --help)')
    .configureOutput({
      writeOut: (text) => void streams.stdout.write(text),
      writeErr: (text) => void streams.stderr.write(text),
    })
    // Usage errors, --help and --version throw instead of exiting, so main() decides the exit code;
    // subcommands added after this inherit it.
    .exitOverride();
  registerRunCommand(program, streams, setExitCode);
  return program;
}

/** Runs the command line (process.argv form: node, script, args…) and resolves to the exit code. */
export async function main(argv: readonly string[], streams: CliStreams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let exitCode = 0;
  const program = createProgram(streams, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return exitCode;
}
