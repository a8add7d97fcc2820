/*
 * Tests of TriggerResult: the four results and what each asks of the window operator.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';

describe('TriggerResult', () => {
  it('says whether to fire and whether to purge', () => {
    const table = TriggerResult.values().map((r) => [r.name, r.isFire(), r.isPurge()]);
    assert.deepEqual(table, [
      ['CONTINUE', false, false],
      ['FIRE_AND_PURGE', true, true],
      ['FIRE', true, false],
      ['PURGE', false, true],
    ]);
    assert.equal(String(TriggerResult.FIRE_AND_PURGE), 'FIRE_AND_PURGE');
  });
});
