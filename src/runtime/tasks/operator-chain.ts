/*
 * OperatorChain: the operators of one job vertex in one subtask, wired together. Each operator's
 * output is a direct call into the next chained operator(s), a record writer for each outgoing
 * job edge, or a fan-out over several of them. Operators open tail first (so that what they emit
 * to in open() is ready) and finish head first (so that what a finishing operator emits still
 * reaches the operators after it); they close tail first, as in Flink.
 */
import type { StreamEdge, StreamNode } from '../../graph/stream-graph.ts';
import type { JobVertex } from '../../graph/job-graph.ts';
import type { RecordWriter } from '../io/record-writer.ts';
import { RecordWriterOutput } from '../io/record-writer-output.ts';
import { BroadcastingOutput, ChainingOutput, DiscardingOutput, SideOutputChainingOutput, type ChainedInput, type Output } from '../operators/output.ts';
import type { AbstractStreamOperator, StreamOperatorParameters } from '../operators/stream-operator.ts';

export type ParametersFactory = (node: StreamNode, output: Output<unknown>) => StreamOperatorParameters<unknown>;

export class OperatorChain {
  /** Head first, in the vertex's topological order. */
  readonly operators: readonly AbstractStreamOperator<unknown>[];
  readonly nodes: readonly StreamNode[];
  readonly writers: readonly RecordWriter<unknown>[];

  /** The output of each operator, head first; setupOperators hands them over. */
  private readonly outputs: readonly Output<unknown>[];
  private isSetUp = false;

  /**
   * Creates and wires the operators. With `createParameters` they are also set up; without, the
   * owner calls setupOperators() later (a task first creates the keyed state backends, which may
   * take I/O).
   */
  constructor(vertex: JobVertex, subtaskIndex: number, writers: ReadonlyMap<StreamEdge, RecordWriter<unknown>>, createParameters?: ParametersFactory) {
    this.nodes = vertex.chainedNodes;
    this.writers = [...new Set(writers.values())];
    const byNode = new Map<number, AbstractStreamOperator<unknown>>();
    const outputsByNode = new Map<number, Output<unknown>>();
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i]!;
      const outputs: Output<unknown>[] = node.outEdges.map((edge) => {
        const writer = writers.get(edge);
        if (writer !== undefined) return new RecordWriterOutput(writer, edge.outputTag);
        const next = byNode.get(edge.target.id)!;
        // An operator class with its own collect() is its predecessor's output: each class then
        // has its own call site into the next operator, which V8 can inline (a shared
        // ChainingOutput would see every operator class and stay a polymorphic call).
        if (edge.outputTag === null && Object.hasOwn(Object.getPrototypeOf(next), 'collect')) return next as unknown as Output<unknown>;
        const input = next as unknown as ChainedInput<unknown>;
        return edge.outputTag === null ? new ChainingOutput(input) : new SideOutputChainingOutput(input, edge.outputTag);
      });
      const output = outputs.length === 0 ? new DiscardingOutput() : outputs.length === 1 ? outputs[0]! : new BroadcastingOutput(outputs);
      byNode.set(node.id, node.operatorFactory(subtaskIndex));
      outputsByNode.set(node.id, output);
    }
    this.operators = this.nodes.map((n) => byNode.get(n.id)!);
    this.outputs = this.nodes.map((n) => outputsByNode.get(n.id)!);
    if (createParameters !== undefined) this.setupOperators(createParameters);
  }

  /** Sets the operators up tail first (the order in which they were set up before). */
  setupOperators(createParameters: ParametersFactory): void {
    if (this.isSetUp) return;
    this.isSetUp = true;
    for (let i = this.operators.length - 1; i >= 0; i--) this.operators[i]!.setup(createParameters(this.nodes[i]!, this.outputs[i]!));
  }

  get head(): AbstractStreamOperator<unknown> {
    return this.operators[0]!;
  }

  async openOperators(): Promise<void> {
    for (let i = this.operators.length - 1; i >= 0; i--) await this.operators[i]!.open();
  }

  async finishOperators(): Promise<void> {
    for (const operator of this.operators) await operator.finish();
  }

  /** Closes every operator tail first (as Flink), also when one fails to close; returns the first error. */
  async closeOperators(): Promise<unknown> {
    // Operators that were never set up were never opened either, and have nothing to release.
    if (!this.isSetUp) return undefined;
    let first: unknown = undefined;
    for (let i = this.operators.length - 1; i >= 0; i--) {
      try {
        await this.operators[i]!.close();
      } catch (e) {
        first ??= e;
      }
    }
    return first;
  }

  flushOutputs(): void {
    for (const writer of this.writers) writer.flushAll();
  }

  hasPendingOutput(): boolean {
    for (const writer of this.writers) if (writer.hasPendingRecords()) return true;
    return false;
  }

  isOutputAvailable(): boolean {
    for (const writer of this.writers) if (!writer.isAvailable()) return false;
    return true;
  }

  async whenOutputAvailable(): Promise<void> {
    for (const writer of this.writers) await writer.whenAvailable();
  }

  recordsOut(): number {
    let n = 0;
    for (const writer of this.writers) n += writer.recordsOut;
    return n;
  }
}
