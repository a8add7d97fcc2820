/*
 * Typed configuration options, declared the way Flink declares them
 * (`key('parallelism.default').intType().defaultValue(1)`), and the parsers that turn what users write
 * (numbers, "5 s", "PT5S", "64 mb", "true", "batch") into typed values, with errors that say what was expected.
 */
import { configurationError } from '../errors.ts';

export type ConfigType = 'integer' | 'number' | 'boolean' | 'string' | 'duration' | 'memory' | 'enum' | 'string-list';

/** Anything with a `toMillis()`, such as a Flink-style or Temporal-like Duration object. */
export interface DurationLike {
  toMillis(): number;
}

interface OptionSpec<T> {
  readonly key: string;
  readonly type: ConfigType;
  readonly defaultValue: T | undefined;
  readonly description: string;
  readonly enumValues?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly deprecatedKeys?: readonly string[];
  readonly fallbackKeys?: readonly string[];
  readonly check?: (value: any) => boolean;
  readonly expected?: string;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/**
 * A typed, documented configuration key. Immutable: the `with...` methods return a new option, as in Flink.
 * Durations are represented as milliseconds and memory sizes as bytes.
 */
export class ConfigOption<T> {
  readonly key: string;
  readonly type: ConfigType;
  readonly defaultValue: T | undefined;
  readonly description: string;
  readonly enumValues?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Older keys Flink still reads for this option; using one logs a deprecation warning. */
  readonly deprecatedKeys?: readonly string[];
  /** Other current names of this option (for example Flink 2.x renames); read silently. */
  readonly fallbackKeys?: readonly string[];
  readonly #spec: OptionSpec<T>;

  constructor(spec: OptionSpec<T>) {
    this.#spec = spec;
    this.key = spec.key;
    this.type = spec.type;
    this.defaultValue = spec.defaultValue;
    this.description = spec.description;
    if (spec.enumValues !== undefined) this.enumValues = spec.enumValues;
    if (spec.min !== undefined) this.min = spec.min;
    if (spec.max !== undefined) this.max = spec.max;
    if (spec.deprecatedKeys !== undefined) this.deprecatedKeys = spec.deprecatedKeys;
    if (spec.fallbackKeys !== undefined) this.fallbackKeys = spec.fallbackKeys;
    Object.freeze(this);
  }

  hasDefaultValue(): boolean {
    return this.defaultValue !== undefined;
  }

  /** Every key that resolves to this option: the key itself, then deprecated keys, then fallback keys. */
  allKeys(): readonly string[] {
    return [this.key, ...(this.deprecatedKeys ?? []), ...(this.fallbackKeys ?? [])];
  }

  withDescription(description: string): ConfigOption<T> {
    return new ConfigOption({ ...this.#spec, description });
  }

  withDeprecatedKeys(...keys: string[]): ConfigOption<T> {
    return new ConfigOption({ ...this.#spec, deprecatedKeys: keys });
  }

  withFallbackKeys(...keys: string[]): ConfigOption<T> {
    return new ConfigOption({ ...this.#spec, fallbackKeys: keys });
  }

  /** Inclusive bounds for integer and number options; pass undefined to leave a side open. */
  withRange(min: number | undefined, max?: number): ConfigOption<T> {
    const spec: { -readonly [K in keyof OptionSpec<T>]: OptionSpec<T>[K] } = { ...this.#spec };
    delete spec.min;
    delete spec.max;
    if (min !== undefined) spec.min = min;
    if (max !== undefined) spec.max = max;
    return new ConfigOption(spec);
  }

  /** An extra check after parsing; `expected` replaces the generic "expected ..." text of errors. */
  withValidator(check: (value: NonNullable<T>) => boolean, expected: string): ConfigOption<T> {
    return new ConfigOption({ ...this.#spec, check, expected });
  }

  /** What a valid value looks like, for error messages and generated documentation. */
  expected(): string {
    if (this.#spec.expected !== undefined) return this.#spec.expected;
    switch (this.type) {
      case 'integer':
        return `an integer${describeRange(this.min, this.max)}`;
      case 'number':
        return `a number${describeRange(this.min, this.max)}`;
      case 'boolean':
        return 'true or false';
      case 'string':
        return 'a string';
      case 'duration':
        return "a duration such as '100 ms', '5 s', '1 min', '2 h', '1 d' or 'PT5S', or a number of milliseconds";
      case 'memory':
        return "a memory size such as '32kb', '64 mb' or '1g', or a number of bytes";
      case 'enum':
        return `one of ${(this.enumValues ?? []).join(', ')} (case-insensitive)`;
      case 'string-list':
        return "a list of strings (an array, 'a;b;c' or '[a, b, c]')";
    }
  }

  /**
   * Parses and validates a raw value for this option. `origin` says where the value came from
   * (a file and line, an environment variable) so the error can point there.
   */
  parse(raw: unknown, origin = 'configuration'): NonNullable<T> {
    const value = convert(this, raw);
    if (value === undefined || !this.#inRange(value) || (this.#spec.check !== undefined && !this.#spec.check(value))) {
      throw configurationError(
        `Invalid value for configuration key '${this.key}' in ${origin}: got ${show(raw)}; expected ${this.expected()}.`,
      );
    }
    return (Array.isArray(value) ? Object.freeze(value) : value) as NonNullable<T>;
  }

  #inRange(value: unknown): boolean {
    if (typeof value !== 'number') return true;
    return (this.min === undefined || value >= this.min) && (this.max === undefined || value <= this.max);
  }
}

/** Loosely typed option, for tables and lookups that hold options of every type. */
export type AnyConfigOption = ConfigOption<any>;

/** The second step of `key(...)`: a typed option waiting for its default. `In` is what the default may be written as. */
export class TypedOptionBuilder<T, In = T> {
  readonly #key: string;
  readonly #type: ConfigType;
  readonly #enumValues: readonly string[] | undefined;

  constructor(key: string, type: ConfigType, enumValues?: readonly string[]) {
    this.#key = key;
    this.#type = type;
    this.#enumValues = enumValues;
  }

  /** Durations and memory sizes may be given as text ('10 min', '32kb'), parsed here. */
  defaultValue(value: In): ConfigOption<T> {
    const withoutDefault = this.noDefaultValue();
    return new ConfigOption<T>({ ...this.#base(), defaultValue: withoutDefault.parse(value, 'the default value') as T });
  }

  noDefaultValue(): ConfigOption<T | undefined> {
    return new ConfigOption<T | undefined>({ ...this.#base(), defaultValue: undefined });
  }

  #base(): Omit<OptionSpec<T>, 'defaultValue'> {
    const base = { key: this.#key, type: this.#type, description: '' };
    return this.#enumValues === undefined ? base : { ...base, enumValues: this.#enumValues };
  }
}

/** The first step of `key(...)`: choose the type. */
export class OptionBuilder {
  readonly #key: string;

  constructor(key: string) {
    this.#key = key;
  }

  intType(): TypedOptionBuilder<number> {
    return new TypedOptionBuilder(this.#key, 'integer');
  }

  numberType(): TypedOptionBuilder<number> {
    return new TypedOptionBuilder(this.#key, 'number');
  }

  booleanType(): TypedOptionBuilder<boolean> {
    return new TypedOptionBuilder(this.#key, 'boolean');
  }

  stringType(): TypedOptionBuilder<string> {
    return new TypedOptionBuilder(this.#key, 'string');
  }

  /** Values are milliseconds. */
  durationType(): TypedOptionBuilder<number, number | string | DurationLike> {
    return new TypedOptionBuilder(this.#key, 'duration');
  }

  /** Values are bytes. */
  memoryType(): TypedOptionBuilder<number, number | string> {
    return new TypedOptionBuilder(this.#key, 'memory');
  }

  /** Input is matched case-insensitively and normalized to the spelling given here. */
  enumType<const V extends string>(values: readonly V[]): TypedOptionBuilder<V> {
    return new TypedOptionBuilder(this.#key, 'enum', Object.freeze([...values]));
  }

  stringListType(): TypedOptionBuilder<readonly string[]> {
    return new TypedOptionBuilder(this.#key, 'string-list');
  }
}

/** Starts the declaration of an option, like Flink's `ConfigOptions.key(...)`. */
export function key(name: string): OptionBuilder {
  return new OptionBuilder(name);
}

function describeRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

function show(raw: unknown): string {
  let text: string;
  if (typeof raw === 'string') text = JSON.stringify(raw);
  else if (raw === undefined || typeof raw === 'function' || typeof raw === 'symbol' || typeof raw === 'bigint') text = String(raw);
  else {
    try {
      text = JSON.stringify(raw) ?? String(raw);
    } catch {
      text = String(raw);
    }
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function convert(option: AnyConfigOption, raw: unknown): unknown {
  switch (option.type) {
    case 'integer':
      return toInteger(raw);
    case 'number':
      return toNumber(raw);
    case 'boolean':
      return toBoolean(raw);
    case 'string':
      return typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
    case 'duration':
      return toDuration(raw);
    case 'memory':
      return toMemorySize(raw);
    case 'enum':
      return toEnum(raw, option.enumValues ?? []);
    case 'string-list':
      return toStringList(raw);
  }
}

function toInteger(raw: unknown): number | undefined {
  let value: number | undefined;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && /^\s*[+-]?\d+\s*$/.test(raw)) value = Number(raw);
  return value !== undefined && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX ? value : undefined;
}

function toNumber(raw: unknown): number | undefined {
  let value: number | undefined;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(raw)) value = Number(raw);
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function toBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

function toEnum(raw: unknown, values: readonly string[]): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim().toLowerCase();
  return values.find((v) => v.toLowerCase() === text);
}

function toStringList(raw: unknown): string[] | undefined {
  if (Array.isArray(raw)) return raw.every((item) => typeof item === 'string') ? [...(raw as string[])] : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  // Flink's legacy list syntax is 'a;b'; its YAML-era syntax is '[a, b]'.
  const parts = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1).split(',') : text.split(';');
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

const DURATION_UNITS = new Map<string, number>();
for (const [factor, names] of [
  [1e-6, ['ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds']],
  [1e-3, ['µs', 'us', 'micro', 'micros', 'microsecond', 'microseconds']],
  [1, ['', 'ms', 'milli', 'millis', 'millisecond', 'milliseconds']],
  [1000, ['s', 'sec', 'secs', 'second', 'seconds']],
  [60_000, ['m', 'min', 'mins', 'minute', 'minutes']],
  [3_600_000, ['h', 'hour', 'hours']],
  [86_400_000, ['d', 'day', 'days']],
] as const) {
  for (const name of names) DURATION_UNITS.set(name, factor);
}

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

function toDuration(raw: unknown): number | undefined {
  let millis: number | undefined;
  if (typeof raw === 'number') millis = raw;
  else if (typeof raw === 'string') millis = durationFromText(raw.trim());
  else if (typeof raw === 'object' && raw !== null && typeof (raw as Partial<DurationLike>).toMillis === 'function') {
    const value: unknown = (raw as DurationLike).toMillis();
    millis = typeof value === 'number' ? value : undefined;
  }
  return millis !== undefined && Number.isFinite(millis) && millis >= 0 ? millis : undefined;
}

function durationFromText(text: string): number | undefined {
  const iso = ISO_DURATION.exec(text);
  if (iso !== null) {
    const [, d, h, m, s] = iso;
    // 'P' and 'PT' alone match the pattern but are not durations.
    if (d === undefined && h === undefined && m === undefined && s === undefined) return undefined;
    return Number(d ?? 0) * 86_400_000 + Number(h ?? 0) * 3_600_000 + Number(m ?? 0) * 60_000 + Number(s ?? 0) * 1000;
  }
  const match = /^(\d+(?:\.\d+)?)\s*([a-zµ]*)$/i.exec(text);
  if (match === null) return undefined;
  const factor = DURATION_UNITS.get(match[2].toLowerCase());
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

const MEMORY_UNITS = new Map<string, number>();
for (const [factor, names] of [
  [1, ['', 'b', 'bytes']],
  [1024, ['k', 'kb', 'kibibytes']],
  [1024 ** 2, ['m', 'mb', 'mebibytes']],
  [1024 ** 3, ['g', 'gb', 'gibibytes']],
  [1024 ** 4, ['t', 'tb', 'tebibytes']],
] as const) {
  for (const name of names) MEMORY_UNITS.set(name, factor);
}

function toMemorySize(raw: unknown): number | undefined {
  let bytes: number | undefined;
  if (typeof raw === 'number') bytes = raw;
  else if (typeof raw === 'string') {
    const match = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
    const factor = match === null ? undefined : MEMORY_UNITS.get(match[2].toLowerCase());
    if (match !== null && factor !== undefined) bytes = Number(match[1]) * factor;
  }
  return bytes !== undefined && Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
}

/** Parses a duration the way option values are parsed; returns milliseconds. */
export function parseDuration(value: number | string | DurationLike): number {
  const millis = toDuration(value);
  if (millis === undefined) throw configurationError(`Cannot parse duration ${show(value)}: expected a duration such as '100 ms', '5 s' or 'PT5S'.`);
  return millis;
}

/** Parses a memory size the way option values are parsed; returns bytes. */
export function parseMemorySize(value: number | string): number {
  const bytes = toMemorySize(value);
  if (bytes === undefined) throw configurationError(`Cannot parse memory size ${show(value)}: expected a size such as '32kb', '64 mb' or '1g'.`);
  return bytes;
}

/** Renders milliseconds in the largest unit that divides them evenly, e.g. 600000 → '10 min'. */
export function formatDuration(millis: number): string {
  for (const [unit, factor] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]] as const) {
    if (millis !== 0 && millis % factor === 0) return `${millis / factor} ${unit}`;
  }
  return `${millis} ms`;
}

/** Renders bytes in the largest binary unit that divides them evenly, e.g. 32768 → '32 kb'. */
export function formatMemorySize(bytes: number): string {
  for (const [unit, factor] of [['tb', 1024 ** 4], ['gb', 1024 ** 3], ['mb', 1024 ** 2], ['kb', 1024]] as const) {
    if (bytes !== 0 && bytes % factor === 0) return `${bytes / factor} ${unit}`;
  }
  return `${bytes} bytes`;
}
