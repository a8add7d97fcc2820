/*
 * Collects the in-flight data of one subtask's unaligned checkpoints (Flink's
 * ChannelStateWriter): the input side item by item while the channels' barriers are outstanding,
 * the output side when the barrier overtakes the queued data (at once when unaligned, or when an
 * aligned barrier's timeout passes while it is still queued). `result(id)` resolves once both
 * sides are complete; the subtask acknowledges the checkpoint only then. Items are encoded as they
 * are captured (channel-state.ts); an item that cannot be encoded fails that checkpoint only.
 * Bounded: the input side holds what the channels' credit lets through before their barriers
 * arrive, the output side what the output channels held.
 */
import { encodeChannelItem, type ChannelStateEntry } from './channel-state.ts';
import type { ChannelItem } from '../io/stream-events.ts';

interface PendingChannelState {
  readonly input: Map<string, { gate: number; channel: number; items: Uint8Array[] }>;
  readonly output: ChannelStateEntry[];
  inputDone: boolean;
  /** Output channels whose barrier was neither consumed nor overtaken yet. */
  outputPending: number;
  failure: unknown;
  readonly done: Promise<InFlightData>;
  resolve(data: InFlightData): void;
  reject(e: unknown): void;
}

export interface InFlightData {
  readonly inputChannels: readonly ChannelStateEntry[];
  readonly resultSubpartitions: readonly ChannelStateEntry[];
}

export class ChannelStateWriter {
  private readonly pending = new Map<number, PendingChannelState>();
  private readonly taskName: string;
  private readonly operatorName: string;

  /** `operatorName`: the head operator of the chain (input side) — errors name it. */
  constructor(taskName: string, operatorName: string) {
    this.taskName = taskName;
    this.operatorName = operatorName;
  }

  isStarted(checkpointId: number): boolean {
    return this.pending.has(checkpointId);
  }

  /** Starts collecting for a checkpoint; `hasInput`: the input side will be finished by the barrier handler. */
  start(checkpointId: number, hasInput: boolean): void {
    if (this.pending.has(checkpointId)) return;
    let resolve!: (data: InFlightData) => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<InFlightData>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A checkpoint aborted before anyone awaited its result must not surface as unhandled.
    done.catch(() => {});
    this.pending.set(checkpointId, { input: new Map(), output: [], inputDone: !hasInput, outputPending: 0, failure: undefined, done, resolve, reject });
  }

  addInputData(checkpointId: number, gate: number, channel: number, item: ChannelItem): void {
    const p = this.pending.get(checkpointId);
    if (p === undefined || p.inputDone || p.failure !== undefined) return;
    const key = `${gate}/${channel}`;
    let entry = p.input.get(key);
    if (entry === undefined) {
      entry = { gate, channel, items: [] };
      p.input.set(key, entry);
    }
    try {
      entry.items.push(encodeChannelItem(item, { operator: this.operatorName, task: this.taskName, channel: `input ${gate}, channel ${channel}` }));
    } catch (e) {
      p.failure = e;
    }
  }

  finishInput(checkpointId: number): void {
    const p = this.pending.get(checkpointId);
    if (p === undefined) return;
    p.inputDone = true;
    this.maybeComplete(p);
  }

  /** `n` more output channels will report their data (or none) later. */
  expectOutput(checkpointId: number, n: number): void {
    const p = this.pending.get(checkpointId);
    if (p !== undefined) p.outputPending += n;
  }

  /**
   * The output data overtaken on one channel (`expected`: the channel was announced with
   * expectOutput). `operator`: the operator that produced it.
   */
  addOutputData(checkpointId: number, output: number, channel: number, items: readonly ChannelItem[], operator: string, expected = false): void {
    const p = this.pending.get(checkpointId);
    if (p === undefined) return;
    if (expected) p.outputPending--;
    if (items.length > 0 && p.failure === undefined) {
      try {
        const site = { operator, task: this.taskName, channel: `output ${output}, channel ${channel}` };
        p.output.push({ gate: output, channel, items: items.map((item) => encodeChannelItem(item, site)) });
      } catch (e) {
        p.failure = e;
      }
    }
    if (expected) this.maybeComplete(p);
  }

  /** Resolves with the in-flight data once both sides are complete; rejects when it failed or was aborted. */
  result(checkpointId: number): Promise<InFlightData> | null {
    const p = this.pending.get(checkpointId);
    if (p === undefined) return null;
    this.maybeComplete(p);
    // Settled or not, the entry goes once its result was taken and is final.
    void p.done.then(
      () => this.pending.get(checkpointId) === p && this.pending.delete(checkpointId),
      () => this.pending.get(checkpointId) === p && this.pending.delete(checkpointId),
    );
    return p.done;
  }

  abort(checkpointId: number, cause: unknown): void {
    const p = this.pending.get(checkpointId);
    if (p === undefined) return;
    this.pending.delete(checkpointId);
    p.reject(cause);
  }

  /** Aborts every checkpoint still collecting (the task ends). */
  abortAll(cause: unknown): void {
    for (const id of [...this.pending.keys()]) this.abort(id, cause);
  }

  private maybeComplete(p: PendingChannelState): void {
    if (p.failure !== undefined) {
      p.inputDone = true;
      p.reject(p.failure);
      return;
    }
    if (!p.inputDone || p.outputPending > 0) return;
    p.resolve({ inputChannels: [...p.input.values()], resultSubpartitions: p.output });
  }
}
