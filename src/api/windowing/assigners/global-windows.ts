/*
 * GlobalWindows: puts every element of a key into the one GlobalWindow. Its default trigger never
 * fires; use it with a custom trigger (and evictor) for count- or policy-based windows.
 */
import { NeverTrigger } from '../triggers/never-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { GlobalWindow, GlobalWindowSerializer } from '../windows/global-window.ts';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.ts';

export class GlobalWindows extends WindowAssigner<unknown, GlobalWindow> {
  /** The default trigger of GlobalWindows (Flink's GlobalWindows.NeverTrigger). */
  static readonly NeverTrigger = NeverTrigger;

  private constructor() {
    super();
  }

  /** An assigner that puts all elements into the same GlobalWindow. */
  static create(): GlobalWindows {
    return new GlobalWindows();
  }

  assignWindows(_element: unknown, _timestamp: number, _context: WindowAssignerContext): GlobalWindow[] {
    return [GlobalWindow.get()];
  }

  getDefaultTrigger(): Trigger<unknown, GlobalWindow> {
    return new NeverTrigger();
  }

  getWindowSerializer(): GlobalWindowSerializer {
    return GlobalWindowSerializer.INSTANCE;
  }

  isEventTime(): boolean {
    return false;
  }

  override toString(): string {
    return 'GlobalWindows()';
  }
}
