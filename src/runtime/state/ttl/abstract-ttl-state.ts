/*
 * Base of the TTL state wrappers (Flink's AbstractTtlDecorator and AbstractTtlState). A wrapper
 * sits in front of a backend's ordinary state whose values are TtlValues, so the same wrappers
 * serve the heap and the RocksDB backend: writes stamp values with the current time, reads hide
 * (or, with ReturnExpiredIfNotCleanedUp, return once) and remove expired values, and
 * OnReadAndWrite refreshes the timestamp on reads.
 */
import type { StateDescriptor } from '../../../api/state/state-descriptor.ts';
import { StateVisibility, UpdateType, type StateTtlConfig } from '../../../api/state/state-ttl-config.ts';
import type { InternalKvState, Namespace } from '../keyed-state-backend.ts';
import type { TtlTimeProvider } from './ttl-time-provider.ts';
import { isExpired, ttlValue, type TtlValue } from './ttl-value.ts';

/** What a TTL wrapper needs besides the state it wraps. */
export interface TtlStateContext {
  readonly config: StateTtlConfig;
  readonly timeProvider: TtlTimeProvider;
  /** Runs on every state access: incremental cleanup. Null when there is none. */
  readonly onAccess: (() => void) | null;
}

/** Expiry decisions, shared by the state wrappers and the TTL reduce / aggregate functions. */
export class TtlDecorator {
  readonly ttl: number;
  readonly updateTsOnRead: boolean;
  readonly returnExpired: boolean;
  readonly timeProvider: TtlTimeProvider;

  constructor(context: TtlStateContext) {
    this.ttl = context.config.ttlMillis;
    this.updateTsOnRead = context.config.updateType === UpdateType.OnReadAndWrite;
    this.returnExpired = context.config.stateVisibility === StateVisibility.ReturnExpiredIfNotCleanedUp;
    this.timeProvider = context.timeProvider;
  }

  now(): number {
    return this.timeProvider.currentTimestamp();
  }

  expired(value: TtlValue<unknown>, now = this.now()): boolean {
    return isExpired(value.lastAccessTimestamp, this.ttl, now);
  }

  wrap<T>(value: T, now = this.now()): TtlValue<T> {
    return ttlValue(value, now);
  }

  /** The user value if it is visible: present, and unexpired unless expired values are returned. */
  getUnexpired<T>(value: TtlValue<T> | null | undefined): T | undefined {
    return value === undefined || value === null || (!this.returnExpired && this.expired(value)) ? undefined : value.userValue;
  }

  /**
   * Flink's getWrappedWithTtlCheckAndUpdate: an expired value is cleared (and returned only with
   * ReturnExpiredIfNotCleanedUp); an unexpired one gets a new timestamp with OnReadAndWrite.
   */
  getWithTtlCheckAndUpdate<T>(getter: () => TtlValue<T> | undefined, updater: (value: TtlValue<T>) => void, clear: () => void): TtlValue<T> | undefined {
    const value = getter();
    if (value === undefined || value === null) return undefined;
    const now = this.now();
    if (this.expired(value, now)) {
      clear();
      return this.returnExpired ? value : undefined;
    }
    if (this.updateTsOnRead) updater(ttlValue(value.userValue, now));
    return value;
  }
}

export abstract class AbstractTtlState<O extends InternalKvState> implements InternalKvState {
  readonly descriptor: StateDescriptor<unknown>;
  protected readonly original: O;
  protected readonly ttl: TtlDecorator;
  private readonly onAccess: (() => void) | null;

  constructor(descriptor: StateDescriptor<any>, original: O, context: TtlStateContext) {
    this.descriptor = descriptor;
    this.original = original;
    this.ttl = new TtlDecorator(context);
    this.onAccess = context.onAccess;
  }

  /** The wrapped state (for backends and tests). */
  getOriginal(): O {
    return this.original;
  }

  setCurrentNamespace(namespace: Namespace): void {
    this.original.setCurrentNamespace(namespace);
  }

  mergeNamespaces(target: Namespace, sources: readonly Namespace[]): void {
    this.accessed();
    this.original.mergeNamespaces(target, sources);
  }

  clear(): void {
    this.accessed();
    this.original.clear();
  }

  protected accessed(): void {
    if (this.onAccess !== null) this.onAccess();
  }
}

/**
 * Reducing and aggregating states of every backend also expose their stored accumulator (Flink's
 * InternalAppendingState), which the TTL wrappers need to see the timestamp.
 */
export interface InternalAppendingState<ACC> extends InternalKvState {
  getInternal(): ACC | undefined;
  updateInternal(value: ACC | undefined): void;
}
