/*
 * GlobalWindow: the one window into which GlobalWindows puts every element. It never ends on its
 * own (maxTimestamp is the largest timestamp), so it fires only through a custom trigger.
 */
import { Compatibility, type CompatibilityResult, type SerializerSnapshot, type TypeSerializer } from '../../../runtime/serialization/type-serializer.ts';
import { Window } from './window.ts';

export class GlobalWindow extends Window {
  private static readonly INSTANCE = new GlobalWindow();

  private constructor() {
    super();
  }

  static get(): GlobalWindow {
    return GlobalWindow.INSTANCE;
  }

  /** Flink's Long.MAX_VALUE: the largest timestamp this engine has. */
  maxTimestamp(): number {
    return Number.MAX_SAFE_INTEGER;
  }

  key(): string {
    return 'GlobalWindow';
  }

  override equals(other: unknown): boolean {
    return other instanceof GlobalWindow;
  }

  override toString(): string {
    return 'GlobalWindow';
  }
}

/** Writes the GlobalWindow as one zero byte (as Flink does) and always reads back the singleton. */
export class GlobalWindowSerializer implements TypeSerializer<GlobalWindow> {
  static readonly INSTANCE = new GlobalWindowSerializer();
  readonly id = 'global-window';
  readonly version = 1;

  serialize(_window: GlobalWindow): Uint8Array {
    return new Uint8Array(1);
  }

  deserialize(_bytes: Uint8Array): GlobalWindow {
    return GlobalWindow.get();
  }

  copy(window: GlobalWindow): GlobalWindow {
    return window;
  }

  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version };
  }

  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    if (previous.id === this.id && previous.version === this.version) return { compatibility: Compatibility.COMPATIBLE_AS_IS };
    return { compatibility: Compatibility.INCOMPATIBLE, reason: `windows were written by '${previous.id}' version ${previous.version}, not by '${this.id}' version ${this.version}` };
  }
}
