/*
 * StateTtlConfig: time-to-live of keyed state entries, as Flink's: when a value's last write (or
 * read) is older than the TTL it expires; expired values are never returned (or returned until
 * cleaned up, if configured), and are removed in full snapshots, incrementally while processing,
 * or by RocksDB's compaction filter.
 */
import { toMillis, type DurationLike } from '../common/duration.ts';

export const UpdateType = { Disabled: 'Disabled', OnCreateAndWrite: 'OnCreateAndWrite', OnReadAndWrite: 'OnReadAndWrite' } as const;
export type UpdateType = (typeof UpdateType)[keyof typeof UpdateType];

export const StateVisibility = { ReturnExpiredIfNotCleanedUp: 'ReturnExpiredIfNotCleanedUp', NeverReturnExpired: 'NeverReturnExpired' } as const;
export type StateVisibility = (typeof StateVisibility)[keyof typeof StateVisibility];

export const TtlTimeCharacteristic = { ProcessingTime: 'ProcessingTime' } as const;
export type TtlTimeCharacteristic = (typeof TtlTimeCharacteristic)[keyof typeof TtlTimeCharacteristic];

export interface CleanupStrategies {
  readonly fullSnapshot: boolean;
  /** Entries checked per state access, and whether every record triggers a check. */
  readonly incremental: { readonly cleanupSize: number; readonly runCleanupForEveryRecord: boolean } | null;
  /** RocksDB compaction filter: how often (in entries) the filter refreshes the current time. */
  readonly rocksdbCompactionFilter: { readonly queryTimeAfterNumEntries: number } | null;
  readonly inBackground: boolean;
}

export class StateTtlConfig {
  readonly ttlMillis: number;
  readonly updateType: UpdateType;
  readonly stateVisibility: StateVisibility;
  readonly ttlTimeCharacteristic: TtlTimeCharacteristic;
  readonly cleanupStrategies: CleanupStrategies;

  private constructor(builder: StateTtlConfigBuilder) {
    this.ttlMillis = builder.ttlMillis;
    this.updateType = builder.updateType;
    this.stateVisibility = builder.stateVisibility;
    this.ttlTimeCharacteristic = TtlTimeCharacteristic.ProcessingTime;
    this.cleanupStrategies = { ...builder.cleanup };
  }

  static newBuilder(ttl: DurationLike): StateTtlConfigBuilder {
    return new StateTtlConfigBuilder(ttl, (b) => new StateTtlConfig(b));
  }

  isEnabled(): boolean {
    return this.updateType !== UpdateType.Disabled;
  }
}

export class StateTtlConfigBuilder {
  ttlMillis: number;
  updateType: UpdateType = UpdateType.OnCreateAndWrite;
  stateVisibility: StateVisibility = StateVisibility.NeverReturnExpired;
  cleanup: { -readonly [K in keyof CleanupStrategies]: CleanupStrategies[K] } = {
    fullSnapshot: false,
    incremental: null,
    rocksdbCompactionFilter: null,
    inBackground: true,
  };
  private readonly create: (builder: StateTtlConfigBuilder) => StateTtlConfig;

  constructor(ttl: DurationLike, create: (builder: StateTtlConfigBuilder) => StateTtlConfig) {
    this.ttlMillis = toMillis(ttl, 'The state TTL');
    if (this.ttlMillis <= 0) throw new RangeError(`The state TTL must be positive, got ${this.ttlMillis} ms`);
    this.create = create;
  }

  setUpdateType(updateType: UpdateType): this {
    this.updateType = updateType;
    return this;
  }
  updateTtlOnCreateAndWrite(): this {
    return this.setUpdateType(UpdateType.OnCreateAndWrite);
  }
  updateTtlOnReadAndWrite(): this {
    return this.setUpdateType(UpdateType.OnReadAndWrite);
  }
  setStateVisibility(visibility: StateVisibility): this {
    this.stateVisibility = visibility;
    return this;
  }
  returnExpiredIfNotCleanedUp(): this {
    return this.setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp);
  }
  neverReturnExpired(): this {
    return this.setStateVisibility(StateVisibility.NeverReturnExpired);
  }
  setTtl(ttl: DurationLike): this {
    this.ttlMillis = toMillis(ttl, 'The state TTL');
    return this;
  }
  cleanupFullSnapshot(): this {
    this.cleanup.fullSnapshot = true;
    return this;
  }
  cleanupIncrementally(cleanupSize: number, runCleanupForEveryRecord: boolean): this {
    if (!Number.isInteger(cleanupSize) || cleanupSize <= 0) throw new RangeError(`cleanupSize must be a positive integer, got ${cleanupSize}`);
    this.cleanup.incremental = { cleanupSize, runCleanupForEveryRecord };
    return this;
  }
  cleanupInRocksdbCompactFilter(queryTimeAfterNumEntries: number): this {
    this.cleanup.rocksdbCompactionFilter = { queryTimeAfterNumEntries };
    return this;
  }
  disableCleanupInBackground(): this {
    this.cleanup.inBackground = false;
    return this;
  }
  build(): StateTtlConfig {
    return this.create(this);
  }
}
