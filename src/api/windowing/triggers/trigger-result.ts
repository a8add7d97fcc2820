/*
 * TriggerResult: what a trigger tells the window operator to do with a window after an element or
 * a timer: nothing (CONTINUE), evaluate it (FIRE), drop its contents (PURGE), or both.
 */

export class TriggerResult {
  /** No action is taken on the window. */
  static readonly CONTINUE = new TriggerResult('CONTINUE', false, false);
  /** The window function is evaluated and the window's contents are cleared. */
  static readonly FIRE_AND_PURGE = new TriggerResult('FIRE_AND_PURGE', true, true);
  /** The window function is evaluated; the contents are kept. */
  static readonly FIRE = new TriggerResult('FIRE', true, false);
  /** The contents are cleared without evaluating the window function. */
  static readonly PURGE = new TriggerResult('PURGE', false, true);

  readonly name: 'CONTINUE' | 'FIRE_AND_PURGE' | 'FIRE' | 'PURGE';
  private readonly fire: boolean;
  private readonly purge: boolean;

  private constructor(name: TriggerResult['name'], fire: boolean, purge: boolean) {
    this.name = name;
    this.fire = fire;
    this.purge = purge;
  }

  isFire(): boolean {
    return this.fire;
  }

  isPurge(): boolean {
    return this.purge;
  }

  toString(): string {
    return this.name;
  }

  static values(): readonly TriggerResult[] {
    return [TriggerResult.CONTINUE, TriggerResult.FIRE_AND_PURGE, TriggerResult.FIRE, TriggerResult.PURGE];
  }
}
