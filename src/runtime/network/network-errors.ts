/*
 * The errors of the network stack: memory that cannot be served (what was asked, what is left)
 * and channel failures (which channel, which peer). Both are FlinkErrors with a code of their own.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`;
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

export function insufficientMemory(message: string, context: Record<string, unknown> = {}): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_INSUFFICIENT_MEMORY, message, { context });
}

/** A channel failed; `channel` and `peer` say which one and to whom, so the message is actionable. */
export function networkError(message: string, channel: string, peer: string, cause?: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_NETWORK, `Channel '${channel}' (peer ${peer}): ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    context: { channel, peer },
  });
}
