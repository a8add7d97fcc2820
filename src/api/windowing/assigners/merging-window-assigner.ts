/*
 * MergingWindowAssigner: an assigner whose windows can merge (session windows). The window
 * operator keeps the windows of each key in a MergingWindowSet, which asks the assigner which of
 * them merge whenever a new window is added.
 */
import type { Window } from '../windows/window.ts';
import { WindowAssigner } from './window-assigner.ts';

/** Called once per group of windows that merge: the group, and the window they merge into. */
export type MergeCallback<W> = (toBeMerged: W[], mergeResult: W) => void;

export abstract class MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  /** Decides which of `windows` merge, and reports each group through `callback`. */
  abstract mergeWindows(windows: readonly W[], callback: MergeCallback<W>): void;
}
