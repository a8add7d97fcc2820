/*
 * WindowStagger: shifts the windows of a tumbling assigner per operator instance, so that the
 * panes of all parallel instances do not fire at the same moment. The offset is taken once, on
 * the first element the assigner sees.
 */
import { TimeWindow } from '../windows/time-window.ts';

export interface WindowStagger {
  /** The stagger offset (ms) for windows of `size`, given the processing time of the first element. */
  getStaggerOffset(currentProcessingTime: number, size: number): number;
  toString(): string;
}

export const WindowStagger: { readonly ALIGNED: WindowStagger; readonly RANDOM: WindowStagger; readonly NATURAL: WindowStagger } = {
  /** No staggering: all panes fire at the same time across all parallel instances (default). */
  ALIGNED: {
    getStaggerOffset: () => 0,
    toString: () => 'ALIGNED',
  },
  /** An offset drawn uniformly from [0, size) when the first element arrives. */
  RANDOM: {
    getStaggerOffset: (_currentProcessingTime: number, size: number) => Math.trunc(Math.random() * size),
    toString: () => 'RANDOM',
  },
  /** The distance of the first element's processing time from the start of its aligned window. */
  NATURAL: {
    getStaggerOffset: (currentProcessingTime: number, size: number) => {
      const currentProcessingWindowStart = TimeWindow.getWindowStartWithOffset(currentProcessingTime, 0, size);
      return Math.max(0, currentProcessingTime - currentProcessingWindowStart);
    },
    toString: () => 'NATURAL',
  },
};
