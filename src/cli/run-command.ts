/*
 * `flink-ts run <jobFile>`: runs a job file the way `flink run` runs a jar's main(). The command
 * line becomes the context configuration of every environment the job file creates (environment
 * variables < command line < what the job sets in code), a context job listener learns each
 * submitted job, and the job file is imported; it builds its pipeline and calls execute() itself.
 * The command ends when the job file has returned and every job it submitted has ended.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type * as Engine from '../index.ts';
import { formatError } from './error-report.ts';
import { JobProgressReporter, type StatusStream } from './job-progress-reporter.ts';

export interface RunOptions {
  readonly parallelism?: string;
  readonly fromSavepoint?: string;
  readonly allowNonRestoredState?: boolean;
  /** -D key=value entries, in command-line order. */
  readonly D?: readonly string[];
  readonly plan?: boolean;
}

export interface CliStreams {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: StatusStream;
}

type EngineModule = typeof Engine;

/** Exit code of a run interrupted by Ctrl-C, as shells report a SIGINT death (128 + 2). */
const EXIT_INTERRUPTED = 130;

export function registerRunCommand(program: Command, streams: CliStreams, setExitCode: (code: number) => void): void {
  program
    .command('run')
    .description('Run a job file: a .ts or .js module that builds a pipeline and calls env.execute()')
    .argument('<jobFile>', 'the job file')
    .argument('[jobArgs...]', 'arguments for the job file, seen as process.argv.slice(2) (put them after --)')
    .option('-p, --parallelism <n>', "the job's default parallelism (parallelism.default)")
    .option('-s, --fromSavepoint <path>', 'restore the job from this savepoint or retained checkpoint directory (execution.savepoint.path)')
    .option('-n, --allowNonRestoredState', 'allow state in the savepoint of operators that are not part of the job (execution.savepoint.ignore-unclaimed-state)')
    .option('-D <key=value>', 'set a configuration option, e.g. -D pipeline.max-parallelism=256 (repeatable)', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--plan', 'print the job graph of each job before it runs')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ flink-ts run examples/word-count.ts\n' +
        '  $ flink-ts run -p 4 -D pipeline.max-parallelism=256 my-job.ts\n' +
        '  $ flink-ts run -s /savepoints/savepoint-3f2a1c-9b0e44d1a2c7 my-job.ts\n' +
        '  $ flink-ts run my-job.ts -- --input data.txt',
    )
    .action(async (jobFile: string, jobArgs: string[], options: RunOptions) => {
      setExitCode(await runJobFile(jobFile, jobArgs, options, streams));
    });
}

/** Builds the context configuration: -D entries first, then -p and -s, which name their key explicitly. */
export function commandLineConfiguration(engine: Pick<EngineModule, 'Configuration' | 'FlinkError' | 'ErrorCodes'>, options: RunOptions): Engine.Configuration {
  const { Configuration, FlinkError, ErrorCodes } = engine;
  const entries: { key: string; value: string; origin: string }[] = [];
  for (const entry of options.D ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw new FlinkError(ErrorCodes.FLINK_TS_CONFIGURATION, `Invalid option -D ${entry}: expected -D <key>=<value>, e.g. -D parallelism.default=4`);
    }
    const key = entry.slice(0, eq).trim();
    entries.push({ key, value: entry.slice(eq + 1).trim(), origin: `option -D ${entry}` });
  }
  if (options.parallelism !== undefined) entries.push({ key: 'parallelism.default', value: options.parallelism, origin: 'option -p/--parallelism' });
  if (options.fromSavepoint !== undefined) entries.push({ key: 'execution.savepoint.path', value: options.fromSavepoint, origin: 'option -s/--fromSavepoint' });
  if (options.allowNonRestoredState === true) entries.push({ key: 'execution.savepoint.ignore-unclaimed-state', value: 'true', origin: 'option -n/--allowNonRestoredState' });
  let conf = new Configuration();
  for (const { key, value, origin } of entries) conf = conf.merge(Configuration.fromObject({ [key]: value }, origin));
  return conf;
}

/**
 * The flink-ts the job file itself imports, so that the context configuration reaches it even when
 * this command is another installed copy; this command's own copy when the job cannot see one.
 */
async function loadEngine(jobPath: string): Promise<EngineModule> {
  let url = new URL('../index.ts', import.meta.url).href;
  try {
    url = pathToFileURL(createRequire(jobPath).resolve('flink-ts')).href;
  } catch {
    // The job file is outside any project that depends on flink-ts.
  }
  return (await import(url)) as EngineModule;
}

function checkJobFile(path: string): string | undefined {
  if (!existsSync(path)) return `Job file not found: ${path}`;
  if (!statSync(path).isFile()) return `The job file is not a file: ${path}`;
  return undefined;
}

export async function runJobFile(jobFile: string, jobArgs: readonly string[], options: RunOptions, streams: CliStreams): Promise<number> {
  const path = resolve(jobFile);
  const problem = checkJobFile(path);
  if (problem !== undefined) {
    streams.stderr.write(`error: ${problem}\n`);
    return 1;
  }
  let engine: EngineModule;
  let conf: Engine.Configuration;
  try {
    engine = await loadEngine(path);
    conf = commandLineConfiguration(engine, options);
  } catch (error) {
    streams.stderr.write(`${formatError(error)}\n`);
    return 1;
  }

  const { StreamExecutionEnvironment, FlinkError, ErrorCodes } = engine;
  const reporter = new JobProgressReporter(streams.stderr);
  StreamExecutionEnvironment.setContextConfiguration(conf);
  StreamExecutionEnvironment.addContextJobListener({
    onJobSubmitted(client) {
      if (client === null) return;
      if (options.plan === true) streams.stdout.write(`Job graph of '${client.getJobName()}':\n${client.getJobPlan()}\n`);
      reporter.track(client);
    },
  });
  const restoreOutput = reporter.live ? keepLiveLineOffStdout(reporter) : () => {};
  let interrupted = false;
  const onInterrupt = (): void => {
    if (interrupted || reporter.running === 0) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    reporter.clearLine();
    streams.stderr.write('Cancelling the running jobs (press Ctrl-C again to exit at once)\n');
    void reporter.cancelAll();
  };
  process.on('SIGINT', onInterrupt);

  // The job file sees the command line a `node <jobFile> args…` run would give it.
  const argv = process.argv;
  process.argv = [process.execPath, path, ...jobArgs];
  let jobFileError: unknown;
  let jobFileFailed = false;
  try {
    await import(pathToFileURL(path).href);
  } catch (error) {
    jobFileFailed = true;
    jobFileError = error;
  }
  const outcomes = await reporter.whenAllSettled();
  process.argv = argv;
  process.off('SIGINT', onInterrupt);
  reporter.close();
  restoreOutput();
  StreamExecutionEnvironment.setContextConfiguration(null);
  StreamExecutionEnvironment.clearContextJobListeners();

  const cancelledByUser = (error: unknown): boolean => interrupted && FlinkError.isFlinkError(error) && error.code === ErrorCodes.FLINK_TS_JOB_CANCELLED;
  if (jobFileFailed) {
    if (cancelledByUser(jobFileError)) return EXIT_INTERRUPTED;
    streams.stderr.write(`${formatError(jobFileError)}\n`);
    return 1;
  }
  // A job the job file did not wait for (executeAsync) may have failed unseen: its failure is this command's.
  const failed = outcomes.filter((o) => o.status === 'FAILED');
  for (const o of failed) streams.stderr.write(`${formatError(o.error)}\n`);
  if (failed.length > 0) return 1;
  if (interrupted) return EXIT_INTERRUPTED;
  if (outcomes.length === 0) streams.stderr.write(`The job file submitted no job (it did not call execute()): ${path}\n`);
  return 0;
}

/**
 * Records printed to the same terminal would land on the live line; erase it before each stdout
 * write (the next tick redraws it). Returns the function that undoes this.
 */
function keepLiveLineOffStdout(reporter: JobProgressReporter): () => void {
  const stdout = process.stdout;
  if (stdout.isTTY !== true) return () => {};
  const write = stdout.write;
  stdout.write = function (this: NodeJS.WriteStream, ...args: Parameters<typeof write>) {
    reporter.clearLine();
    return write.apply(this, args);
  } as typeof write;
  return () => {
    stdout.write = write;
  };
}
