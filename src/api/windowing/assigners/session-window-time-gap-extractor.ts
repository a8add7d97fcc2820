/*
 * SessionWindowTimeGapExtractor: gives the session gap of an element for the dynamic session
 * assigners, as a function or an object with an extract() method.
 */
import { resolveMethod } from '../../common/functions.ts';
import { toMillis, type DurationLike } from '../../common/duration.ts';

export type SessionWindowTimeGapExtractor<T> = ((element: T) => DurationLike) | { extract(element: T): DurationLike };

/** The extractor as a function returning milliseconds; the gap must be positive. */
export function gapExtractorOf<T>(extractor: SessionWindowTimeGapExtractor<T>, what: string): (element: T) => number {
  const extract = resolveMethod<(element: T) => DurationLike>(extractor, 'extract', `${what}: the session gap extractor`);
  return (element: T) => {
    const gap = toMillis(extract(element), 'Dynamic session time gap');
    if (!(gap > 0)) throw new RangeError(`Dynamic session time gap must satisfy 0 < gap, got ${gap} ms`);
    return gap;
  };
}
