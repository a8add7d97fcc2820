import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkError } from '../../../../src/errors.ts';
import { readChangelogSegment, StateChangelog } from '../../../../src/runtime/state/rocksdb/rocksdb-changelog.ts';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

function entries(segment: Uint8Array): [string, number[], number[] | null][] {
  const out: [string, number[], number[] | null][] = [];
  readChangelogSegment(segment, 'test segment', (family, key, value) => out.push([family, [...key], value === null ? null : [...value]]));
  return out;
}

describe('StateChangelog', () => {
  it('seals the writes since the last seal, in write order, with their column families', () => {
    const log = new StateChangelog(1 << 20);
    log.append(log.family('count'), bytes(0, 1, 7), bytes(42));
    log.append(log.family('_timer_state/event_timers'), bytes(0, 2, 9), bytes());
    log.append(log.family('count'), bytes(0, 1, 7), null);
    const first = log.seal();
    assert.deepEqual(entries(first), [
      ['count', [0, 1, 7], [42]],
      ['_timer_state/event_timers', [0, 2, 9], []],
      ['count', [0, 1, 7], null],
    ]);
    assert.equal(log.pendingBytes, 0);
    log.append(log.family('count'), bytes(0, 3), bytes(1, 2, 3));
    assert.deepEqual(entries(log.seal()), [['count', [0, 3], [1, 2, 3]]]);
    assert.deepEqual(entries(log.seal()), [], 'an empty segment');
  });

  it('grows past its first buffer', () => {
    const log = new StateChangelog(64 << 20);
    const value = new Uint8Array(1000).fill(5);
    for (let i = 0; i < 3000; i++) log.append(log.family('big'), bytes(0, i & 0xff, i >> 8), value);
    const read = entries(log.seal());
    assert.equal(read.length, 3000);
    assert.deepEqual(read[2999]![1], [0, 2999 & 0xff, 2999 >> 8]);
    assert.equal(read[2999]![2]!.length, 1000);
  });

  it('stops logging once the changes since the materialization outgrow the bound, and says so', () => {
    const log = new StateChangelog(200);
    for (let i = 0; i < 5; i++) log.append(log.family('s'), bytes(0, i), new Uint8Array(20));
    assert.equal(log.overflowed, false);
    log.seal();
    for (let i = 0; i < 5; i++) log.append(log.family('s'), bytes(0, i), new Uint8Array(20));
    assert.equal(log.overflowed, true, 'the sealed bytes count towards the bound');
  });

  it('names the segment and the byte offset of a corrupt or cut segment', () => {
    const log = new StateChangelog(1 << 20);
    log.append(log.family('count'), bytes(0, 1), bytes(9, 9, 9, 9));
    const segment = log.seal();
    assert.throws(() => entries(segment.subarray(0, segment.length - 2)), (e: unknown) => e instanceof FlinkError && /test segment is corrupt at byte \d+: an entry is cut short/.test(e.message));
    const wrong = segment.slice();
    wrong[0] = 0;
    assert.throws(() => entries(wrong), /test segment is corrupt at byte 0: it does not start with a changelog header/);
  });
});
