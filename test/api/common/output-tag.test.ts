/*
 * Tests of OutputTag: a non-empty id, equality by id.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError, OutputTag } from 'flink-ts';

describe('OutputTag', () => {
  it('has an id and prints it', () => {
    const tag = new OutputTag<number>('late-data');
    assert.equal(tag.id, 'late-data');
    assert.equal(tag.getId(), 'late-data');
    assert.equal(String(tag), 'OutputTag(late-data)');
  });

  it('is equal to tags with the same id only', () => {
    const a = new OutputTag<string>('x');
    assert.equal(a.equals(new OutputTag<string>('x')), true);
    assert.equal(a.equals(new OutputTag<string>('y')), false);
    assert.equal(a.equals({ id: 'x' }), false);
    assert.equal(a.equals(null), false);
  });

  it('rejects an empty or non-string id', () => {
    for (const bad of ['', undefined, 42]) {
      assert.throws(() => new OutputTag(bad as unknown as string), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_INVALID_PIPELINE);
    }
  });
});
