/*
 * Tests of MergingWindowSet (Flink's MergingWindowSetTest): incremental and late merging, large
 * windows covering others, identical windows, a misbehaving (non-eager) assigner, retiring
 * windows, and restoring and persisting the mapping.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventTimeSessionWindows } from '../../../../src/api/windowing/assigners/event-time-session-windows.ts';
import { MergingWindowAssigner, type MergeCallback } from '../../../../src/api/windowing/assigners/merging-window-assigner.ts';
import { EventTimeTrigger } from '../../../../src/api/windowing/triggers/event-time-trigger.ts';
import type { Trigger } from '../../../../src/api/windowing/triggers/trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../../../../src/api/windowing/windows/time-window.ts';
import { MergingWindowSet, type MergingWindowStateStore } from '../../../../src/runtime/operators/windowing/merging-window-set.ts';

const w = (start: number, end: number) => new TimeWindow(start, end);
const keys = (windows: TimeWindow[] | null) => (windows === null ? null : windows.map((x) => x.key()).sort());

/** A list state of [window, state window] pairs that records its updates. */
class RecordingState implements MergingWindowStateStore<TimeWindow> {
  readonly updates: [TimeWindow, TimeWindow][][] = [];
  private readonly initial: [TimeWindow, TimeWindow][] | undefined;

  constructor(initial?: [TimeWindow, TimeWindow][]) {
    this.initial = initial;
  }

  get(): Iterable<[TimeWindow, TimeWindow]> | undefined {
    return this.initial;
  }

  update(values: Iterable<[TimeWindow, TimeWindow]>): void {
    this.updates.push([...values]);
  }
}

/** Records the one merge an addWindow may cause. */
class TestingMergeFunction {
  target: TimeWindow | null = null;
  sources: TimeWindow[] | null = null;
  stateWindow: TimeWindow | null = null;
  mergedStateWindows: TimeWindow[] | null = null;

  readonly fn = (mergeResult: TimeWindow, mergedWindows: TimeWindow[], stateWindowResult: TimeWindow, mergedStateWindows: TimeWindow[]) => {
    if (this.target !== null) assert.fail('More than one merge for adding a Window should not occur.');
    this.target = mergeResult;
    this.sources = mergedWindows;
    this.stateWindow = stateWindowResult;
    this.mergedStateWindows = mergedStateWindows;
  };

  reset(): void {
    this.target = null;
    this.sources = null;
    this.stateWindow = null;
    this.mergedStateWindows = null;
  }

  hasMerged(): boolean {
    return this.target !== null;
  }
}

/** An assigner that lets windows grow, so that windows merge lazily (Flink's NonEagerlyMergingWindowAssigner). */
class NonEagerlyMergingWindowAssigner extends MergingWindowAssigner<unknown, TimeWindow> {
  private readonly sessionTimeout: number;

  constructor(sessionTimeout: number) {
    super();
    this.sessionTimeout = sessionTimeout;
  }

  assignWindows(_element: unknown, timestamp: number): TimeWindow[] {
    return [w(timestamp, timestamp + this.sessionTimeout)];
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  getWindowSerializer(): TimeWindowSerializer {
    return TimeWindowSerializer.INSTANCE;
  }

  isEventTime(): boolean {
    return true;
  }

  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    let earliestStart: TimeWindow | null = null;
    for (const win of windows) if (earliestStart === null || win.start < earliestStart.start) earliestStart = win;
    if (earliestStart === null) return;
    const associatedWindows = windows.filter((win) => win.start < earliestStart.end && win.start >= earliestStart.start);
    const target = w(earliestStart.start, earliestStart.end + 1);
    if (associatedWindows.length > 1) callback(associatedWindows, target);
  }
}

const sessions = () => EventTimeSessionWindows.withGap(3);

describe('MergingWindowSet', () => {
  it('stays correct with an assigner that merges windows that do not overlap the new one', () => {
    const windowSet = new MergingWindowSet(new NonEagerlyMergingWindowAssigner(3000), new RecordingState());
    const mergeFunction = new TestingMergeFunction();
    for (const window of [w(0, 2), w(2, 5), w(1, 2), w(10, 12)]) {
      mergeFunction.reset();
      const result = windowSet.addWindow(window, mergeFunction.fn);
      assert.notEqual(windowSet.getStateWindow(result), undefined, `state window of ${String(result)}`);
    }
  });

  it('merges incrementally, keeping the first window as state window', () => {
    const windowSet = new MergingWindowSet(sessions(), new RecordingState());
    const mf = new TestingMergeFunction();

    // add initial window
    mf.reset();
    assert.ok(windowSet.addWindow(w(0, 4), mf.fn).equals(w(0, 4)));
    assert.equal(mf.hasMerged(), false);
    assert.ok(windowSet.getStateWindow(w(0, 4))!.equals(w(0, 4)));

    // add some more windows
    mf.reset();
    assert.ok(windowSet.addWindow(w(0, 4), mf.fn).equals(w(0, 4)));
    assert.equal(mf.hasMerged(), false);

    mf.reset();
    assert.ok(windowSet.addWindow(w(3, 5), mf.fn).equals(w(0, 5)));
    assert.equal(mf.hasMerged(), true);
    assert.ok(mf.target!.equals(w(0, 5)));
    assert.ok(mf.stateWindow!.equals(w(0, 4)));
    assert.deepEqual(keys(mf.sources), ['0:4']);
    assert.deepEqual(mf.mergedStateWindows, []);

    mf.reset();
    assert.ok(windowSet.addWindow(w(4, 6), mf.fn).equals(w(0, 6)));
    assert.equal(mf.hasMerged(), true);
    assert.ok(mf.target!.equals(w(0, 6)));
    assert.ok(mf.stateWindow!.equals(w(0, 4)));
    assert.deepEqual(keys(mf.sources), ['0:5']);
    assert.deepEqual(mf.mergedStateWindows, []);

    assert.ok(windowSet.getStateWindow(w(0, 6))!.equals(w(0, 4)));

    // add some windows that fall into the already merged region
    for (const window of [w(1, 4), w(0, 4), w(3, 5), w(4, 6)]) {
      mf.reset();
      assert.ok(windowSet.addWindow(window, mf.fn).equals(w(0, 6)), `adding ${String(window)}`);
      assert.equal(mf.hasMerged(), false);
    }

    assert.ok(windowSet.getStateWindow(w(0, 6))!.equals(w(0, 4)));

    // add some more windows that don't merge with the first bunch
    mf.reset();
    assert.ok(windowSet.addWindow(w(11, 14), mf.fn).equals(w(11, 14)));
    assert.equal(mf.hasMerged(), false);
    assert.ok(windowSet.getStateWindow(w(0, 6))!.equals(w(0, 4)));
    assert.ok(windowSet.getStateWindow(w(11, 14))!.equals(w(11, 14)));

    // add some more windows that merge with the second bunch
    mf.reset();
    assert.ok(windowSet.addWindow(w(10, 13), mf.fn).equals(w(10, 14)));
    assert.equal(mf.hasMerged(), true);
    assert.ok(mf.target!.equals(w(10, 14)));
    assert.ok(mf.stateWindow!.equals(w(11, 14)));
    assert.deepEqual(keys(mf.sources), ['11:14']);
    assert.deepEqual(mf.mergedStateWindows, []);

    mf.reset();
    assert.ok(windowSet.addWindow(w(12, 15), mf.fn).equals(w(10, 15)));
    assert.equal(mf.hasMerged(), true);
    assert.ok(mf.target!.equals(w(10, 15)));
    assert.ok(mf.stateWindow!.equals(w(11, 14)));
    assert.deepEqual(keys(mf.sources), ['10:14']);
    assert.deepEqual(mf.mergedStateWindows, []);

    mf.reset();
    assert.ok(windowSet.addWindow(w(11, 14), mf.fn).equals(w(10, 15)));
    assert.equal(mf.hasMerged(), false);

    assert.ok(windowSet.getStateWindow(w(0, 6))!.equals(w(0, 4)));
    assert.ok(windowSet.getStateWindow(w(10, 15))!.equals(w(11, 14)));

    // retire the first batch of windows
    windowSet.retireWindow(w(0, 6));
    assert.equal(windowSet.getStateWindow(w(0, 6)), undefined);
    assert.ok(windowSet.getStateWindow(w(10, 15))!.equals(w(11, 14)));
    assert.deepEqual(keys(windowSet.windows()), ['10:15']);
  });

  it('merges late windows that bridge existing ones', () => {
    const windowSet = new MergingWindowSet(sessions(), new RecordingState());
    const mf = new TestingMergeFunction();

    // add several non-overlapping initial windows
    for (const window of [w(0, 3), w(5, 8), w(10, 13)]) {
      mf.reset();
      assert.ok(windowSet.addWindow(window, mf.fn).equals(window));
      assert.equal(mf.hasMerged(), false);
      assert.ok(windowSet.getStateWindow(window)!.equals(window));
    }

    // add a window that merges the later two windows
    mf.reset();
    assert.ok(windowSet.addWindow(w(8, 10), mf.fn).equals(w(5, 13)));
    assert.equal(mf.hasMerged(), true);
    assert.ok(mf.target!.equals(w(5, 13)));
    assert.ok(['5:8', '10:13'].includes(mf.stateWindow!.key()));
    assert.deepEqual(keys(mf.sources), ['10:13', '5:8']);
    assert.equal(mf.mergedStateWindows!.length, 1);
    assert.ok(['5:8', '10:13'].includes(mf.mergedStateWindows![0].key()));
    assert.notEqual(mf.mergedStateWindows![0].key(), mf.stateWindow!.key());
    assert.ok(!mf.mergedStateWindows!.some((x) => x.equals(mf.target)));

    assert.ok(windowSet.getStateWindow(w(0, 3))!.equals(w(0, 3)));

    for (const window of [w(5, 8), w(8, 10), w(10, 13)]) {
      mf.reset();
      assert.ok(windowSet.addWindow(window, mf.fn).equals(w(5, 13)));
      assert.equal(mf.hasMerged(), false);
    }

    const stateWindow = windowSet.getStateWindow(w(5, 13))!;
    assert.ok(['5:8', '10:13'].includes(stateWindow.key()));

    // add a window that merges all of them together
    mf.reset();
    assert.ok(windowSet.addWindow(w(3, 5), mf.fn).equals(w(0, 13)));
    assert.equal(mf.hasMerged(), true);
    assert.ok(mf.target!.equals(w(0, 13)));
    assert.ok(['0:3', '5:8', '10:13'].includes(mf.stateWindow!.key()));
    assert.deepEqual(keys(mf.sources), ['0:3', '5:13']);
    assert.equal(mf.mergedStateWindows!.length, 1);
    assert.ok(['0:3', '5:8', '10:13'].includes(mf.mergedStateWindows![0].key()));
    assert.ok(!mf.mergedStateWindows!.some((x) => x.equals(mf.target)));
    assert.ok(!mf.mergedStateWindows!.some((x) => x.equals(mf.stateWindow)));

    assert.ok(windowSet.getStateWindow(w(0, 13))!.equals(mf.stateWindow));
    assert.deepEqual(keys(windowSet.windows()), ['0:13']);
  });

  it('merges a large new window that covers one existing window', () => {
    const windowSet = new MergingWindowSet(sessions(), new RecordingState());
    const mf = new TestingMergeFunction();
    assert.ok(windowSet.addWindow(w(1, 2), mf.fn).equals(w(1, 2)));
    assert.equal(mf.hasMerged(), false);
    assert.ok(windowSet.getStateWindow(w(1, 2))!.equals(w(1, 2)));

    mf.reset();
    assert.ok(windowSet.addWindow(w(0, 3), mf.fn).equals(w(0, 3)));
    assert.equal(mf.hasMerged(), true);
    assert.ok(windowSet.getStateWindow(w(0, 3))!.equals(w(1, 2)));
    assert.deepEqual(keys(mf.sources), ['1:2']);
    assert.deepEqual(mf.mergedStateWindows, []);
  });

  it('does not merge a window identical to an existing one', () => {
    const windowSet = new MergingWindowSet(sessions(), new RecordingState());
    const mf = new TestingMergeFunction();
    for (let i = 0; i < 2; i++) {
      mf.reset();
      assert.ok(windowSet.addWindow(w(1, 2), mf.fn).equals(w(1, 2)));
      assert.equal(mf.hasMerged(), false);
      assert.ok(windowSet.getStateWindow(w(1, 2))!.equals(w(1, 2)));
    }
  });

  it('merges a large new window that covers several existing windows', () => {
    const windowSet = new MergingWindowSet(sessions(), new RecordingState());
    const mf = new TestingMergeFunction();
    for (const window of [w(1, 3), w(5, 8), w(10, 13)]) {
      mf.reset();
      assert.ok(windowSet.addWindow(window, mf.fn).equals(window));
      assert.equal(mf.hasMerged(), false);
      assert.ok(windowSet.getStateWindow(window)!.equals(window));
    }

    mf.reset();
    assert.ok(windowSet.addWindow(w(0, 13), mf.fn).equals(w(0, 13)));
    assert.equal(mf.hasMerged(), true);
    const all = ['1:3', '5:8', '10:13'];
    const stateWindow = windowSet.getStateWindow(w(0, 13))!;
    assert.ok(all.includes(stateWindow.key()));
    assert.deepEqual(keys(mf.mergedStateWindows), all.filter((k) => k !== stateWindow.key()).sort());
    assert.deepEqual(keys(mf.sources), [...all].sort());
  });

  it('keeps the state window when a window equal to a merged window is added again', () => {
    // With dynamic gaps a new window can equal an earlier merge result exactly; it must keep
    // pointing at the namespace that holds the merged contents.
    const windowSet = new MergingWindowSet(sessions(), new RecordingState());
    const mf = new TestingMergeFunction();
    windowSet.addWindow(w(0, 3), mf.fn);
    mf.reset();
    assert.ok(windowSet.addWindow(w(3, 6), mf.fn).equals(w(0, 6)));
    assert.ok(windowSet.getStateWindow(w(0, 6))!.equals(w(0, 3)));
    mf.reset();
    assert.ok(windowSet.addWindow(w(0, 6), mf.fn).equals(w(0, 6)));
    assert.equal(mf.hasMerged(), false);
    assert.ok(windowSet.getStateWindow(w(0, 6))!.equals(w(0, 3)));
  });

  it('fails to retire a window that is not in flight', () => {
    const windowSet = new MergingWindowSet(sessions(), new RecordingState());
    assert.throws(() => windowSet.retireWindow(w(0, 1)), { code: 'FLINK_TS_ILLEGAL_STATE', message: /TimeWindow\{start=0, end=1\} is not in in-flight window set/ });
  });

  it('restores the mapping from its state', () => {
    const state = new RecordingState([
      [w(17, 42), w(42, 17)],
      [w(1, 2), w(3, 4)],
    ]);
    const windowSet = new MergingWindowSet(sessions(), state);
    assert.ok(windowSet.getStateWindow(w(17, 42))!.equals(w(42, 17)));
    assert.ok(windowSet.getStateWindow(w(1, 2))!.equals(w(3, 4)));
    assert.equal(windowSet.getStateWindow(w(3, 4)), undefined);
  });

  it('merges restored windows with new ones, keeping their state windows', () => {
    const windowSet = new MergingWindowSet(sessions(), new RecordingState([[w(0, 5), w(1, 4)]]));
    const mf = new TestingMergeFunction();
    assert.ok(windowSet.addWindow(w(5, 8), mf.fn).equals(w(0, 8)));
    assert.ok(mf.stateWindow!.equals(w(1, 4)));
    assert.ok(windowSet.getStateWindow(w(0, 8))!.equals(w(1, 4)));
  });

  it('persists the mapping when it changed', () => {
    const state = new RecordingState();
    const windowSet = new MergingWindowSet(sessions(), state);
    const mf = new TestingMergeFunction();
    windowSet.addWindow(w(1, 2), mf.fn);
    windowSet.addWindow(w(17, 42), mf.fn);
    assert.ok(windowSet.getStateWindow(w(1, 2))!.equals(w(1, 2)));
    assert.ok(windowSet.getStateWindow(w(17, 42))!.equals(w(17, 42)));

    windowSet.persist();

    assert.equal(state.updates.length, 1);
    assert.deepEqual(
      state.updates[0].map(([a, b]) => [a.key(), b.key()]),
      [
        ['1:2', '1:2'],
        ['17:42', '17:42'],
      ],
    );
  });

  it('persists nothing when the mapping did not change', () => {
    const state = new RecordingState([
      [w(17, 42), w(42, 17)],
      [w(1, 2), w(3, 4)],
    ]);
    const windowSet = new MergingWindowSet(sessions(), state);
    assert.ok(windowSet.getStateWindow(w(17, 42))!.equals(w(42, 17)));
    windowSet.persist();
    assert.equal(state.updates.length, 0);

    // Adding a window that is already there changes nothing either.
    windowSet.addWindow(w(17, 42), new TestingMergeFunction().fn);
    windowSet.persist();
    assert.equal(state.updates.length, 0);
  });

  it('persists an empty mapping after the last window retired', () => {
    const state = new RecordingState([[w(1, 2), w(1, 2)]]);
    const windowSet = new MergingWindowSet(sessions(), state);
    windowSet.retireWindow(w(1, 2));
    windowSet.persist();
    assert.deepEqual(state.updates, [[]]);
  });

  it('never changes the list it read from the state, which the state owns', () => {
    const stored: [TimeWindow, TimeWindow][] = [
      [w(0, 5), w(1, 4)],
      [w(10, 12), w(10, 12)],
    ];
    const copy = stored.map((p) => [...p]);
    const state = new RecordingState(stored);
    const windowSet = new MergingWindowSet(sessions(), state);
    windowSet.addWindow(w(5, 8), new TestingMergeFunction().fn);
    windowSet.retireWindow(w(10, 12));
    windowSet.addWindow(w(20, 21), new TestingMergeFunction().fn);
    windowSet.persist();
    assert.deepEqual(stored, copy);
    assert.deepEqual(
      state.updates.map((u) => u.map(([a, b]) => `${a.key()}=${b.key()}`)),
      [['0:8=1:4', '20:21=20:21']],
    );
  });

  it('persists nothing when a window merged into one that covers it (only the order changed)', () => {
    const state = new RecordingState([
      [w(0, 6), w(0, 3)],
      [w(10, 12), w(10, 12)],
    ]);
    const windowSet = new MergingWindowSet(sessions(), state);
    const mf = new TestingMergeFunction();
    assert.ok(windowSet.addWindow(w(1, 2), mf.fn).equals(w(0, 6)));
    assert.equal(mf.hasMerged(), false);
    assert.deepEqual(windowSet.windows().map((x) => x.key()), ['10:12', '0:6']);
    windowSet.persist();
    assert.equal(state.updates.length, 0);
  });

  it('counts a window listed twice in its state once, with the state window listed last', () => {
    const windowSet = new MergingWindowSet(
      sessions(),
      new RecordingState([
        [w(0, 5), w(1, 4)],
        [w(7, 9), w(7, 9)],
        [w(0, 5), w(2, 3)],
      ]),
    );
    assert.deepEqual(windowSet.windows().map((x) => x.key()), ['0:5', '7:9']);
    assert.ok(windowSet.getStateWindow(w(0, 5))!.equals(w(2, 3)));
  });

  it('takes a state that has never been written (null)', () => {
    const windowSet = new MergingWindowSet(sessions(), { get: () => null, update: () => assert.fail('nothing to persist') });
    windowSet.persist();
    assert.equal(String(windowSet), 'MergingWindowSet{windows={}}');
  });
});
