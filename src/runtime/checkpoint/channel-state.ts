/*
 * The in-flight data of an unaligned checkpoint (Flink's channel state): per input channel of a
 * subtask, the data that arrived on it after the subtask's snapshot and before the channel's
 * barrier; per result subpartition (an output channel), the data the barrier overtook. Each
 * subtask that has any writes one channel state file into the checkpoint's directory, named in
 * the `_metadata` by its task state handle.
 *
 * Items are record batches (values and timestamps), watermarks and watermark statuses, in channel
 * order. Values are stored as MessagePack (msgpackr with structured clone: objects, arrays, Maps,
 * Sets, Dates, bigints, typed arrays and shared references come back as they were; class
 * instances come back as plain objects). Each item is encoded when it is captured, so a consumer
 * that later changes a record object in place cannot change the checkpoint.
 */
import { Packr } from 'msgpackr';
import { Watermark } from '../../api/common/watermark.ts';
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { RecordBatch } from '../io/record-batch.ts';
import { WatermarkStatus, type ChannelItem } from '../io/stream-events.ts';

export const CHANNEL_STATE_VERSION = 1;

/** The in-flight data of one channel, each item encoded on its own. */
export interface ChannelStateEntry {
  /** Input channels: the input number of the gate (0, or 1/2 of two-input tasks); outputs: the output's index in the task. */
  readonly gate: number;
  /** The channel's index in its gate (the producer's place) or in its output (the consumer subtask's place). */
  readonly channel: number;
  readonly items: readonly Uint8Array[];
}

/** What one subtask contributes to an unaligned checkpoint. */
export interface ChannelStateSnapshot {
  readonly vertexId: number;
  readonly subtaskIndex: number;
  /** Operator ids of the subtask's chain, checked on restore. */
  readonly operatorIds: readonly string[];
  readonly inputChannels: readonly ChannelStateEntry[];
  readonly resultSubpartitions: readonly ChannelStateEntry[];
}

const packr = new Packr({ structuredClone: true } as ConstructorParameters<typeof Packr>[0]);
const filePackr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false } as ConstructorParameters<typeof Packr>[0]);

/** Where an item was captured, for error messages. */
export interface CaptureSite {
  readonly operator: string;
  readonly task: string;
  readonly channel: string;
}

function firstUnencodable(values: readonly unknown[]): number {
  for (let i = 0; i < values.length; i++) {
    const t = typeof values[i];
    // msgpackr silently writes functions as undefined and fails on symbols: both are lost data.
    if (t === 'function' || t === 'symbol') return i;
  }
  return -1;
}

/** Encodes one captured item; a value MessagePack cannot hold is an error naming operator and channel. */
export function encodeChannelItem(item: ChannelItem, site: CaptureSite): Uint8Array {
  try {
    if (item instanceof RecordBatch) {
      const bad = firstUnencodable(item.values);
      if (bad >= 0) throw new TypeError(`a ${typeof item.values[bad]} cannot be stored`);
      return packr.pack({ b: item.values, t: item.timestamps });
    }
    if (item instanceof Watermark) return packr.pack({ w: item.timestamp });
    if (item instanceof WatermarkStatus) return packr.pack({ s: item.idle });
  } catch (e) {
    throw new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `Cannot store the in-flight data of an unaligned checkpoint at operator '${site.operator}' (task ${site.task}, ${site.channel}): ` +
        `a record cannot be encoded with MessagePack (${e instanceof Error ? e.message : String(e)}); use values MessagePack can hold, or aligned checkpoints`,
      { cause: e, context: { operator: site.operator } },
    );
  }
  throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `In-flight data of task ${site.task} (${site.channel}) holds an item that is not data: ${String(item)}`);
}

export function decodeChannelItem(bytes: Uint8Array, where: string): ChannelItem {
  const raw = packr.unpack(bytes) as { b?: unknown[]; t?: number[] | null; w?: number; s?: boolean };
  if (Array.isArray(raw.b)) return new RecordBatch(raw.b, raw.t ?? null);
  if (typeof raw.w === 'number') return raw.w === Watermark.MAX_WATERMARK.timestamp ? Watermark.MAX_WATERMARK : new Watermark(raw.w);
  if (typeof raw.s === 'boolean') return raw.s ? WatermarkStatus.IDLE : WatermarkStatus.ACTIVE;
  throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot read ${where}: an in-flight item is neither records nor a watermark`, { context: { file: where } });
}

export function encodeChannelState(snapshot: ChannelStateSnapshot): Uint8Array {
  return filePackr.pack({ version: CHANNEL_STATE_VERSION, ...snapshot });
}

export function decodeChannelState(bytes: Uint8Array, where: string): ChannelStateSnapshot {
  let raw: Record<string, unknown>;
  try {
    raw = filePackr.unpack(bytes) as Record<string, unknown>;
  } catch (e) {
    throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot read ${where}: it is not a channel state file (${e instanceof Error ? e.message : String(e)})`, { cause: e, context: { file: where } });
  }
  if (typeof raw !== 'object' || raw === null || raw['version'] !== CHANNEL_STATE_VERSION || !Array.isArray(raw['inputChannels']) || !Array.isArray(raw['resultSubpartitions'])) {
    throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot read ${where}: it is not a channel state file of version ${CHANNEL_STATE_VERSION}`, { context: { file: where } });
  }
  return raw as unknown as ChannelStateSnapshot;
}

/** Bytes of in-flight data a snapshot holds (Flink's persisted data). */
export function persistedBytes(snapshot: ChannelStateSnapshot): number {
  let n = 0;
  for (const e of snapshot.inputChannels) for (const item of e.items) n += item.length;
  for (const e of snapshot.resultSubpartitions) for (const item of e.items) n += item.length;
  return n;
}
