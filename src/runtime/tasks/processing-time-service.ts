/*
 * Processing time for a task: wall-clock time and timers whose callbacks run in the task's
 * mailbox (never concurrently with record processing). Shut down with the task, so no timer
 * outlives its job.
 */

export interface ScheduledTimer {
  cancel(): void;
}

export interface ProcessingTimeService {
  getCurrentProcessingTime(): number;
  registerTimer(timestamp: number, callback: (timestamp: number) => void): ScheduledTimer;
}

export class MailboxProcessingTimeService implements ProcessingTimeService {
  private readonly executeInMailbox: (action: () => void, description: string) => void;
  private readonly pending = new Set<NodeJS.Timeout>();
  private shutDown = false;

  constructor(executeInMailbox: (action: () => void, description: string) => void) {
    this.executeInMailbox = executeInMailbox;
  }

  getCurrentProcessingTime(): number {
    return Date.now();
  }

  registerTimer(timestamp: number, callback: (timestamp: number) => void): ScheduledTimer {
    if (this.shutDown) return { cancel() {} };
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      // Node's timers run on a monotonic clock that can be a little ahead of Date.now(): a timer
      // that fires before its timestamp has passed on the wall clock is armed again for the rest.
      const now = Date.now();
      handle = setTimeout(() => {
        this.pending.delete(handle);
        if (this.shutDown) return;
        if (Date.now() < timestamp) arm();
        else this.executeInMailbox(() => callback(timestamp), `processing-time timer @ ${timestamp}`);
      }, Math.max(0, timestamp - now));
      this.pending.add(handle);
    };
    arm();
    return {
      cancel: () => {
        clearTimeout(handle);
        this.pending.delete(handle);
      },
    };
  }

  shutdown(): void {
    this.shutDown = true;
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }
}
