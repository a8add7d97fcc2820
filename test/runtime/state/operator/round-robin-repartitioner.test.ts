/*
 * Redistribution of operator state snapshots over a new parallelism, checked against the numbers
 * Flink's RoundRobinOperatorStateRepartitioner produces: even contiguous splits of list state
 * with the odd elements rotating between states, unions everywhere, one broadcast copy each.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from 'flink-ts';
import {
  OPERATOR_STATE_SNAPSHOT_VERSION,
  OperatorStateModes,
  type OperatorStateEntry,
  type OperatorStateMode,
  type OperatorStateSnapshot,
} from '../../../../src/runtime/state/operator/operator-state-snapshot.ts';
import { redistributeOperatorState } from '../../../../src/runtime/state/operator/round-robin-repartitioner.ts';
import { assertFlinkError, thrown } from '../../../helpers.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SERIALIZER = { id: 'test', version: 1 };

function entry(name: string, mode: OperatorStateMode, elements: string[]): OperatorStateEntry {
  const base = { name, mode, serializer: SERIALIZER, elements: elements.map((e) => encoder.encode(e)) };
  return mode === OperatorStateModes.BROADCAST ? { ...base, keySerializer: SERIALIZER } : base;
}

function snapshot(...states: OperatorStateEntry[]): OperatorStateSnapshot {
  return { version: OPERATOR_STATE_SNAPSHOT_VERSION, states };
}

function lists(name: string, mode: OperatorStateMode, ...perSubtask: string[][]): OperatorStateSnapshot[] {
  return perSubtask.map((elements) => snapshot(entry(name, mode, elements)));
}

/** What each new subtask would restore of `name`: its elements, concatenated in part order. */
function restoredElements(parts: OperatorStateSnapshot[][], name: string): string[][] {
  return parts.map((subtaskParts) => subtaskParts.flatMap((p) => p.states.filter((s) => s.name === name).flatMap((s) => s.elements.map((e) => decoder.decode(e)))));
}

describe('redistributeOperatorState: list state (SPLIT_DISTRIBUTE)', () => {
  it('3 subtasks [a,b,c] [d] [e,f] to 2 subtasks: [a,b,c] and [d,e,f]', () => {
    const parts = redistributeOperatorState(lists('s', OperatorStateModes.SPLIT_DISTRIBUTE, ['a', 'b', 'c'], ['d'], ['e', 'f']), 2);
    assert.deepEqual(restoredElements(parts, 's'), [
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
    // Subtask 1 restores from two old subtasks: one part per contributing old subtask.
    assert.equal(parts[1]!.length, 2);
  });

  it('scaling up splits evenly, the first subtasks taking the odd elements', () => {
    const parts = redistributeOperatorState(lists('s', OperatorStateModes.SPLIT_DISTRIBUTE, ['a', 'b', 'c', 'd', 'e'], []), 3);
    assert.deepEqual(restoredElements(parts, 's'), [['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('scaling down to 1 concatenates in subtask order', () => {
    const parts = redistributeOperatorState(lists('s', OperatorStateModes.SPLIT_DISTRIBUTE, ['a'], ['b', 'c'], ['d']), 1);
    assert.deepEqual(restoredElements(parts, 's'), [['a', 'b', 'c', 'd']]);
  });

  it('the odd elements of the next state start where those of the previous ended', () => {
    const previous = [snapshot(entry('A', OperatorStateModes.SPLIT_DISTRIBUTE, ['a1', 'a2', 'a3', 'a4']), entry('B', OperatorStateModes.SPLIT_DISTRIBUTE, ['b1', 'b2', 'b3', 'b4']))];
    const parts = redistributeOperatorState(previous, 3);
    assert.deepEqual(restoredElements(parts, 'A'), [['a1', 'a2'], ['a3'], ['a4']]);
    // A's extra element went to subtask 0, so B's goes to subtask 1.
    assert.deepEqual(restoredElements(parts, 'B'), [['b4'], ['b1', 'b2'], ['b3']]);
  });

  it('fewer elements than subtasks leaves the last subtasks without the state', () => {
    const parts = redistributeOperatorState(lists('s', OperatorStateModes.SPLIT_DISTRIBUTE, ['a'], ['b']), 4);
    assert.deepEqual(restoredElements(parts, 's'), [['a'], ['b'], [], []]);
    assert.deepEqual(parts[3], []);
  });

  it('the same parallelism keeps every subtask its own list, not rebalanced', () => {
    const previous = lists('s', OperatorStateModes.SPLIT_DISTRIBUTE, ['a', 'b', 'c'], [], ['d']);
    const parts = redistributeOperatorState(previous, 3);
    assert.deepEqual(restoredElements(parts, 's'), [['a', 'b', 'c'], [], ['d']]);
    assert.equal(parts[0]![0], previous[0], 'the snapshot itself, untouched');
  });

  it('conserves every element for many shapes', () => {
    for (let oldP = 1; oldP <= 5; oldP++) {
      for (let newP = 1; newP <= 6; newP++) {
        const perSubtask = Array.from({ length: oldP }, (_, i) => Array.from({ length: (i * 7) % 5 }, (_, j) => `${i}.${j}`));
        const parts = redistributeOperatorState(lists('s', OperatorStateModes.SPLIT_DISTRIBUTE, ...perSubtask), newP);
        const got = restoredElements(parts, 's');
        assert.deepEqual(got.flat(), perSubtask.flat(), `${oldP} → ${newP}`);
        if (newP !== oldP) {
          const sizes = got.map((g) => g.length);
          assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `even split ${oldP} → ${newP}: ${sizes.join(',')}`);
        }
      }
    }
  });
});

describe('redistributeOperatorState: union and broadcast state', () => {
  it('every new subtask gets the union of all elements, in old subtask order', () => {
    const parts = redistributeOperatorState(lists('u', OperatorStateModes.UNION, ['a', 'b'], ['c'], []), 2);
    assert.deepEqual(restoredElements(parts, 'u'), [
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
  });

  it('the union is formed at the same parallelism too, next to the subtask own list state', () => {
    const previous = [
      snapshot(entry('u', OperatorStateModes.UNION, ['a']), entry('s', OperatorStateModes.SPLIT_DISTRIBUTE, ['x'])),
      snapshot(entry('u', OperatorStateModes.UNION, ['b']), entry('s', OperatorStateModes.SPLIT_DISTRIBUTE, ['y'])),
    ];
    const parts = redistributeOperatorState(previous, 2);
    assert.deepEqual(restoredElements(parts, 'u'), [
      ['a', 'b'],
      ['a', 'b'],
    ]);
    assert.deepEqual(restoredElements(parts, 's'), [['x'], ['y']]);
  });

  it('new subtask i takes the broadcast state of old subtask i % oldParallelism', () => {
    const previous = lists('rules', OperatorStateModes.BROADCAST, ['from-0'], ['from-1']);
    assert.deepEqual(restoredElements(redistributeOperatorState(previous, 5), 'rules'), [['from-0'], ['from-1'], ['from-0'], ['from-1'], ['from-0']]);
    assert.deepEqual(restoredElements(redistributeOperatorState(previous, 1), 'rules'), [['from-0']]);
  });

  it('states of all modes are merged per old subtask into one part', () => {
    const previous = [
      snapshot(entry('s', OperatorStateModes.SPLIT_DISTRIBUTE, ['a', 'b']), entry('u', OperatorStateModes.UNION, ['u0']), entry('r', OperatorStateModes.BROADCAST, ['r0'])),
      snapshot(entry('s', OperatorStateModes.SPLIT_DISTRIBUTE, ['c']), entry('u', OperatorStateModes.UNION, ['u1']), entry('r', OperatorStateModes.BROADCAST, ['r1'])),
    ];
    const parts = redistributeOperatorState(previous, 3);
    assert.deepEqual(restoredElements(parts, 's'), [['a'], ['b'], ['c']]);
    assert.deepEqual(restoredElements(parts, 'u'), [
      ['u0', 'u1'],
      ['u0', 'u1'],
      ['u0', 'u1'],
    ]);
    assert.deepEqual(restoredElements(parts, 'r'), [['r0'], ['r1'], ['r0']]);
    assert.deepEqual(
      parts[0]!.map((p) => p.states.map((s) => s.name).sort()),
      [['r', 's', 'u'], ['u']],
    );
  });

  it('subtasks without a snapshot contribute nothing', () => {
    const parts = redistributeOperatorState([null, snapshot(entry('s', OperatorStateModes.SPLIT_DISTRIBUTE, ['a', 'b']))], 3);
    assert.deepEqual(restoredElements(parts, 's'), [['a'], ['b'], []]);
  });

  it('rejects a parallelism below 1', () => {
    assertFlinkError(
      thrown(() => redistributeOperatorState([], 0)),
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      /positive number of subtasks, got 0/,
    );
  });
});
