/*
 * The sink of DataStream.print()/printToErr() (Flink's PrintSinkFunction): writes each record as a
 * line to stdout or stderr. With parallelism > 1 each line starts with the subtask number
 * ("2> "), and an optional sink identifier goes first ("id:2> ", or "id> " alone).
 */
import type { OpenContext } from '../../api/common/runtime-context.ts';
import { RichSinkFunction } from '../../api/functions/sink-function.ts';

export class PrintSinkFunction<T> extends RichSinkFunction<T> {
  readonly sinkIdentifier: string;
  readonly stdErr: boolean;
  private prefix = '';
  private stream: NodeJS.WriteStream | null = null;

  /** `new PrintSinkFunction()`, `new PrintSinkFunction(true)` (stderr) or `new PrintSinkFunction('id', stdErr?)`. */
  constructor(sinkIdentifierOrStdErr: string | boolean = '', stdErr = false) {
    super();
    if (typeof sinkIdentifierOrStdErr === 'boolean') {
      this.sinkIdentifier = '';
      this.stdErr = sinkIdentifierOrStdErr;
    } else {
      this.sinkIdentifier = sinkIdentifierOrStdErr;
      this.stdErr = stdErr;
    }
  }

  override open(openContext: OpenContext): void {
    const context = openContext.getRuntimeContext();
    let prefix = this.sinkIdentifier;
    if (context.getNumberOfParallelSubtasks() > 1) {
      if (prefix !== '') prefix += ':';
      prefix += String(context.getIndexOfThisSubtask() + 1);
    }
    if (prefix !== '') prefix += '> ';
    this.prefix = prefix;
    this.stream = this.stdErr ? process.stderr : process.stdout;
  }

  invoke(value: T): void | Promise<void> {
    const stream = this.stream ?? (this.stdErr ? process.stderr : process.stdout);
    // Waiting for 'drain' when the stream buffers (async pipes) is the sink's backpressure.
    if (stream.write(this.prefix + recordToString(value) + '\n') === false) {
      return new Promise((resolve) => stream.once('drain', resolve));
    }
  }
}

/** Java's toString for JS values: strings as they are, objects as JSON unless they define toString. */
export function recordToString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  const toString = (value as { toString?: unknown }).toString;
  if (typeof toString === 'function' && toString !== Object.prototype.toString && toString !== Array.prototype.toString) {
    try {
      return String(value);
    } catch {
      // fall through to JSON
    }
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}
