/*
 * FileSink (Flink's): writes a stream to part files under a base path, exactly once with
 * checkpointing. Layout as Flink's:
 *   <base>/<bucket>/part-<subtask>-<counter>                       finished (committed)
 *   <base>/<bucket>/.part-<subtask>-<counter>.inprogress.<uuid>    in progress or pending (hidden)
 * A part file becomes visible only when the checkpoint after its last record completed (the
 * committer renames it). At end of input of a bounded job the last files are rolled and committed
 * when the final checkpoint the task waits for completes, as in Flink. Without checkpointing they
 * become visible only at end of input (Flink's CommitterOperator commits at end of input then).
 *
 *   FileSink.forRowFormat(dir, new SimpleStringEncoder<string>())
 *     .withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize(1024 * 1024).build())
 *     .build()
 */
import { existsSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';
import { toMillis, type DurationLike } from '../../../api/common/duration.ts';
import type { CommitRequest, Committer, Sink, SinkWriter, WriterInitContext } from '../../../api/functions/sink-function.ts';
import { DateTimeBucketAssigner, type BucketAssigner } from './bucket-assigners.ts';
import type { Encoder } from './encoder.ts';
import { FileWriter, type FileSinkCommittable, type FileWriterOptions, type FileWriterState, type OutputFileConfig } from './file-writer.ts';
import { DefaultRollingPolicy, type RollingPolicy } from './rolling-policies.ts';

/** Commits pending part files by renaming them; a repeated commit finds the file done. */
export class FileCommitter implements Committer<FileSinkCommittable> {
  commit(requests: readonly CommitRequest<FileSinkCommittable>[]): void {
    for (const request of requests) {
      const { pendingFile, targetFile } = request.getCommittable();
      if (existsSync(pendingFile)) {
        renameSync(pendingFile, targetFile);
      } else if (existsSync(targetFile)) {
        request.signalAlreadyCommitted();
      } else {
        request.signalFailedWithKnownReason(new Error(`the pending part file '${pendingFile}' is missing and '${targetFile}' does not exist: its records are lost`));
      }
    }
  }

  close(): void {}
}

export class FileSink<IN> implements Sink<IN> {
  private readonly options: FileWriterOptions<IN>;

  /** @internal Use FileSink.forRowFormat(...).build(). */
  constructor(options: FileWriterOptions<IN>) {
    this.options = options;
  }

  /** A sink writing each record with `encoder` to part files under `basePath`. */
  static forRowFormat<IN>(basePath: string, encoder: Encoder<IN>): RowFormatBuilder<IN> {
    if (typeof basePath !== 'string' || basePath === '') throw new TypeError('FileSink.forRowFormat() needs a base path');
    if (typeof encoder?.encode !== 'function') throw new TypeError('FileSink.forRowFormat() needs an Encoder, e.g. new SimpleStringEncoder()');
    return new RowFormatBuilder<IN>(basePath, encoder);
  }

  createWriter(context: WriterInitContext): SinkWriter<IN> {
    return new FileWriter<IN>(this.options, context, []);
  }

  restoreWriter(context: WriterInitContext, recoveredState: readonly unknown[]): SinkWriter<IN> {
    return new FileWriter<IN>(this.options, context, recoveredState as FileWriterState[]);
  }

  createCommitter(): Committer<FileSinkCommittable> {
    return new FileCommitter();
  }
}

export class RowFormatBuilder<IN> {
  private readonly basePath: string;
  private readonly encoder: Encoder<IN>;
  private bucketAssigner: BucketAssigner<IN> = new DateTimeBucketAssigner<IN>();
  private rollingPolicy: RollingPolicy<IN> = DefaultRollingPolicy.builder().build<IN>();
  private outputFileConfig: OutputFileConfig = { partPrefix: 'part', partSuffix: '' };
  private bucketCheckInterval = 60_000;

  constructor(basePath: string, encoder: Encoder<IN>) {
    this.basePath = basePath;
    this.encoder = encoder;
  }

  withBucketAssigner(assigner: BucketAssigner<IN>): this {
    this.bucketAssigner = assigner;
    return this;
  }

  withRollingPolicy(policy: RollingPolicy<IN>): this {
    this.rollingPolicy = policy;
    return this;
  }

  /** Prefix and suffix of part file names (Flink's OutputFileConfig); 'part' and '' by default. */
  withOutputFileConfig(config: { readonly partPrefix?: string; readonly partSuffix?: string }): this {
    this.outputFileConfig = { partPrefix: config.partPrefix ?? 'part', partSuffix: config.partSuffix ?? '' };
    return this;
  }

  /** How often in-progress files are checked against the rolling policy's time limits (1 minute). */
  withBucketCheckInterval(interval: DurationLike): this {
    this.bucketCheckInterval = toMillis(interval, 'withBucketCheckInterval()');
    return this;
  }

  build(): FileSink<IN> {
    return new FileSink<IN>({
      basePath: resolve(this.basePath),
      encoder: this.encoder,
      bucketAssigner: this.bucketAssigner,
      rollingPolicy: this.rollingPolicy,
      outputFileConfig: this.outputFileConfig,
      bucketCheckInterval: this.bucketCheckInterval,
    });
  }
}
