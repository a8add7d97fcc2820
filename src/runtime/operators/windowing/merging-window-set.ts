/*
 * MergingWindowSet: the in-flight windows of one key under a merging window assigner, as Flink's.
 * When windows merge, one of the original windows stays the state window: the namespace under
 * which the merged window's contents live, so that merging never moves state more than needed.
 * The set maps each in-flight window to its state window; the window operator keeps that mapping
 * in keyed list state (persist() writes it back only when it changed) and reacts to merges in the
 * MergeFunction (merge the state of the merged state windows, merge triggers, drop old windows).
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

interface Entry<W> {
  readonly window: W;
  readonly stateWindow: W;
}

export class MergingWindowSet<W extends Window> {
  /** In-flight window (by key) to its state window. */
  private readonly mapping = new Map<string, Entry<W>>();
  /** The mapping as restored, to persist only changes. */
  private readonly initialMapping: Map<string, Entry<W>>;
  private readonly state: MergingWindowStateStore<W>;
  private readonly windowAssigner: MergingWindowAssigner<any, W>;

  /** Restores the set of a key from its state (empty when the state is). */
  constructor(windowAssigner: MergingWindowAssigner<any, W>, state: MergingWindowStateStore<W>) {
    this.windowAssigner = windowAssigner;
    this.state = state;
    const windowState = state.get();
    if (windowState !== null && windowState !== undefined) {
      for (const [window, stateWindow] of windowState) this.mapping.set(window.key(), { window, stateWindow });
    }
    this.initialMapping = new Map(this.mapping);
  }

  /** Writes the mapping to the state if it changed since the set was created. */
  persist(): void {
    if (!sameMapping(this.mapping, this.initialMapping)) {
      this.state.update([...this.mapping.values()].map((e): [W, W] => [e.window, e.stateWindow]));
    }
  }

  /** The window under which the state of the in-flight `window` lives; undefined if not in flight. */
  getStateWindow(window: W): W | undefined {
    return this.mapping.get(window.key())?.stateWindow;
  }

  /** Removes a window from the in-flight windows (after it was purged at its cleanup time). */
  retireWindow(window: W): void {
    if (!this.mapping.delete(window.key())) throw illegalState(`Window ${String(window)} is not in in-flight window set.`);
  }

  /** The in-flight windows, in the order they were added or last merged. */
  windows(): W[] {
    return [...this.mapping.values()].map((e) => e.window);
  }

  /**
   * Adds a window to the in-flight windows; this may merge windows, in which case `mergeFunction`
   * is called for each merge. Returns the window the new window ended up in (itself, or the
   * merge result that swallowed it): add elements and call triggers on that window only.
   */
  addWindow(newWindow: W, mergeFunction: MergeFunction<W>): W {
    const windows = [...this.windows(), newWindow];
    const mergeResults = new Map<string, { mergeResult: W; mergedWindows: W[] }>();
    this.windowAssigner.mergeWindows(windows, (toBeMerged, mergeResult) => {
      mergeResults.set(mergeResult.key(), { mergeResult, mergedWindows: [...toBeMerged] });
    });

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    const newKey = newWindow.key();

    for (const { mergeResult, mergedWindows } of mergeResults.values()) {
      // If the new window is among the merged windows, the merge result is where it ended up.
      const at = mergedWindows.findIndex((w) => w.key() === newKey);
      if (at >= 0) {
        mergedWindows.splice(at, 1);
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }

      // Any merged window's state window becomes the state window of the merge result.
      const picked = this.mapping.get(mergedWindows[0].key());
      if (picked === undefined) throw illegalState(`${String(this.windowAssigner)} merged ${String(mergedWindows[0])}, which is not an in-flight window`);
      const mergedStateWindow = picked.stateWindow;

      const mergedStateWindows: W[] = [];
      for (const mergedWindow of mergedWindows) {
        const removed = this.mapping.get(mergedWindow.key());
        if (removed !== undefined) {
          this.mapping.delete(mergedWindow.key());
          mergedStateWindows.push(removed.stateWindow);
        }
      }

      this.mapping.set(mergeResult.key(), { window: mergeResult, stateWindow: mergedStateWindow });

      // The target state window is not merged into itself.
      const targetAt = mergedStateWindows.findIndex((w) => w.key() === mergedStateWindow.key());
      if (targetAt >= 0) mergedStateWindows.splice(targetAt, 1);

      // The new window never had state: if it only merged into one existing window without
      // extending it, nothing merges.
      if (!(mergedWindows.length === 1 && mergedWindows[0].key() === mergeResult.key())) {
        mergeFunction(mergeResult, mergedWindows, mergedStateWindow, mergedStateWindows);
      }
    }

    // The new window is a new, self-contained window. Unlike Flink, a window that is already in
    // flight keeps its state window: re-adding a window equal to an earlier merge result (possible
    // with dynamic gaps) must not point it at an empty namespace and lose the merged contents.
    if ((mergeResults.size === 0 || (resultWindow.key() === newKey && !mergedNewWindow)) && !this.mapping.has(newKey)) {
      this.mapping.set(resultWindow.key(), { window: resultWindow, stateWindow: resultWindow });
    }

    return resultWindow;
  }

  toString(): string {
    return `MergingWindowSet{windows={${[...this.mapping.values()].map((e) => `${String(e.window)}=${String(e.stateWindow)}`).join(', ')}}}`;
  }
}

function sameMapping<W extends Window>(a: Map<string, Entry<W>>, b: Map<string, Entry<W>>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, entry] of a) {
    const other = b.get(key);
    if (other === undefined || other.stateWindow.key() !== entry.stateWindow.key()) return false;
  }
  return true;
}
