/*
 * Removing expired values from what a backend stores for one key and namespace, by state kind:
 * a single TtlValue (value, reducing, aggregating state), a list of TtlValues, or a map whose
 * values are TtlValues. Used by full-snapshot cleanup and incremental cleanup; the result is a new
 * object (never the stored one changed in place, which a pending snapshot may share) or undefined
 * when nothing is left.
 */
import { StateTypes, type StateType } from '../../../api/state/state.ts';
import { isExpired, type TtlValue } from './ttl-value.ts';

export type TtlEntryCleaner = (stored: unknown, now: number) => unknown;

export function ttlEntryCleaner(type: StateType, ttlMillis: number): TtlEntryCleaner {
  switch (type) {
    case StateTypes.LIST:
      return (stored, now) => {
        const list = stored as TtlValue<unknown>[];
        let kept: TtlValue<unknown>[] | null = null;
        for (let i = 0; i < list.length; i++) {
          const element = list[i]!;
          if (isExpired(element.lastAccessTimestamp, ttlMillis, now)) {
            kept ??= list.slice(0, i);
          } else if (kept !== null) {
            kept.push(element);
          }
        }
        if (kept === null) return list;
        return kept.length === 0 ? undefined : kept;
      };
    case StateTypes.MAP:
      return (stored, now) => {
        const map = stored as Map<unknown, TtlValue<unknown>>;
        let kept: Map<unknown, TtlValue<unknown>> | null = null;
        for (const [k, v] of map) {
          if (isExpired(v.lastAccessTimestamp, ttlMillis, now)) {
            if (kept === null) {
              kept = new Map();
              for (const [k2, v2] of map) {
                if (k2 === k) break;
                kept.set(k2, v2);
              }
            }
          } else if (kept !== null) {
            kept.set(k, v);
          }
        }
        if (kept === null) return map;
        return kept.size === 0 ? undefined : kept;
      };
    default:
      return (stored, now) => (isExpired((stored as TtlValue<unknown>).lastAccessTimestamp, ttlMillis, now) ? undefined : stored);
  }
}
