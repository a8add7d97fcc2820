/*
 * The FileSink's writer in one subtask (Flink's FileWriter and FileWriterBucket). Each bucket has
 * at most one in-progress part file, a hidden `.part-<subtask>-<counter>.inprogress.<uuid>` in the
 * bucket's directory. Records are encoded into a buffer that is appended to the file when it
 * grows past BUFFER_BYTES and before any checkpoint or roll. A rolled file is pending: it keeps its
 * hidden name until its checkpoint completes and the committer renames it to
 * `part-<subtask>-<counter>`.
 *
 * At a checkpoint the writer hands over the files rolled since the last one (prepareCommit), and
 * snapshots each in-progress file (its path and length, after an fsync). On restore each such
 * file is cut back to that length and becomes pending, so its records are committed with the next
 * checkpoint — what was written after the checkpoint is gone and will be written again. Part
 * counters start past every part file of the subtask already in the bucket, so names never
 * repeat across restarts or rescaling.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { CommittingSinkWriter, SinkWriterContext, StatefulSinkWriter, WriterInitContext } from '../../../api/functions/sink-function.ts';
import type { ScheduledTimer } from '../../../runtime/tasks/processing-time-service.ts';
import type { BucketAssigner } from './bucket-assigners.ts';
import type { Encoder } from './encoder.ts';
import type { RollingPolicy } from './rolling-policies.ts';

const BUFFER_BYTES = 64 * 1024;

/** A rolled part file waiting for its checkpoint (Flink's FileSinkCommittable). */
export interface FileSinkCommittable {
  readonly bucketId: string;
  /** The hidden file holding the data. */
  readonly pendingFile: string;
  /** The visible name it gets when committed. */
  readonly targetFile: string;
  readonly size: number;
}

/** What a subtask's writer keeps in a checkpoint (Flink's FileWriterBucketState, per bucket). */
export interface FileWriterState {
  readonly partCounter: number;
  readonly inProgress: readonly { readonly bucketId: string; readonly file: string; readonly targetFile: string; readonly size: number }[];
}

export interface OutputFileConfig {
  readonly partPrefix: string;
  readonly partSuffix: string;
}

export interface FileWriterOptions<IN> {
  readonly basePath: string;
  readonly encoder: Encoder<IN>;
  readonly bucketAssigner: BucketAssigner<IN>;
  readonly rollingPolicy: RollingPolicy<IN>;
  readonly outputFileConfig: OutputFileConfig;
  readonly bucketCheckInterval: number;
}

interface InProgressFile {
  readonly file: string;
  readonly targetFile: string;
  readonly fd: number;
  readonly creationTime: number;
  lastUpdateTime: number;
  /** Bytes in the file plus the buffer. */
  size: number;
  chunks: Buffer[];
  buffered: number;
}

interface Bucket {
  readonly id: string;
  readonly path: string;
  inProgress: InProgressFile | null;
}

export class FileWriter<IN> implements CommittingSinkWriter<IN, FileSinkCommittable>, StatefulSinkWriter<IN, FileWriterState> {
  private readonly options: FileWriterOptions<IN>;
  private readonly context: WriterInitContext;
  private readonly subtask: number;
  private readonly buckets = new Map<string, Bucket>();
  private pending: FileSinkCommittable[] = [];
  private partCounter = 0;
  private timer: ScheduledTimer | null = null;
  private closed = false;
  private readonly encodeOutput = {
    target: null as InProgressFile | null,
    write: (chunk: Uint8Array | string): void => {
      const file = this.encodeOutput.target!;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      file.chunks.push(bytes);
      file.buffered += bytes.length;
      file.size += bytes.length;
    },
  };

  constructor(options: FileWriterOptions<IN>, context: WriterInitContext, restored: readonly FileWriterState[]) {
    this.options = options;
    this.context = context;
    this.subtask = context.getSubtaskId();
    for (const state of restored) {
      this.partCounter = Math.max(this.partCounter, state.partCounter);
      for (const f of state.inProgress) this.recoverInProgress(f);
    }
    this.scheduleBucketCheck();
  }

  /** A file in progress at the restored checkpoint: cut back to its checkpointed length, then pending. */
  private recoverInProgress(f: FileWriterState['inProgress'][number]): void {
    if (existsSync(f.file)) {
      if (statSync(f.file).size < f.size) throw this.error(`the in-progress file '${f.file}' is shorter (${statSync(f.file).size} bytes) than at the checkpoint (${f.size} bytes)`, f.file);
      truncateSync(f.file, f.size);
      this.pending.push({ bucketId: f.bucketId, pendingFile: f.file, targetFile: f.targetFile, size: f.size });
    } else if (!existsSync(f.targetFile)) {
      throw this.error(`the in-progress file '${f.file}' of the restored checkpoint is missing`, f.file);
    }
    // Else it was committed by a later checkpoint before the failure; nothing to do.
  }

  private error(what: string, file: string): FlinkError {
    return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `FileSink (subtask ${this.subtask}) cannot restore: ${what}`, { context: { file, subtask: this.subtask } });
  }

  write(element: IN, context: SinkWriterContext): void {
    const now = this.context.getProcessingTimeService().getCurrentProcessingTime();
    const bucketId = this.options.bucketAssigner.getBucketId(element, { currentProcessingTime: () => now, currentWatermark: () => context.currentWatermark(), timestamp: () => context.timestamp() });
    const bucket = this.buckets.get(bucketId) ?? this.openBucket(bucketId);
    let file = bucket.inProgress;
    if (file !== null && this.options.rollingPolicy.shouldRollOnEvent(infoOf(bucket.id, file), element)) {
      this.roll(bucket);
      file = null;
    }
    file ??= this.openPartFile(bucket, now);
    this.encodeOutput.target = file;
    this.options.encoder.encode(element, this.encodeOutput);
    file.lastUpdateTime = now;
    if (file.buffered >= BUFFER_BYTES) writeOut(file);
  }

  private openBucket(bucketId: string): Bucket {
    const path = bucketId === '' ? this.options.basePath : join(this.options.basePath, bucketId);
    mkdirSync(path, { recursive: true });
    // Part numbers continue past every file of this subtask already there (earlier runs, other parallelism).
    const { partPrefix } = this.options.outputFileConfig;
    const pattern = new RegExp(`^\\.?${escape(partPrefix)}-${this.subtask}-(\\d+)`);
    for (const name of readdirSync(path)) {
      const m = pattern.exec(name);
      if (m !== null) this.partCounter = Math.max(this.partCounter, Number(m[1]) + 1);
    }
    const bucket: Bucket = { id: bucketId, path, inProgress: null };
    this.buckets.set(bucketId, bucket);
    return bucket;
  }

  private openPartFile(bucket: Bucket, now: number): InProgressFile {
    const { partPrefix, partSuffix } = this.options.outputFileConfig;
    const name = `${partPrefix}-${this.subtask}-${this.partCounter++}${partSuffix}`;
    const file = join(bucket.path, `.${name}.inprogress.${randomUUID()}`);
    const inProgress: InProgressFile = { file, targetFile: join(bucket.path, name), fd: openSync(file, 'w'), creationTime: now, lastUpdateTime: now, size: 0, chunks: [], buffered: 0 };
    bucket.inProgress = inProgress;
    return inProgress;
  }

  /** Closes the in-progress file of the bucket: it is pending until the next checkpoint completes. */
  private roll(bucket: Bucket): void {
    const file = bucket.inProgress;
    if (file === null) return;
    bucket.inProgress = null;
    writeOut(file);
    fsyncSync(file.fd);
    closeSync(file.fd);
    this.pending.push({ bucketId: bucket.id, pendingFile: file.file, targetFile: file.targetFile, size: file.size });
  }

  flush(endOfInput: boolean): void {
    for (const bucket of this.buckets.values()) {
      if (endOfInput) this.roll(bucket);
      else if (bucket.inProgress !== null) writeOut(bucket.inProgress);
    }
  }

  prepareCommit(): FileSinkCommittable[] {
    for (const bucket of this.buckets.values()) {
      if (bucket.inProgress !== null && this.options.rollingPolicy.shouldRollOnCheckpoint(infoOf(bucket.id, bucket.inProgress))) this.roll(bucket);
    }
    const committables = this.pending;
    this.pending = [];
    return committables;
  }

  snapshotState(): FileWriterState[] {
    const inProgress: FileWriterState['inProgress'][number][] = [];
    for (const bucket of this.buckets.values()) {
      const file = bucket.inProgress;
      if (file === null) continue;
      writeOut(file);
      // The checkpoint records this length: it must be on disk before the checkpoint completes.
      fsyncSync(file.fd);
      inProgress.push({ bucketId: bucket.id, file: file.file, targetFile: file.targetFile, size: file.size });
    }
    return [{ partCounter: this.partCounter, inProgress }];
  }

  private scheduleBucketCheck(): void {
    if (this.closed) return;
    const service = this.context.getProcessingTimeService();
    const at = service.getCurrentProcessingTime() + this.options.bucketCheckInterval;
    this.timer = service.registerTimer(at, (now) => {
      for (const bucket of this.buckets.values()) {
        if (bucket.inProgress !== null && this.options.rollingPolicy.shouldRollOnProcessingTime(infoOf(bucket.id, bucket.inProgress), now)) this.roll(bucket);
      }
      this.scheduleBucketCheck();
    });
  }

  /** In-progress files stay as they are (hidden): a restore cuts them back to their checkpoint. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    for (const bucket of this.buckets.values()) {
      const file = bucket.inProgress;
      bucket.inProgress = null;
      if (file !== null) closeSync(file.fd);
    }
  }
}

function infoOf(bucketId: string, file: InProgressFile): { bucketId: string; creationTime: number; lastUpdateTime: number; size: number } {
  return { bucketId, creationTime: file.creationTime, lastUpdateTime: file.lastUpdateTime, size: file.size };
}

function writeOut(file: InProgressFile): void {
  if (file.buffered === 0) return;
  const data = file.chunks.length === 1 ? file.chunks[0]! : Buffer.concat(file.chunks, file.buffered);
  let offset = 0;
  while (offset < data.length) offset += writeSync(file.fd, data, offset);
  file.chunks = [];
  file.buffered = 0;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
