/*
 * The coordinator's side of the final checkpoint (FLIP-147). Once every subtask of the job finished
 * its input, the next checkpoint to complete lets all of them end; it is triggered at once rather
 * than at the next periodic trigger as in Flink (see checkpoint-coordinator.ts), and tried again
 * shortly while it could not be started or did not complete, until one triggered after that moment
 * completed or the attempt stopped.
 */

/** How soon a final checkpoint that could not be triggered or completed is tried again. */
const RETRY_MS = 10;

export class FinalCheckpointTrigger {
  /** Starts a checkpoint if one may start now; resolves false when none was started. */
  private readonly trigger: () => Promise<boolean>;
  private wanted = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(trigger: () => Promise<boolean>) {
    this.trigger = trigger;
  }

  get isWanted(): boolean {
    return this.wanted;
  }

  /** Every subtask finished its input: trigger now. */
  request(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.schedule(0);
  }

  /** A checkpoint ended (completed or aborted) without being the final one: try again soon. */
  retry(): void {
    this.schedule(RETRY_MS);
  }

  /** A checkpoint triggered after every subtask finished its input completed. */
  completed(): void {
    this.cancel();
  }

  cancel(): void {
    this.wanted = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (!this.wanted || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.wanted) return;
      this.trigger().then(
        (started) => {
          if (!started) this.schedule(RETRY_MS);
        },
        () => this.schedule(RETRY_MS),
      );
    }, delayMs);
  }
}
