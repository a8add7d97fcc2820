/*
 * Window: a finite (or, for GlobalWindow, unbounded) bucket of a keyed stream that a window
 * operator fills with elements and fires. As in Flink, a window knows the largest timestamp that
 * still belongs to it. Because JavaScript maps compare objects by identity, every window also has a
 * `key()`: a string that is equal exactly when two windows are equal, used wherever Flink relies on
 * equals/hashCode (merging window sets, state namespaces, timer deduplication).
 */

export abstract class Window {
  /** The largest timestamp that still belongs to this window. */
  abstract maxTimestamp(): number;

  /** A string equal for equal windows and different for different ones. */
  abstract key(): string;

  equals(other: unknown): boolean {
    return other instanceof Window && other.constructor === this.constructor && other.key() === this.key();
  }
}
