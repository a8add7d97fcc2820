/*
 * Flink's KeyGroupRangeAssignment: key -> key group (murmur hash of the key's hash code modulo the
 * max parallelism) -> operator index, and each operator index's contiguous range of key groups.
 * The arithmetic is Java int arithmetic, so a key lands on the same subtask as it would in Flink
 * for the same hash code, max parallelism and parallelism.
 */

import { ErrorCodes, FlinkError, invalidPipeline } from '../../errors.ts';
import { KeyGroupRange } from './key-group-range.ts';
import { hashKey } from './key-hash.ts';

/** The default lower bound for max parallelism, leaving room to scale up when none is configured. */
export const DEFAULT_LOWER_BOUND_MAX_PARALLELISM = 1 << 7;

/** The inclusive upper bound for (max) parallelism. */
export const UPPER_BOUND_MAX_PARALLELISM = 1 << 15;

const INT_MIN = -2147483648;

/** Flink's MathUtils.murmurHash: a full-avalanche mix of a 32-bit int into a non-negative int. */
export function murmurHash(code: number): number {
  code = Math.imul(code, 0xcc9e2d51);
  code = (code << 15) | (code >>> 17);
  code = Math.imul(code, 0x1b873593);

  code = (code << 13) | (code >>> 19);
  code = (Math.imul(code, 5) + 0xe6546b64) | 0;

  code ^= 4;
  code ^= code >>> 16;
  code = Math.imul(code, 0x85ebca6b);
  code ^= code >>> 13;
  code = Math.imul(code, 0xc2b2ae35);
  code ^= code >>> 16;

  if (code >= 0) return code;
  if (code !== INT_MIN) return -code;
  return 0;
}

/** Flink's MathUtils.roundUpToPowerOfTwo for positive ints. */
export function roundUpToPowerOfTwo(x: number): number {
  x = (x - 1) | 0;
  x |= x >> 1;
  x |= x >> 2;
  x |= x >> 4;
  x |= x >> 8;
  x |= x >> 16;
  return (x + 1) | 0;
}

/** The subtask index that owns `key`. Throws FLINK_TS_INVALID_KEY for keys hashKey rejects. */
export function assignKeyToParallelOperator(key: unknown, maxParallelism: number, parallelism: number): number {
  return computeOperatorIndexForKeyGroup(maxParallelism, parallelism, assignToKeyGroup(key, maxParallelism));
}

/** The key group of `key`, in [0, maxParallelism). Throws FLINK_TS_INVALID_KEY for keys hashKey rejects. */
export function assignToKeyGroup(key: unknown, maxParallelism: number): number {
  return computeKeyGroupForKeyHash(hashKey(key), maxParallelism);
}

export function computeKeyGroupForKeyHash(keyHash: number, maxParallelism: number): number {
  return murmurHash(keyHash) % maxParallelism;
}

/**
 * The key groups owned by subtask `operatorIndex`: contiguous, and over all indices covering
 * [0, maxParallelism) exactly once. Products stay below 2^31 because maxParallelism <= 2^15.
 */
export function computeKeyGroupRangeForOperatorIndex(maxParallelism: number, parallelism: number, operatorIndex: number): KeyGroupRange {
  checkParallelismPreconditions(parallelism);
  checkParallelismPreconditions(maxParallelism);
  if (maxParallelism < parallelism) {
    throw invalidPipeline(`Maximum parallelism must not be smaller than parallelism (max parallelism ${maxParallelism}, parallelism ${parallelism}).`);
  }
  if (!Number.isInteger(operatorIndex) || operatorIndex < 0 || operatorIndex >= parallelism) {
    throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Operator index ${operatorIndex} is out of range for parallelism ${parallelism}.`);
  }
  const start = Math.floor((operatorIndex * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((operatorIndex + 1) * maxParallelism - 1) / parallelism);
  return new KeyGroupRange(start, end);
}

/** The subtask index that owns `keyGroupId`; the inverse of computeKeyGroupRangeForOperatorIndex. */
export function computeOperatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroupId: number): number {
  return Math.floor((keyGroupId * parallelism) / maxParallelism);
}

/** The max parallelism used when none is configured: 1.5 x parallelism rounded up to a power of two, within [128, 32768]. */
export function computeDefaultMaxParallelism(operatorParallelism: number): number {
  checkParallelismPreconditions(operatorParallelism);
  return Math.min(
    Math.max(roundUpToPowerOfTwo(operatorParallelism + Math.floor(operatorParallelism / 2)), DEFAULT_LOWER_BOUND_MAX_PARALLELISM),
    UPPER_BOUND_MAX_PARALLELISM,
  );
}

/** Throws FLINK_TS_INVALID_PIPELINE unless 0 < parallelism <= 32768 (an integer). */
export function checkParallelismPreconditions(parallelism: number): void {
  if (!Number.isInteger(parallelism) || parallelism <= 0 || parallelism > UPPER_BOUND_MAX_PARALLELISM) {
    throw invalidPipeline(`Operator parallelism not within bounds: ${parallelism} (must be an integer in [1, ${UPPER_BOUND_MAX_PARALLELISM}]).`);
  }
}
