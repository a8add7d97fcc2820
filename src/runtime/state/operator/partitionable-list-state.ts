/*
 * The list behind getListState() and getUnionListState() of operator state (Flink's
 * PartitionableListState): one plain array per parallel instance. Its distribution mode decides
 * how the elements are spread over the subtasks when the job is restored.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { ListState } from '../../../api/state/state.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import type { OperatorStateMode } from './operator-state-snapshot.ts';

export class PartitionableListState<T> implements ListState<T> {
  readonly name: string;
  readonly mode: OperatorStateMode;
  readonly serializer: TypeSerializer<T>;
  private readonly where: string;
  private list: T[] = [];

  constructor(name: string, mode: OperatorStateMode, serializer: TypeSerializer<T>, where: string) {
    this.name = name;
    this.mode = mode;
    this.serializer = serializer;
    this.where = where;
  }

  /** The elements; an empty list when there are none. */
  get(): Iterable<T> {
    return this.list;
  }

  add(value: T): void {
    this.checkElement(value);
    this.list.push(value);
  }

  addAll(values: Iterable<T>): void {
    if (values === null || values === undefined) return;
    const items = [...values];
    for (const v of items) this.checkElement(v);
    for (const v of items) this.list.push(v);
  }

  update(values: Iterable<T>): void {
    const items = values === null || values === undefined ? [] : [...values];
    for (const v of items) this.checkElement(v);
    this.list = items;
  }

  clear(): void {
    this.list = [];
  }

  /** The current elements, for the synchronous part of a snapshot. */
  elements(): readonly T[] {
    return this.list;
  }

  /** Appends restored elements, read by the current serializer. */
  restoreElements(values: readonly T[]): void {
    for (const v of values) this.list.push(v);
  }

  private checkElement(value: T): void {
    if (value === null || value === undefined) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `You cannot add ${String(value)} to a ListState (operator state '${this.name}' of ${this.where}).`);
    }
  }
}
