/*
 * Records what a merging window assigner reports for a list of windows: each merged group (as
 * sorted window keys) and the window it merges into.
 */
import type { MergingWindowAssigner } from '../../../../src/api/windowing/assigners/merging-window-assigner.ts';
import type { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';

export function mergeCalls(assigner: MergingWindowAssigner<any, TimeWindow>, windows: TimeWindow[]): { merged: string[]; into: string }[] {
  const calls: { merged: string[]; into: string }[] = [];
  assigner.mergeWindows(windows, (toBeMerged, mergeResult) => calls.push({ merged: toBeMerged.map((x) => x.key()).sort(), into: mergeResult.key() }));
  return calls;
}
