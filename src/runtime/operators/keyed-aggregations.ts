/*
 * The built-in keyed aggregations (KeyedStream.sum/min/max/minBy/maxBy) as ReduceFunctions for
 * StreamGroupedReduceOperator, with the semantics of Flink's SumAggregator and
 * ComparableAggregator: sum, min and max return the first record of the key with only the
 * aggregated field updated; minBy and maxBy return the whole record holding the extreme value.
 * Results are copies, so a record once emitted is never changed afterwards.
 */
import { invalidPipeline } from '../../errors.ts';
import { describeRecord } from './stream-operator.ts';

/**
 * A property name or an array index. Undefined (or 0 or '*', as Flink's position 0 of a basic
 * type) aggregates a stream of plain numbers by the values themselves.
 */
export type AggregationField = string | number | undefined;

type Numeric = number | bigint;

function checkField(field: AggregationField, aggregation: string): void {
  if (field === undefined) return;
  if (typeof field === 'string' ? field.length > 0 : Number.isInteger(field) && field >= 0) return;
  throw invalidPipeline(`${aggregation}: the field must be a property name or a non-negative array index, not ${describeRecord(field)}`);
}

function fieldName(field: AggregationField): string {
  return field === undefined ? 'value' : `field ${typeof field === 'string' ? `'${field}'` : field}`;
}

function isWholeValue(record: unknown, field: AggregationField): boolean {
  return (typeof record !== 'object' || record === null) && (field === undefined || field === 0 || field === '*');
}

function getNumeric(record: unknown, field: AggregationField, aggregation: string): Numeric {
  let value: unknown;
  if (isWholeValue(record, field)) {
    value = record;
  } else if (typeof record === 'object' && record !== null && field !== undefined) {
    value = (record as Record<string | number, unknown>)[field];
  } else {
    const why = field === undefined ? 'records that are not plain numbers need a field to aggregate' : `the record has no ${fieldName(field)}`;
    throw new TypeError(`${aggregation}: cannot aggregate record ${describeRecord(record)}: ${why}`);
  }
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  throw new TypeError(`${aggregation}: the ${fieldName(field)} of record ${describeRecord(record)} is ${describeRecord(value)}, not a number`);
}

/** A shallow copy of `record` (keeping its prototype) with the field set to `value`. */
function withField<T>(record: T, field: AggregationField, value: Numeric): T {
  if (isWholeValue(record, field)) return value as T;
  const copy: Record<string | number, unknown> = Array.isArray(record)
    ? (record.slice() as unknown as Record<number, unknown>)
    : Object.assign(Object.create(Object.getPrototypeOf(record) as object | null) as Record<string, unknown>, record as object);
  copy[field as string | number] = value;
  return copy as T;
}

function add(a: Numeric, b: Numeric, field: AggregationField): Numeric {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  throw new TypeError(`sum: the ${fieldName(field)} holds a number in one record and a bigint in another; they cannot be added`);
}

export function sumAggregation<T>(field?: AggregationField): (value1: T, value2: T) => T {
  checkField(field, 'sum');
  return function sum(value1: T, value2: T): T {
    return withField(value1, field, add(getNumeric(value1, field, 'sum'), getNumeric(value2, field, 'sum'), field));
  };
}

export function minAggregation<T>(field?: AggregationField): (value1: T, value2: T) => T {
  checkField(field, 'min');
  return function min(value1: T, value2: T): T {
    const o1 = getNumeric(value1, field, 'min');
    const o2 = getNumeric(value2, field, 'min');
    return withField(value1, field, o1 < o2 ? o1 : o2);
  };
}

export function maxAggregation<T>(field?: AggregationField): (value1: T, value2: T) => T {
  checkField(field, 'max');
  return function max(value1: T, value2: T): T {
    const o1 = getNumeric(value1, field, 'max');
    const o2 = getNumeric(value2, field, 'max');
    return withField(value1, field, o1 > o2 ? o1 : o2);
  };
}

/** The record with the smallest field; on ties the earlier one when `first`, else the later. */
export function minByAggregation<T>(field?: AggregationField, first = true): (value1: T, value2: T) => T {
  checkField(field, 'minBy');
  return function minBy(value1: T, value2: T): T {
    const o1 = getNumeric(value1, field, 'minBy');
    const o2 = getNumeric(value2, field, 'minBy');
    if (o1 < o2) return value1;
    if (o1 > o2) return value2;
    return first ? value1 : value2;
  };
}

/** The record with the largest field; on ties the earlier one when `first`, else the later. */
export function maxByAggregation<T>(field?: AggregationField, first = true): (value1: T, value2: T) => T {
  checkField(field, 'maxBy');
  return function maxBy(value1: T, value2: T): T {
    const o1 = getNumeric(value1, field, 'maxBy');
    const o2 = getNumeric(value2, field, 'maxBy');
    if (o1 > o2) return value1;
    if (o1 < o2) return value2;
    return first ? value1 : value2;
  };
}
