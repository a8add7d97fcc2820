/*
 * The configuration of a job or cluster: a map from Flink option keys to parsed, validated values. Values are
 * checked when they enter (from an object, the environment, a file or `set`), so an unknown key or a bad value
 * fails at startup with the key, where it came from, and what was expected, not later inside a task.
 */
import { readFileSync } from 'node:fs';
import { configurationError } from '../errors.ts';
import { getLogger } from '../utils/logger.ts';
import type { AnyConfigOption, ConfigOption, DurationLike } from './config-option.ts';
import { ALL_CONFIG_OPTIONS, findConfigOption } from './config-options.ts';

/** Prefix of environment variables read by `Configuration.fromEnvironment`. */
export const ENV_PREFIX = 'FLINK_TS_';

const log = getLogger('configuration');

interface RawEntry {
  readonly key: string;
  readonly raw: unknown;
  readonly origin: string;
}

export class Configuration {
  readonly #values = new Map<string, unknown>();

  /**
   * Validates every entry of a plain object whose keys are Flink keys (`{ 'parallelism.default': 4 }`).
   * `origin` names the source in error messages. Entries whose value is undefined count as unset (the key is still checked).
   */
  static fromObject(obj: Record<string, unknown>, origin = 'configuration'): Configuration {
    return Configuration.#fromEntries(Object.entries(obj).map(([key, raw]) => ({ key, raw, origin })));
  }

  /**
   * Reads `FLINK_TS_<KEY>` variables, where KEY is an option key upper-cased with '.' and '-' turned into '_'
   * (FLINK_TS_PARALLELISM_DEFAULT). Only names of known keys are read; empty values count as unset.
   */
  static fromEnvironment(env: Record<string, string | undefined> = process.env): Configuration {
    const entries: RawEntry[] = [];
    for (const option of ALL_CONFIG_OPTIONS) {
      for (const key of option.allKeys()) {
        const name = environmentVariableName(key);
        const raw = env[name];
        if (raw !== undefined && raw !== '') entries.push({ key, raw, origin: `environment variable ${name}` });
      }
    }
    return Configuration.#fromEntries(entries);
  }

  /**
   * Reads a flat Flink-style file (flink-conf.yaml): one `key: value` per line, `#` starts a comment, values may be
   * quoted. Nested YAML is not supported. Errors name the file and line.
   */
  static fromFile(path: string): Configuration {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw configurationError(`Cannot read configuration file '${path}': ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const entries: RawEntry[] = [];
    text.split(/\r?\n/).forEach((line, index) => {
      const origin = `file '${path}' line ${index + 1}`;
      const entry = parseLine(line, origin);
      if (entry !== undefined) entries.push(entry);
    });
    return Configuration.#fromEntries(entries);
  }

  static #fromEntries(entries: readonly RawEntry[]): Configuration {
    // The option's own key beats deprecated and fallback keys whatever the order; among equals the later entry wins.
    const chosen = new Map<AnyConfigOption, { rank: number; value: unknown }>();
    for (const { key, raw, origin } of entries) {
      const option = findConfigOption(key);
      if (option === undefined) throw unknownKeyError(key, origin);
      // `{ key: undefined }` is how JavaScript callers write "not set" when building objects conditionally.
      if (raw === undefined) continue;
      const value = option.parse(raw, origin);
      const rank = option.allKeys().indexOf(key);
      if (option.deprecatedKeys?.includes(key) === true) {
        log.warn({ key, replacement: option.key, origin }, `Configuration key '${key}' is deprecated; use '${option.key}' instead.`);
      }
      const previous = chosen.get(option);
      if (previous === undefined || rank <= previous.rank) chosen.set(option, { rank, value });
    }
    const conf = new Configuration();
    for (const [option, { value }] of chosen) conf.#values.set(option.key, value);
    return conf;
  }

  /** The value set for the option, else its default (undefined for options without one). */
  get<T>(option: ConfigOption<T>): T {
    return this.#values.has(option.key) ? (this.#values.get(option.key) as T) : (option.defaultValue as T);
  }

  /** The value set for the option, ignoring its default. */
  getOptional<T>(option: ConfigOption<T>): NonNullable<T> | undefined {
    return this.#values.get(option.key) as NonNullable<T> | undefined;
  }

  /** Validates and stores a value; textual forms ('5 s', '64 mb', 'batch') are accepted as from a file. */
  set<T>(option: ConfigOption<T>, value: NoInfer<NonNullable<T>> | string | DurationLike): this {
    this.#values.set(option.key, option.parse(value, 'Configuration.set'));
    return this;
  }

  remove(option: AnyConfigOption): boolean {
    return this.#values.delete(option.key);
  }

  contains(option: AnyConfigOption): boolean {
    return this.#values.has(option.key);
  }

  /** Keys that have been set (always the option's current key, also when a deprecated key was used). */
  keys(): string[] {
    return [...this.#values.keys()];
  }

  /** The set values by key: durations in milliseconds, memory sizes in bytes. */
  toMap(): Map<string, unknown> {
    return new Map(this.#values);
  }

  /** Like toMap, as a plain object that `Configuration.fromObject` accepts again. */
  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.#values);
  }

  clone(): Configuration {
    const copy = new Configuration();
    for (const [key, value] of this.#values) copy.#values.set(key, value);
    return copy;
  }

  /** A new configuration with the values of both; where both set a key, `other` wins. Neither input changes. */
  merge(other: Configuration): Configuration {
    const merged = this.clone();
    for (const [key, value] of other.#values) merged.#values.set(key, value);
    return merged;
  }

  toString(): string {
    return `Configuration ${JSON.stringify(this.toObject())}`;
  }
}

/** The environment variable `fromEnvironment` reads for a key: 'parallelism.default' → 'FLINK_TS_PARALLELISM_DEFAULT'. */
export function environmentVariableName(key: string): string {
  return ENV_PREFIX + key.toUpperCase().replace(/[.-]/g, '_');
}

function parseLine(line: string, origin: string): RawEntry | undefined {
  // '#' starts a comment at the start of a line or after whitespace, so URIs with fragments survive.
  const content = line.replace(/(^|\s)#.*$/, '').trimEnd();
  if (content.trim() === '') return undefined;
  if (/^\s/.test(content)) {
    throw configurationError(`Invalid line in ${origin}: nested YAML is not supported; write each option as 'full.key: value' at the start of a line.`);
  }
  const colon = content.indexOf(':');
  if (colon <= 0) throw configurationError(`Invalid line in ${origin}: expected 'key: value', got ${JSON.stringify(content)}.`);
  const key = content.slice(0, colon).trim();
  let raw = content.slice(colon + 1).trim();
  if (raw === '') throw configurationError(`Missing value for configuration key '${key}' in ${origin}.`);
  if (raw.length >= 2 && (raw[0] === '"' || raw[0] === "'") && raw.at(-1) === raw[0]) raw = raw.slice(1, -1);
  return { key, raw, origin };
}

function unknownKeyError(key: string, origin: string): Error {
  const suggestion = closestKey(key);
  const hint = suggestion === undefined ? '' : ` Did you mean '${suggestion}'?`;
  return configurationError(`Unknown configuration key '${key}' in ${origin}.${hint}`);
}

/** The nearest known key by edit distance (case-insensitive), if it is near enough to be a plausible typo. */
export function closestKey(key: string): string | undefined {
  const wanted = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const option of ALL_CONFIG_OPTIONS) {
    for (const candidate of option.allKeys()) {
      const lower = candidate.toLowerCase();
      // A key given without its last segment ('parallelism') is a typo of the full key.
      const distance = lower.startsWith(`${wanted}.`) ? 1 : editDistance(wanted, lower);
      if (best === undefined || distance < best.distance) best = { key: option.key, distance };
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 4));
  return best !== undefined && best.distance <= limit ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
