/*
 * The root logger of Flink.TS: JSON lines on stderr, at 'warn' unless FLINK_TS_LOG_LEVEL says otherwise, so a
 * library embedded in an application keeps the application's stdout clean and stays quiet by default.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVEL_ENV = 'FLINK_TS_LOG_LEVEL';
export const DEFAULT_LOG_LEVEL = 'warn';

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The level for a FLINK_TS_LOG_LEVEL value: a pino level name (any case), else the default. */
export function resolveLogLevel(value: string | undefined): string {
  const level = value?.trim().toLowerCase();
  return level !== undefined && LEVELS.includes(level) ? level : DEFAULT_LOG_LEVEL;
}

const requested = process.env[LOG_LEVEL_ENV];

// Synchronous writes: the last lines before a crash are the ones that matter.
export const logger: Logger = pino(
  { name: 'flink-ts', level: resolveLogLevel(requested) },
  pino.destination({ dest: 2, sync: true }),
);

if (requested !== undefined && requested.trim() !== '' && resolveLogLevel(requested) !== requested.trim().toLowerCase()) {
  logger.warn(`Ignoring ${LOG_LEVEL_ENV}=${JSON.stringify(requested)}: expected one of ${LEVELS.join(', ')}.`);
}

/** A child of the root logger whose lines carry `component`, e.g. getLogger('checkpoint-coordinator'). */
export function getLogger(component: string): Logger {
  return logger.child({ component });
}
