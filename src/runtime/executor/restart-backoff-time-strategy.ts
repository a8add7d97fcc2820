/*
 * The runtime side of restart strategies (Flink's RestartBackoffTimeStrategy): told of every
 * failure, it says whether the job may restart and how long to wait first. One instance lives as
 * long as the job, across its restarts.
 */
import type { RestartStrategyConfiguration } from '../../api/environment/restart-strategies.ts';

export interface RestartBackoffTimeStrategy {
  notifyFailure(cause: unknown): void;
  canRestart(): boolean;
  /** Milliseconds to wait before the restart. */
  getBackoffTime(): number;
  toString(): string;
}

export function createRestartBackoffTimeStrategy(config: RestartStrategyConfiguration, clock: () => number = Date.now, random: () => number = Math.random): RestartBackoffTimeStrategy {
  switch (config.type) {
    case 'fixed-delay':
      return new FixedDelayRestartBackoffTimeStrategy(config.restartAttempts, config.delayMs);
    case 'failure-rate':
      return new FailureRateRestartBackoffTimeStrategy(config.maxFailuresPerInterval, config.failureIntervalMs, config.delayMs, clock);
    case 'exponential-delay':
      return new ExponentialDelayRestartBackoffTimeStrategy(config, clock, random);
    case 'none':
    case 'fallback':
      return new NoRestartBackoffTimeStrategy();
  }
}

export class NoRestartBackoffTimeStrategy implements RestartBackoffTimeStrategy {
  notifyFailure(): void {}
  canRestart(): boolean {
    return false;
  }
  getBackoffTime(): number {
    return 0;
  }
  toString(): string {
    return 'NoRestartBackoffTimeStrategy';
  }
}

export class FixedDelayRestartBackoffTimeStrategy implements RestartBackoffTimeStrategy {
  private readonly maxAttempts: number;
  private readonly delayMs: number;
  private failures = 0;

  constructor(maxAttempts: number, delayMs: number) {
    this.maxAttempts = maxAttempts;
    this.delayMs = delayMs;
  }

  notifyFailure(): void {
    this.failures++;
  }

  canRestart(): boolean {
    return this.failures <= this.maxAttempts;
  }

  getBackoffTime(): number {
    return this.delayMs;
  }

  toString(): string {
    return `FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=${this.maxAttempts}, backoffTimeMS=${this.delayMs})`;
  }
}

/** As Flink's: the job fails when `maxFailuresPerInterval` failures fall within `intervalMs`. */
export class FailureRateRestartBackoffTimeStrategy implements RestartBackoffTimeStrategy {
  private readonly maxFailures: number;
  private readonly intervalMs: number;
  private readonly delayMs: number;
  private readonly clock: () => number;
  private readonly failureTimestamps: number[] = [];

  constructor(maxFailuresPerInterval: number, intervalMs: number, delayMs: number, clock: () => number) {
    this.maxFailures = maxFailuresPerInterval;
    this.intervalMs = intervalMs;
    this.delayMs = delayMs;
    this.clock = clock;
  }

  notifyFailure(): void {
    if (this.failureTimestamps.length >= this.maxFailures) this.failureTimestamps.shift();
    this.failureTimestamps.push(this.clock());
  }

  canRestart(): boolean {
    if (this.failureTimestamps.length < this.maxFailures) return true;
    return this.clock() - this.failureTimestamps[0]! > this.intervalMs;
  }

  getBackoffTime(): number {
    return this.delayMs;
  }

  toString(): string {
    return `FailureRateRestartBackoffTimeStrategy(failuresIntervalMS=${this.intervalMs}, backoffTimeMS=${this.delayMs}, maxFailuresPerInterval=${this.maxFailures})`;
  }
}

type ExponentialConfig = Extract<RestartStrategyConfiguration, { type: 'exponential-delay' }>;

/**
 * The delay starts at the initial backoff and is multiplied after each failure up to the maximum;
 * a failure after a quiet period of the reset threshold starts over (and resets the attempts).
 */
export class ExponentialDelayRestartBackoffTimeStrategy implements RestartBackoffTimeStrategy {
  private readonly config: ExponentialConfig;
  private readonly clock: () => number;
  private readonly random: () => number;
  private currentBackoffMs = 0;
  private lastFailure = Number.NEGATIVE_INFINITY;
  private attempts = 0;

  constructor(config: ExponentialConfig, clock: () => number, random: () => number) {
    this.config = config;
    this.clock = clock;
    this.random = random;
  }

  notifyFailure(): void {
    const now = this.clock();
    if (this.attempts === 0 || now - this.lastFailure >= this.config.resetBackoffThresholdMs) {
      this.currentBackoffMs = this.config.initialBackoffMs;
      this.attempts = 1;
    } else {
      this.currentBackoffMs = Math.min(this.currentBackoffMs * this.config.backoffMultiplier, this.config.maxBackoffMs);
      this.attempts++;
    }
    this.lastFailure = now;
  }

  canRestart(): boolean {
    return this.attempts <= this.config.attemptsBeforeResetBackoff;
  }

  getBackoffTime(): number {
    const jitter = this.currentBackoffMs * this.config.jitterFactor * (2 * this.random() - 1);
    return Math.max(0, Math.min(this.config.maxBackoffMs, Math.round(this.currentBackoffMs + jitter)));
  }

  toString(): string {
    const c = this.config;
    return `ExponentialDelayRestartBackoffTimeStrategy(initialBackoffMS=${c.initialBackoffMs}, maxBackoffMS=${c.maxBackoffMs}, backoffMultiplier=${c.backoffMultiplier}, resetBackoffThresholdMS=${c.resetBackoffThresholdMs}, jitterFactor=${c.jitterFactor}, attemptsBeforeResetBackoff=${c.attemptsBeforeResetBackoff})`;
  }
}
