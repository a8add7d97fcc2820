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
    const delay = Math.max(0, timestamp - Date.now());
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      if (!this.shutDown) this.executeInMailbox(() => callback(timestamp), `processing-time timer @ ${timestamp}`);
    }, delay);
    this.pending.add(handle);
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
