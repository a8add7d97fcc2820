/*
 * RestartStrategies: what a job does when a task fails (Flink's RestartStrategies). Each factory
 * returns a configuration that `env.setRestartStrategy(...)` writes into the job's configuration
 * under Flink's keys ('restart-strategy.type', 'restart-strategy.fixed-delay.attempts', ...), so
 * the API and the keys are one setting. Without one, Flink 1.19's default applies: no restart
 * without checkpointing, exponential-delay with checkpointing.
 */
import { invalidPipeline } from '../../errors.ts';
import type { Configuration } from '../../configuration/configuration.ts';
import { RestartStrategyOptions as R } from '../../configuration/config-options.ts';
import { toMillis, type DurationLike } from '../common/duration.ts';

export type RestartStrategyConfiguration =
  | { readonly type: 'none' }
  | { readonly type: 'fixed-delay'; readonly restartAttempts: number; readonly delayMs: number }
  | { readonly type: 'failure-rate'; readonly maxFailuresPerInterval: number; readonly failureIntervalMs: number; readonly delayMs: number }
  | {
      readonly type: 'exponential-delay';
      readonly initialBackoffMs: number;
      readonly maxBackoffMs: number;
      readonly backoffMultiplier: number;
      readonly resetBackoffThresholdMs: number;
      readonly jitterFactor: number;
      readonly attemptsBeforeResetBackoff: number;
    }
  /** Use what the configuration (or the default) says. */
  | { readonly type: 'fallback' };

function count(value: number, what: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw invalidPipeline(`${what} must be an integer of at least ${min}, got ${value}`);
  return value;
}

function millis(value: DurationLike, what: string): number {
  const ms = toMillis(value, what);
  if (ms < 0) throw invalidPipeline(`${what} must not be negative, got ${ms} ms`);
  return ms;
}

export const RestartStrategies = {
  noRestart(): RestartStrategyConfiguration {
    return { type: 'none' };
  },

  /** Restarts up to `restartAttempts` times, waiting `delay` before each restart. */
  fixedDelayRestart(restartAttempts: number, delay: DurationLike): RestartStrategyConfiguration {
    return { type: 'fixed-delay', restartAttempts: count(restartAttempts, 'The number of restart attempts', 0), delayMs: millis(delay, 'The restart delay') };
  },

  /** Restarts while fewer than `maxFailuresPerInterval` failures happened within `failureInterval`. */
  failureRateRestart(maxFailuresPerInterval: number, failureInterval: DurationLike, delay: DurationLike): RestartStrategyConfiguration {
    return {
      type: 'failure-rate',
      maxFailuresPerInterval: count(maxFailuresPerInterval, 'The maximum number of failures per interval', 1),
      failureIntervalMs: millis(failureInterval, 'The failure interval'),
      delayMs: millis(delay, 'The restart delay'),
    };
  },

  /**
   * Restarts with a delay that starts at `initialBackoff` and grows by `backoffMultiplier` after
   * every failure up to `maxBackoff`; after `resetBackoffThreshold` without failure it starts over.
   */
  exponentialDelayRestart(
    initialBackoff: DurationLike,
    maxBackoff: DurationLike,
    backoffMultiplier: number,
    resetBackoffThreshold: DurationLike,
    jitterFactor: number,
    attemptsBeforeResetBackoff = 2 ** 31 - 1,
  ): RestartStrategyConfiguration {
    if (!(backoffMultiplier >= 1)) throw invalidPipeline(`The backoff multiplier must be at least 1, got ${backoffMultiplier}`);
    if (!(jitterFactor >= 0 && jitterFactor <= 1)) throw invalidPipeline(`The jitter factor must be between 0 and 1, got ${jitterFactor}`);
    return {
      type: 'exponential-delay',
      initialBackoffMs: millis(initialBackoff, 'The initial backoff'),
      maxBackoffMs: millis(maxBackoff, 'The maximum backoff'),
      backoffMultiplier,
      resetBackoffThresholdMs: millis(resetBackoffThreshold, 'The reset backoff threshold'),
      jitterFactor,
      attemptsBeforeResetBackoff: count(attemptsBeforeResetBackoff, 'The number of attempts before the backoff resets', 0),
    };
  },

  fallBackRestart(): RestartStrategyConfiguration {
    return { type: 'fallback' };
  },
} as const;

/** Writes a restart strategy into the configuration under Flink's keys. */
export function applyRestartStrategy(configuration: Configuration, strategy: RestartStrategyConfiguration): void {
  switch (strategy.type) {
    case 'fallback':
      configuration.remove(R.RESTART_STRATEGY);
      return;
    case 'none':
      configuration.set(R.RESTART_STRATEGY, 'none');
      return;
    case 'fixed-delay':
      configuration.set(R.RESTART_STRATEGY, 'fixed-delay');
      configuration.set(R.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, strategy.restartAttempts);
      configuration.set(R.RESTART_STRATEGY_FIXED_DELAY_DELAY, strategy.delayMs);
      return;
    case 'failure-rate':
      configuration.set(R.RESTART_STRATEGY, 'failure-rate');
      configuration.set(R.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL, strategy.maxFailuresPerInterval);
      configuration.set(R.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL, strategy.failureIntervalMs);
      configuration.set(R.RESTART_STRATEGY_FAILURE_RATE_DELAY, strategy.delayMs);
      return;
    case 'exponential-delay':
      configuration.set(R.RESTART_STRATEGY, 'exponential-delay');
      configuration.set(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, strategy.initialBackoffMs);
      configuration.set(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, strategy.maxBackoffMs);
      configuration.set(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, strategy.backoffMultiplier);
      configuration.set(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD, strategy.resetBackoffThresholdMs);
      configuration.set(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, strategy.jitterFactor);
      configuration.set(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, strategy.attemptsBeforeResetBackoff);
      return;
  }
}

/** The restart strategy the configuration sets, with Flink 1.19's default when it sets none. */
export function resolveRestartStrategy(configuration: Configuration, checkpointingEnabled: boolean): RestartStrategyConfiguration {
  const type = configuration.getOptional(R.RESTART_STRATEGY);
  switch (type) {
    case undefined:
      return checkpointingEnabled ? resolveExponential(configuration) : { type: 'none' };
    case 'none':
    case 'disable':
    case 'off':
      return { type: 'none' };
    case 'fixed-delay':
    case 'fixeddelay':
      return { type: 'fixed-delay', restartAttempts: configuration.get(R.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS), delayMs: configuration.get(R.RESTART_STRATEGY_FIXED_DELAY_DELAY) };
    case 'failure-rate':
    case 'failurerate':
      return {
        type: 'failure-rate',
        maxFailuresPerInterval: configuration.get(R.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL),
        failureIntervalMs: configuration.get(R.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL),
        delayMs: configuration.get(R.RESTART_STRATEGY_FAILURE_RATE_DELAY),
      };
    case 'exponential-delay':
    case 'exponentialdelay':
      return resolveExponential(configuration);
  }
}

function resolveExponential(configuration: Configuration): RestartStrategyConfiguration {
  return {
    type: 'exponential-delay',
    initialBackoffMs: configuration.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF),
    maxBackoffMs: configuration.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF),
    backoffMultiplier: configuration.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER),
    resetBackoffThresholdMs: configuration.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD),
    jitterFactor: configuration.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR),
    attemptsBeforeResetBackoff: configuration.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS),
  };
}
