/*
 * When the window operator may let an element of an existing pane skip the trigger and the
 * timers: with Flink's EventTimeTrigger, an element for a pane that already has contents, in a
 * window whose end the watermark has not reached, would only register the trigger's timer at
 * maxTimestamp() and the cleanup timer at maxTimestamp() + allowedLateness — timers that exist
 * already, which Flink's timer queue deduplicates into no-ops. Why they exist:
 *  - The pane was created by an earlier element of this operator instance (not restored, see
 *    below) and of this window. That element found the window not late and, the watermark then
 *    being at most what it is now (watermarks only advance), below maxTimestamp(): the trigger
 *    registered its timer, and the operator the cleanup timer.
 *  - Neither timer is gone: a timer goes when it fires or is deleted. The trigger's timer fires
 *    only once the watermark reaches maxTimestamp(), which it has not; the cleanup timer, at or
 *    after it, has not fired either. Deletes come only from the trigger's clear() (called when
 *    the pane is cleaned up, which removes its contents, so a later element makes a new pane)
 *    and from merging, which is excluded; window functions cannot reach timers.
 *  - Contents appear only through elements (the state's name is the operator's), and purging
 *    (which would empty the pane with its timers still set) is not what EventTimeTrigger does.
 * Excluded: other triggers (even subclasses, which may behave otherwise), merging windows (a merge
 * moves panes and their timers), evicting operators (their own contents), processing-time
 * windows, and window states that cannot tell whether a pane existed (RocksDB's). Restored panes
 * are excluded too: they may come from a job with another trigger or allowed lateness, whose
 * timers are not the ones this job would register. So after a restore the shortcut waits until
 * the namespaces (windows) that held restored panes are gone from the window state: every pane
 * there is then one this operator created, through the general path, which registers the timers.
 */
import { EventTimeTrigger } from '../../../api/windowing/triggers/event-time-trigger.ts';
import type { Trigger } from '../../../api/windowing/triggers/trigger.ts';

/**
 * What the shortcut needs of the window state: add an element and tell whether the pane had
 * contents before, from the one lookup the add makes, and which namespaces hold panes (opaque
 * values of the state; the heap backend's states offer all three).
 */
export interface PaneState {
  setCurrentNamespace(namespace: unknown): void;
  addAndReportExisting(value: unknown): boolean;
  storedNamespaces(): unknown[];
  hasStoredNamespace(storedNamespace: unknown): boolean;
}

/** Flink's EventTimeTrigger itself, whose behaviour the operator may rely on. */
export function isEventTimeTrigger(trigger: Trigger<any, any>): boolean {
  return trigger instanceof EventTimeTrigger && trigger.constructor === EventTimeTrigger;
}

export interface ExistingPanesSetting {
  readonly trigger: Trigger<any, any>;
  readonly eventTime: boolean;
  readonly merging: boolean;
  readonly windowState: unknown;
}

/** Whether and when the operator's elements of existing panes may skip the trigger and the timers. */
export class ExistingPanes {
  private readonly state: PaneState;
  /** Namespaces that held restored panes and may still hold some; empty once none does. */
  private restoredNamespaces: unknown[];

  private constructor(state: PaneState) {
    this.state = state;
    // Created at open(), after any restore and before any element: every pane there is restored.
    this.restoredNamespaces = state.storedNamespaces();
  }

  /** The shortcut's bookkeeping for an operator that may take it, or null if it never may. */
  static of(setting: ExistingPanesSetting): ExistingPanes | null {
    if (!isEventTimeTrigger(setting.trigger) || !setting.eventTime || setting.merging) return null;
    const state = setting.windowState as Partial<PaneState>;
    if (typeof state.addAndReportExisting !== 'function' || typeof state.storedNamespaces !== 'function' || typeof state.hasStoredNamespace !== 'function') return null;
    return new ExistingPanes(setting.windowState as PaneState);
  }

  /** The window state if the shortcut may be taken now (no restored pane is left), else null. */
  paneState(): PaneState | null {
    const restored = this.restoredNamespaces;
    if (restored.length !== 0) {
      this.restoredNamespaces = restored.filter((ns) => this.state.hasStoredNamespace(ns));
      if (this.restoredNamespaces.length !== 0) return null;
    }
    return this.state;
  }
}
