/*
 * The window operator's way to its timer service: every timer the operator or its trigger
 * registers or deletes passes here, and the outcome of the last two is remembered for the rest of
 * the step (one element or one timer, of one key). A registration of a timer known to be
 * registered, or a deletion of one known to be gone, changes nothing in the timer service —
 * timers are a set of (key, namespace, timestamp) — so it is skipped. That is what a window step
 * repeats: with allowed lateness 0 the cleanup timer is the trigger's timer (registered twice per
 * element), and when sessions merge, the trigger's onMerge registers the timer its onElement
 * registers again, and the cleanup timer of a merged window is the one its trigger just deleted.
 *
 * The operator calls beginStep() before each element and each timer: a step sees the timers of
 * one key, and timers fire only between steps, so what is remembered stays true within one.
 */
import type { InternalTimerService } from '../internal-timer-service.ts';

export class WindowTimers {
  private readonly service: InternalTimerService;
  // Two remembered timers: namespace (the window object; null = empty slot), time, domain, state.
  private ns0: unknown = null;
  private time0 = 0;
  private eventTime0 = false;
  private registered0 = false;
  private ns1: unknown = null;
  private time1 = 0;
  private eventTime1 = false;
  private registered1 = false;
  /** The slot the next new timer takes (the older one). */
  private nextSlot = 0;

  constructor(service: InternalTimerService) {
    this.service = service;
  }

  /** A new step: nothing is known. */
  beginStep(): void {
    this.ns0 = null;
    this.ns1 = null;
  }

  register(namespace: unknown, time: number, eventTime: boolean): void {
    if (this.known(namespace, time, eventTime) === 1) return;
    if (eventTime) this.service.registerEventTimeTimer(time, namespace);
    else this.service.registerProcessingTimeTimer(time, namespace);
    this.remember(namespace, time, eventTime, true);
  }

  delete(namespace: unknown, time: number, eventTime: boolean): void {
    if (this.known(namespace, time, eventTime) === 0) return;
    if (eventTime) this.service.deleteEventTimeTimer(time, namespace);
    else this.service.deleteProcessingTimeTimer(time, namespace);
    this.remember(namespace, time, eventTime, false);
  }

  /** 1: known registered, 0: known gone, -1: not known. Windows are compared by identity. */
  private known(namespace: unknown, time: number, eventTime: boolean): number {
    if (this.ns0 === namespace && this.time0 === time && this.eventTime0 === eventTime) return this.registered0 ? 1 : 0;
    if (this.ns1 === namespace && this.time1 === time && this.eventTime1 === eventTime) return this.registered1 ? 1 : 0;
    return -1;
  }

  private remember(namespace: unknown, time: number, eventTime: boolean, registered: boolean): void {
    let slot: number;
    if (this.ns0 === namespace && this.time0 === time && this.eventTime0 === eventTime) slot = 0;
    else if (this.ns1 === namespace && this.time1 === time && this.eventTime1 === eventTime) slot = 1;
    else {
      slot = this.nextSlot;
      this.nextSlot = 1 - slot;
    }
    if (slot === 0) {
      this.ns0 = namespace;
      this.time0 = time;
      this.eventTime0 = eventTime;
      this.registered0 = registered;
    } else {
      this.ns1 = namespace;
      this.time1 = time;
      this.eventTime1 = eventTime;
      this.registered1 = registered;
    }
  }
}
