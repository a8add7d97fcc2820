/*
 * The clock of state TTL (Flink's TtlTimeProvider): processing time, Date.now() by default.
 * Backends take one so that tests can move time by hand.
 */

export interface TtlTimeProvider {
  currentTimestamp(): number;
}

export const TtlTimeProvider = {
  DEFAULT: { currentTimestamp: (): number => Date.now() } as TtlTimeProvider,
} as const;
