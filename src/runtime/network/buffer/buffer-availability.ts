/*
 * A reusable "available again" signal: any number of waiters share one promise, created when the
 * first waits and resolved (and dropped) on the next notification. Its memory is one promise,
 * however many writers wait or however often they ask, unlike a list of callbacks.
 */
export class BufferAvailability {
  private pending: Promise<void> | null = null;
  private resolvePending: (() => void) | null = null;

  get hasWaiters(): boolean {
    return this.pending !== null;
  }

  wait(): Promise<void> {
    if (this.pending === null) this.pending = new Promise<void>((resolve) => (this.resolvePending = resolve));
    return this.pending;
  }

  notifyAvailable(): void {
    const resolve = this.resolvePending;
    if (resolve === null) return;
    this.pending = null;
    this.resolvePending = null;
    resolve();
  }
}
