/*
 * The values of one namespace of a heap state table, by normalized key (Flink's heap state keeps
 * its own hash map too, CopyOnWriteStateMap, rather than the JDK's). Keys that are int32 numbers,
 * the common case of numeric ids, live in an open-addressing table: one array of key, value,
 * key, value, ..., at most half full, with Robin Hood linear probing (an entry never sits further
 * from its slot than the entries it passed), so that a lookup, present key or absent, and a
 * deletion with backward shift stop as soon as an entry is nearer its slot than the probe. A
 * lookup reads one place of one array, where a JS Map follows a bucket to a chained entry.
 * Other keys (strings, tuples, booleans, bigints) live in a Map beside it.
 *
 * The slot of a key is the key with its higher bits folded into the lower ones: keys that are
 * close together stay close together (as with Java's HashMap), so records of neighbouring ids
 * touch neighbouring memory, while power-of-two strides still spread. Should keys nevertheless
 * pile up (an insert probes too far), the table switches to a scrambling hash for good.
 */
import type { NormalizedKey } from './state-keys.ts';

const MIN_CAPACITY = 16;
/** The largest table a size hint may ask for up front (entries beyond it grow the table as usual). */
const MAX_HINTED_CAPACITY = 1 << 20;
/** An insert that probes further than this means clustered keys: rehash with the scrambling hash. */
const MAX_PROBES = 48;

/** murmur3's fmix32: every bit of the key reaches every bit of the slot. */
function scramble(key: number): number {
  let h = key ^ (key >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function isInt32(key: NormalizedKey): key is number {
  return typeof key === 'number' && (key | 0) === key;
}

export class KeyMap<V> {
  /** Slot i holds its key at 2i and its value at 2i + 1; an undefined value marks a free slot (states never store undefined). */
  private slots: unknown[];
  private mask: number;
  private intCount = 0;
  private scrambled = false;
  /** Keys that are not int32 numbers. */
  private others: Map<NormalizedKey, V> | null = null;
  /** The most int32 keys the table held at once. */
  private peak = 0;

  /** `expectedSize`: how many keys the table will likely hold, to size it once rather than grow it step by step. */
  constructor(expectedSize = 0) {
    let capacity = MIN_CAPACITY;
    while (capacity < 2 * expectedSize && capacity < MAX_HINTED_CAPACITY) capacity *= 2;
    this.slots = new Array<unknown>(2 * capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  /** The most keys the table held at once (int32 keys; others count as they are now). */
  get peakSize(): number {
    return this.peak + (this.others === null ? 0 : this.others.size);
  }

  get size(): number {
    return this.intCount + (this.others === null ? 0 : this.others.size);
  }

  get(key: NormalizedKey): V | undefined {
    if (!isInt32(key)) return this.others === null ? undefined : this.others.get(key);
    const at = this.find(key);
    return at < 0 ? undefined : (this.slots[2 * at + 1] as V);
  }

  has(key: NormalizedKey): boolean {
    return this.get(key) !== undefined;
  }

  /** Stores `value` (never undefined) under `key`. */
  set(key: NormalizedKey, value: V): void {
    if (!isInt32(key)) {
      (this.others ??= new Map()).set(key, value);
      return;
    }
    const at = this.find(key);
    if (at >= 0) {
      this.slots[2 * at + 1] = value;
      return;
    }
    if ((this.intCount + 1) * 2 > this.mask + 1) this.resize((this.mask + 1) * 2);
    if (this.insert(key, value) > MAX_PROBES && !this.scrambled) {
      this.scrambled = true;
      this.resize(this.mask + 1);
    }
  }

  delete(key: NormalizedKey): boolean {
    if (!isInt32(key)) return this.others !== null && this.others.delete(key);
    let i = this.find(key);
    if (i < 0) return false;
    const slots = this.slots;
    const mask = this.mask;
    // Backward shift: the entries after the hole that are not in their own slot move one back.
    for (let j = (i + 1) & mask; slots[2 * j + 1] !== undefined && this.distance(j) !== 0; j = (j + 1) & mask) {
      slots[2 * i] = slots[2 * j];
      slots[2 * i + 1] = slots[2 * j + 1];
      i = j;
    }
    slots[2 * i + 1] = undefined;
    this.intCount--;
    const capacity = mask + 1;
    // Shrinks only well below its load limit, so that a window whose panes fire one by one rehashes seldom.
    if (this.intCount * 16 < capacity && capacity > MIN_CAPACITY) this.resize(Math.max(MIN_CAPACITY, capacity / 4));
    return true;
  }

  /** The keys: int32 keys in slot order, then the others. */
  *keys(): Generator<NormalizedKey> {
    for (const [key] of this.entries()) yield key;
  }

  /**
   * Every [key, value]: int32 keys in slot order, then the others. Deleting while iterating may
   * move a later entry to a slot already passed (missed) or, at the wrap-around, one already seen
   * to a later slot (seen twice); what iterates while deleting (incremental TTL cleanup) is
   * content with that.
   */
  *entries(): Generator<[NormalizedKey, V]> {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) {
      const value = slots[i + 1];
      if (value !== undefined) yield [slots[i] as number, value as V];
    }
    if (this.others !== null) yield* [...this.others];
  }

  /** A Map of the same entries (for snapshots, which keep what the table held). */
  toMap(): Map<NormalizedKey, V> {
    const map = new Map<NormalizedKey, V>();
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) {
      const value = slots[i + 1];
      if (value !== undefined) map.set(slots[i] as number, value as V);
    }
    if (this.others !== null) for (const [key, value] of this.others) map.set(key, value);
    return map;
  }

  private slotOf(key: number): number {
    const h = this.scrambled ? scramble(key) : key ^ (key >>> 11) ^ (key >>> 22);
    return h & this.mask;
  }

  /** How far the entry in slot `i` sits from its own slot. */
  private distance(i: number): number {
    return (i - this.slotOf(this.slots[2 * i] as number)) & this.mask;
  }

  /** The slot of `key`, or -1: the probe ends at a free slot or at an entry nearer its own slot. */
  private find(key: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = this.slotOf(key);
    for (let d = 0; ; d++) {
      if (slots[2 * i + 1] === undefined) return -1;
      if (slots[2 * i] === key) return i;
      if (this.distance(i) < d) return -1;
      i = (i + 1) & mask;
    }
  }

  /** Inserts a key that is not there (room assured); returns how far it probed. */
  private insert(key: number, value: unknown): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = this.slotOf(key);
    let d = 0;
    let probes = 0;
    for (;;) {
      const resident = slots[2 * i + 1];
      if (resident === undefined) {
        slots[2 * i] = key;
        slots[2 * i + 1] = value;
        if (++this.intCount > this.peak) this.peak = this.intCount;
        return probes;
      }
      // Robin Hood: an entry nearer its own slot gives this one its place and moves on.
      const residentDistance = this.distance(i);
      if (residentDistance < d) {
        const residentKey = slots[2 * i] as number;
        slots[2 * i] = key;
        slots[2 * i + 1] = value;
        key = residentKey;
        value = resident;
        d = residentDistance;
      }
      i = (i + 1) & mask;
      d++;
      probes++;
    }
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Array<unknown>(2 * capacity).fill(undefined);
    this.mask = capacity - 1;
    this.intCount = 0;
    for (let j = 0; j < old.length; j += 2) {
      const value = old[j + 1];
      if (value !== undefined) this.insert(old[j] as number, value);
    }
  }
}
