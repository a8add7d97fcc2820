/*
 * MergingWindowSet: the in-flight windows of one key under a merging window assigner, as Flink's.
 * When windows merge, one of the original windows stays the state window: the namespace under
 * which the merged window's contents live, so that merging never moves state more than needed.
 * The set maps each in-flight window to its state window; the window operator keeps that mapping
 * in keyed list state (persist() writes it back only when it changed) and reacts to merges in the
 * MergeFunction (merge the state of the merged state windows, merge triggers, drop old windows).
 *
 * The operator builds a set for every element of a merging window, and a key has few windows in
 * flight (a session or two), so the set works on the stored list of pairs itself: looked up by
 * scanning, copied only when it changes, no Map per element.
 */
import { illegalState } from '../../../errors.ts';
import type { MergingWindowAssigner } from '../../../api/windowing/assigners/merging-window-assigner.ts';
import type { Window } from '../../../api/windowing/windows/window.ts';

/** Where the mapping lives between records: a ListState of [window, state window] pairs. */
export interface MergingWindowStateStore<W> {
  get(): Iterable<readonly [W, W]> | null | undefined;
  update(values: Iterable<[W, W]>): void;
}

/**
 * Called when adding a window merged windows: `mergeResult` replaces `mergedWindows` (which do not
 * include the window being added), its state lives in `stateWindowResult`, and the state of
 * `mergedStateWindows` must be merged into it.
 */
export type MergeFunction<W> = (mergeResult: W, mergedWindows: W[], stateWindowResult: W, mergedStateWindows: W[]) => void;

/** An in-flight window and its state window; never changed once made (the stored list shares them). */
type Pair<W> = readonly [window: W, stateWindow: W];

interface MergeResult<W> {
  readonly mergeResult: W;
  readonly mergedWindows: W[];
}

const NO_PAIRS: readonly Pair<never>[] = [];

export class MergingWindowSet<W extends Window> {
  /** The mapping as the state holds it, to persist only changes. */
  private stored: readonly Pair<W>[];
  /**
   * In-flight window to state window, in the order windows were added or last merged (as the
   * insertion order of Flink's map); `stored` itself until the first change, then a copy.
   */
  private pairs: readonly Pair<W>[];
  private readonly state: MergingWindowStateStore<W>;
  private readonly windowAssigner: MergingWindowAssigner<any, W>;

  /** Restores the set of a key from its state (empty when the state is). */
  constructor(windowAssigner: MergingWindowAssigner<any, W>, state: MergingWindowStateStore<W>) {
    this.windowAssigner = windowAssigner;
    this.state = state;
    const windowState = state.get();
    let stored: readonly Pair<W>[] = NO_PAIRS;
    if (windowState !== null && windowState !== undefined) {
      stored = Array.isArray(windowState) ? windowState : [...windowState];
      // A window listed twice (never written by persist()) counts once, its last state window winning.
      if (hasDuplicateWindows(stored)) {
        const deduplicated: Pair<W>[] = [];
        for (const pair of stored) setPair(deduplicated, pair[0], pair[1]);
        stored = deduplicated;
      }
    }
    this.stored = stored;
    this.pairs = stored;
  }

  /** Writes the mapping to the state if it changed since the set was created (or last persisted). */
  persist(): void {
    if (this.pairs === this.stored) return;
    // The pairs are never changed once made, so the state may keep them.
    if (!sameMapping(this.pairs, this.stored)) this.state.update(this.pairs as [W, W][]);
    this.stored = this.pairs;
  }

  /** The window under which the state of the in-flight `window` lives; undefined if not in flight. */
  getStateWindow(window: W): W | undefined {
    const at = indexOf(this.pairs, window.key());
    return at < 0 ? undefined : this.pairs[at]![1];
  }

  /** Removes a window from the in-flight windows (after it was purged at its cleanup time). */
  retireWindow(window: W): void {
    const at = indexOf(this.pairs, window.key());
    if (at < 0) throw illegalState(`Window ${String(window)} is not in in-flight window set.`);
    this.writable().splice(at, 1);
  }

  /** The in-flight windows, in the order they were added or last merged. */
  windows(): W[] {
    return this.pairs.map((p) => p[0]);
  }

  /**
   * Adds a window to the in-flight windows; this may merge windows, in which case `mergeFunction`
   * is called for each merge. Returns the window the new window ended up in (itself, or the
   * merge result that swallowed it): add elements and call triggers on that window only.
   */
  addWindow(newWindow: W, mergeFunction: MergeFunction<W>): W {
    const pairs = this.pairs;
    const windows = new Array<W>(pairs.length + 1);
    for (let i = 0; i < pairs.length; i++) windows[i] = pairs[i]![0];
    windows[pairs.length] = newWindow;
    // As Flink's map from merge result to merged windows: a later merge into an equal result replaces the earlier one.
    const mergeResults: MergeResult<W>[] = [];
    this.windowAssigner.mergeWindows(windows, (toBeMerged, mergeResult) => {
      const key = mergeResult.key();
      const entry = { mergeResult, mergedWindows: [...toBeMerged] };
      const at = mergeResults.findIndex((r) => r.mergeResult.key() === key);
      if (at >= 0) mergeResults[at] = entry;
      else mergeResults.push(entry);
    });

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    const newKey = newWindow.key();

    for (const { mergeResult, mergedWindows } of mergeResults) {
      // If the new window is among the merged windows, the merge result is where it ended up.
      const at = mergedWindows.findIndex((w) => w.key() === newKey);
      if (at >= 0) {
        mergedWindows.splice(at, 1);
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }

      // Any merged window's state window becomes the state window of the merge result.
      const pickedAt = indexOf(this.pairs, mergedWindows[0]!.key());
      if (pickedAt < 0) throw illegalState(`${String(this.windowAssigner)} merged ${String(mergedWindows[0])}, which is not an in-flight window`);
      const mergedStateWindow = this.pairs[pickedAt]![1];

      const mergedStateWindows: W[] = [];
      for (const mergedWindow of mergedWindows) {
        const removedAt = indexOf(this.pairs, mergedWindow.key());
        if (removedAt >= 0) {
          mergedStateWindows.push(this.pairs[removedAt]![1]);
          this.writable().splice(removedAt, 1);
        }
      }

      setPair(this.writable(), mergeResult, mergedStateWindow);

      // The target state window is not merged into itself.
      const targetKey = mergedStateWindow.key();
      const targetAt = mergedStateWindows.findIndex((w) => w.key() === targetKey);
      if (targetAt >= 0) mergedStateWindows.splice(targetAt, 1);

      // The new window never had state: if it only merged into one existing window without
      // extending it, nothing merges.
      if (!(mergedWindows.length === 1 && mergedWindows[0]!.key() === mergeResult.key())) {
        mergeFunction(mergeResult, mergedWindows, mergedStateWindow, mergedStateWindows);
      }
    }

    // The new window is a new, self-contained window. Unlike Flink, a window that is already in
    // flight keeps its state window: re-adding a window equal to an earlier merge result (possible
    // with dynamic gaps) must not point it at an empty namespace and lose the merged contents.
    if ((mergeResults.length === 0 || (resultWindow.key() === newKey && !mergedNewWindow)) && indexOf(this.pairs, newKey) < 0) {
      this.writable().push([resultWindow, resultWindow]);
    }

    return resultWindow;
  }

  toString(): string {
    return `MergingWindowSet{windows={${this.pairs.map((p) => `${String(p[0])}=${String(p[1])}`).join(', ')}}}`;
  }

  /** The pairs, copied first if they are still the stored list (which the state may own). */
  private writable(): Pair<W>[] {
    if (this.pairs === this.stored) this.pairs = this.stored.slice();
    return this.pairs as Pair<W>[];
  }
}

function indexOf<W extends Window>(pairs: readonly Pair<W>[], windowKey: string): number {
  for (let i = 0; i < pairs.length; i++) if (pairs[i]![0].key() === windowKey) return i;
  return -1;
}

/** As a map's set: replaces the pair of an in-flight window where it is, or appends one. */
function setPair<W extends Window>(pairs: Pair<W>[], window: W, stateWindow: W): void {
  const at = indexOf(pairs, window.key());
  if (at >= 0) pairs[at] = [window, stateWindow];
  else pairs.push([window, stateWindow]);
}

/** Beyond this many pairs, comparisons go through a Set or Map instead of scanning. */
const SCAN_LIMIT = 8;

function hasDuplicateWindows<W extends Window>(pairs: readonly Pair<W>[]): boolean {
  if (pairs.length < 2) return false;
  if (pairs.length <= SCAN_LIMIT) {
    for (let i = 1; i < pairs.length; i++) if (indexOf(pairs, pairs[i]![0].key()) < i) return true;
    return false;
  }
  const seen = new Set<string>();
  for (const pair of pairs) {
    const key = pair[0].key();
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/** The same windows with the same state windows, in any order (Flink compares maps). */
function sameMapping<W extends Window>(a: readonly Pair<W>[], b: readonly Pair<W>[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length > SCAN_LIMIT) {
    const stateWindows = new Map(b.map((p) => [p[0].key(), p[1].key()]));
    return a.every(([window, stateWindow]) => stateWindows.get(window.key()) === stateWindow.key());
  }
  for (const [window, stateWindow] of a) {
    const at = indexOf(b, window.key());
    if (at < 0 || b[at]![1].key() !== stateWindow.key()) return false;
  }
  return true;
}
