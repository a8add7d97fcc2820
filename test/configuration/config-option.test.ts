/*
 * Tests of option declaration and value parsing: the forms Flink accepts for each type, and the errors for
 * the forms it rejects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkError } from '../../src/errors.ts';
import { formatDuration, formatMemorySize, key, parseDuration, parseMemorySize } from '../../src/configuration/config-option.ts';

const isConfigError = (err: unknown): boolean => FlinkError.isFlinkError(err) && err.code === 'FLINK_TS_CONFIGURATION';

test('the builder declares typed options with defaults, descriptions and deprecated keys', () => {
  const option = key('a.b').intType().defaultValue(3).withRange(1, 10).withDeprecatedKeys('a.old').withDescription('An integer.');
  assert.equal(option.key, 'a.b');
  assert.equal(option.type, 'integer');
  assert.equal(option.defaultValue, 3);
  assert.equal(option.description, 'An integer.');
  assert.equal(option.min, 1);
  assert.equal(option.max, 10);
  assert.deepEqual(option.deprecatedKeys, ['a.old']);
  assert.deepEqual(option.allKeys(), ['a.b', 'a.old']);
  assert.ok(Object.isFrozen(option));
  const noDefault = key('a.c').stringType().noDefaultValue();
  assert.equal(noDefault.defaultValue, undefined);
  assert.equal(noDefault.hasDefaultValue(), false);
});

test('duration and memory defaults may be written as text', () => {
  assert.equal(key('d').durationType().defaultValue('10 min').defaultValue, 600_000);
  assert.equal(key('m').memoryType().defaultValue('32kb').defaultValue, 32_768);
});

test('an invalid default is a programming error caught at declaration', () => {
  assert.throws(() => key('d').durationType().defaultValue('soon'), isConfigError);
});

test('integers accept numbers and numeric strings, reject fractions and text', () => {
  const option = key('i').intType().noDefaultValue();
  assert.equal(option.parse(42), 42);
  assert.equal(option.parse(' -7 '), -7);
  assert.equal(option.parse('+5'), 5);
  for (const bad of [1.5, '1.5', 'abc', '', true, null, undefined, 2 ** 31, Number.NaN]) {
    assert.throws(() => option.parse(bad), isConfigError, `should reject ${String(bad)}`);
  }
});

test('ranges and validators are enforced and named in the error', () => {
  const option = key('p').intType().defaultValue(1).withRange(1, 8);
  assert.equal(option.parse(8), 8);
  assert.throws(() => option.parse(0), /between 1 and 8/);
  assert.throws(() => option.parse(9), /between 1 and 8/);
  const odd = key('o').intType().noDefaultValue().withValidator((v) => v % 2 === 1, 'an odd integer');
  assert.equal(odd.parse(3), 3);
  assert.throws(() => odd.parse(4), /expected an odd integer/);
});

test('numbers accept decimals and numeric strings', () => {
  const option = key('n').numberType().noDefaultValue();
  assert.equal(option.parse(1.5), 1.5);
  assert.equal(option.parse('0.25'), 0.25);
  assert.equal(option.parse('1e3'), 1000);
  assert.throws(() => option.parse('1,5'), isConfigError);
  assert.throws(() => option.parse(Number.POSITIVE_INFINITY), isConfigError);
});

test('booleans accept true/false and their strings in any case', () => {
  const option = key('b').booleanType().noDefaultValue();
  assert.equal(option.parse(true), true);
  assert.equal(option.parse('false'), false);
  assert.equal(option.parse('TRUE'), true);
  assert.throws(() => option.parse('yes'), /expected true or false/);
  assert.throws(() => option.parse(1), isConfigError);
});

test('durations accept milliseconds, unit strings, ISO-8601 and Duration-like objects', () => {
  const option = key('d').durationType().noDefaultValue();
  const cases: Array<[unknown, number]> = [
    [250, 250],
    ['100 ms', 100],
    ['100ms', 100],
    ['100', 100],
    ['5 s', 5000],
    ['5s', 5000],
    ['5 seconds', 5000],
    ['1 min', 60_000],
    ['1m', 60_000],
    ['2 h', 7_200_000],
    ['1 d', 86_400_000],
    ['500 us', 0.5],
    ['PT5S', 5000],
    ['PT1H30M', 5_400_000],
    ['pt0.5s', 500],
    ['P1D', 86_400_000],
    [{ toMillis: () => 1234 }, 1234],
  ];
  for (const [raw, millis] of cases) assert.equal(option.parse(raw), millis, `parsing ${JSON.stringify(raw)}`);
  for (const bad of ['', 'soon', '5 weeks', '-1 s', -1, 'P', 'PT', 'PT5', { toMillis: () => 'x' }, {}]) {
    assert.throws(() => option.parse(bad), /expected a duration/, `should reject ${JSON.stringify(bad)}`);
  }
});

test('memory sizes accept bytes and binary unit strings', () => {
  const option = key('m').memoryType().noDefaultValue();
  const cases: Array<[unknown, number]> = [
    [4096, 4096],
    ['1024', 1024],
    ['32kb', 32 * 1024],
    ['32 KB', 32 * 1024],
    ['64 mb', 64 * 1024 ** 2],
    ['64m', 64 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['2 gibibytes', 2 * 1024 ** 3],
    ['1 tb', 1024 ** 4],
    ['10 bytes', 10],
  ];
  for (const [raw, bytes] of cases) assert.equal(option.parse(raw), bytes, `parsing ${JSON.stringify(raw)}`);
  for (const bad of ['1.5 mb', '12 parsecs', -1, 1.5, 'mb']) {
    assert.throws(() => option.parse(bad), /expected a memory size/, `should reject ${JSON.stringify(bad)}`);
  }
});

test('enums match case-insensitively and return the canonical spelling', () => {
  const option = key('e').enumType(['STREAMING', 'BATCH']).defaultValue('STREAMING');
  assert.equal(option.parse('batch'), 'BATCH');
  assert.equal(option.parse(' Streaming '), 'STREAMING');
  assert.throws(() => option.parse('micro-batch'), /one of STREAMING, BATCH/);
  assert.deepEqual(option.enumValues, ['STREAMING', 'BATCH']);
});

test('strings accept text and scalars; string lists accept arrays, a;b and [a, b]', () => {
  const text = key('s').stringType().noDefaultValue();
  assert.equal(text.parse('job'), 'job');
  assert.equal(text.parse(42), '42');
  assert.throws(() => text.parse({}), /expected a string/);
  const list = key('l').stringListType().noDefaultValue();
  assert.deepEqual(list.parse(['a', 'b']), ['a', 'b']);
  assert.deepEqual(list.parse('a; b;c'), ['a', 'b', 'c']);
  assert.deepEqual(list.parse('[a, b]'), ['a', 'b']);
  assert.deepEqual(list.parse(''), []);
  assert.ok(Object.isFrozen(list.parse(['x'])));
  assert.throws(() => list.parse([1, 2]), isConfigError);
});

test('errors name the key, the origin, the given value and the expected type', () => {
  const option = key('parallelism.x').intType().defaultValue(1).withRange(1);
  assert.throws(
    () => option.parse('abc', "file 'f.yaml' line 3"),
    (err: unknown) => {
      assert.ok(isConfigError(err));
      const { message } = err as Error;
      assert.match(message, /'parallelism\.x'/);
      assert.match(message, /file 'f\.yaml' line 3/);
      assert.match(message, /got "abc"/);
      assert.match(message, /expected an integer >= 1/);
      return true;
    },
  );
});

test('parseDuration/parseMemorySize and the formatters round-trip common values', () => {
  assert.equal(parseDuration('1 min'), 60_000);
  assert.equal(parseMemorySize('64 mb'), 64 * 1024 ** 2);
  assert.throws(() => parseDuration('later'), isConfigError);
  assert.throws(() => parseMemorySize('big'), isConfigError);
  assert.equal(formatDuration(600_000), '10 min');
  assert.equal(formatDuration(200), '200 ms');
  assert.equal(formatDuration(0), '0 ms');
  assert.equal(formatDuration(3_600_000), '1 h');
  assert.equal(formatMemorySize(32_768), '32 kb');
  assert.equal(formatMemorySize(1024 ** 3), '1 gb');
  assert.equal(formatMemorySize(1000), '1000 bytes');
  for (const millis of [0, 1, 1500, 60_000, 86_400_000]) assert.equal(parseDuration(formatDuration(millis)), millis);
});
