/*
 * A contiguous, inclusive range of key groups: the unit in which keyed state is owned by a subtask
 * and moved on rescaling. Mirrors Flink's KeyGroupRange, including its empty range (0, -1).
 */

import { ErrorCodes, FlinkError } from '../../errors.ts';

// Only the module may build the empty range, whose bounds fail the constructor's checks on purpose.
let buildingEmpty = false;

export class KeyGroupRange implements Iterable<number> {
  /** The range without key groups; `getIntersection` returns it when ranges do not overlap. */
  static readonly EMPTY: KeyGroupRange = KeyGroupRange.makeEmpty();

  readonly startKeyGroup: number;
  readonly endKeyGroup: number;

  /** The range [startKeyGroup, endKeyGroup], both inclusive. */
  constructor(startKeyGroup: number, endKeyGroup: number) {
    if (!buildingEmpty) {
      if (!Number.isInteger(startKeyGroup) || !Number.isInteger(endKeyGroup) || startKeyGroup < 0 || startKeyGroup > endKeyGroup) {
        throw new FlinkError(
          ErrorCodes.FLINK_TS_ILLEGAL_STATE,
          `Invalid key group range [${startKeyGroup}, ${endKeyGroup}]: bounds must be integers with 0 <= start <= end.`,
        );
      }
    }
    this.startKeyGroup = startKeyGroup;
    this.endKeyGroup = endKeyGroup;
  }

  private static makeEmpty(): KeyGroupRange {
    buildingEmpty = true;
    try {
      return new KeyGroupRange(0, -1);
    } finally {
      buildingEmpty = false;
    }
  }

  /** Like Flink's factory: a start after the end yields EMPTY instead of an error. */
  static of(startKeyGroup: number, endKeyGroup: number): KeyGroupRange {
    return startKeyGroup <= endKeyGroup ? new KeyGroupRange(startKeyGroup, endKeyGroup) : KeyGroupRange.EMPTY;
  }

  get numberOfKeyGroups(): number {
    return 1 + this.endKeyGroup - this.startKeyGroup;
  }

  contains(keyGroup: number): boolean {
    return keyGroup >= this.startKeyGroup && keyGroup <= this.endKeyGroup;
  }

  getIntersection(other: KeyGroupRange): KeyGroupRange {
    const start = Math.max(this.startKeyGroup, other.startKeyGroup);
    const end = Math.min(this.endKeyGroup, other.endKeyGroup);
    return start <= end ? new KeyGroupRange(start, end) : KeyGroupRange.EMPTY;
  }

  /** The key group at position `index` of this range. */
  getKeyGroupId(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.numberOfKeyGroups) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Key group index out of bounds: ${index} (range ${this.toString()}).`);
    }
    return this.startKeyGroup + index;
  }

  equals(other: unknown): boolean {
    return other instanceof KeyGroupRange && other.startKeyGroup === this.startKeyGroup && other.endKeyGroup === this.endKeyGroup;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let kg = this.startKeyGroup; kg <= this.endKeyGroup; kg++) yield kg;
  }

  toString(): string {
    return `KeyGroupRange{startKeyGroup=${this.startKeyGroup}, endKeyGroup=${this.endKeyGroup}}`;
  }
}
