/*
 * How the CLI reports an error: the message, the error code, then one `cause:` line per cause, with
 * the place where the innermost error was thrown (usually a line of the user's function). The
 * whole stack only at FLINK_TS_LOG_LEVEL=debug or trace, where a person has asked for it.
 */
import { inspect } from 'node:util';

export function isVerbose(env: Record<string, string | undefined> = process.env): boolean {
  const level = env.FLINK_TS_LOG_LEVEL?.trim().toLowerCase();
  return level === 'debug' || level === 'trace';
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === 'string' ? error : inspect(error, { depth: 2, breakLength: Infinity });
  const code = (error as { code?: unknown }).code;
  const name = error.name === 'Error' || error.name === 'FlinkError' ? '' : `${error.name}: `;
  return `${name}${error.message}${typeof code === 'string' ? ` [${code}]` : ''}`;
}

/** The first stack frame, "at fn (file:line:col)", if the error has a stack. */
function firstFrame(error: unknown): string | undefined {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return undefined;
  return error.stack
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith('at '));
}

/**
 * A syntax error of an imported module has no frame in the file; Node puts "file:line" and the
 * offending source line at the top of its stack instead.
 */
function syntaxErrorLocation(error: unknown): string | undefined {
  if (!(error instanceof SyntaxError) || typeof error.stack !== 'string') return undefined;
  const header = error.stack.split('\n');
  const end = header.findIndex((line) => line.startsWith('SyntaxError'));
  return end > 0 ? header.slice(0, end).join('\n').trimEnd() : undefined;
}

export function formatError(error: unknown, verbose = isVerbose()): string {
  if (verbose) return `error: ${inspect(error, { depth: 8 })}`;
  const lines = [`error: ${describe(error)}`];
  const location = syntaxErrorLocation(error);
  if (location !== undefined) lines.push(location);
  let innermost = error;
  const seen = new Set<unknown>([error]);
  let cause = error instanceof Error ? error.cause : undefined;
  while (cause !== undefined && cause !== null && !seen.has(cause)) {
    seen.add(cause);
    lines.push(`  cause: ${describe(cause)}`);
    innermost = cause;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  // The engine's own errors say what and where in their message; a frame inside the engine would not help.
  const frame = location === undefined && !(innermost instanceof Error && innermost.name === 'FlinkError') ? firstFrame(innermost) : undefined;
  if (frame !== undefined) lines.push(`    ${frame}`);
  return lines.join('\n');
}
