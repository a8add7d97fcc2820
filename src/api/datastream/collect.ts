/*
 * executeAndCollect: runs the job with a sink that gathers the stream's records into an array and
 * returns them. With a limit, the job is cancelled once that many records have arrived.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { CollectOptions, DataStream } from './data-stream.ts';
import type { JobClient } from '../environment/job-client.ts';
import { streamFactories } from './stream-factories.ts';

async function collect<T>(stream: DataStream<T>, options: CollectOptions): Promise<T[]> {
  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new RangeError(`executeAndCollect: limit must be a non-negative integer, got ${limit}`);
  const results: T[] = [];
  let client: JobClient | null = null;
  let limitReached = false;
  // A plain function, so all sink subtasks share this one array (functions are not copied).
  const sink = (value: T): void => {
    if (limitReached) return;
    results.push(value);
    if (limit !== undefined && results.length >= limit) {
      limitReached = true;
      void client?.cancel();
    }
  };
  stream.addSink(sink).name('Collect Sink');
  client = await stream.getExecutionEnvironment().executeAsync(options.jobName);
  if (limit === 0) await client.cancel();
  try {
    await client.getJobExecutionResult();
  } catch (error) {
    if (!(limitReached || limit === 0) || !FlinkError.isFlinkError(error) || error.code !== ErrorCodes.FLINK_TS_JOB_CANCELLED) throw error;
  }
  return results;
}

streamFactories.collect = collect;
