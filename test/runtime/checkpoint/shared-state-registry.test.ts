/*
 * Tests of the SharedStateRegistry: reference counts over retained checkpoints, files waiting for
 * the checkpoints that were pending when they lost their last reference, unknown (aborted) files.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SharedStateRegistry } from '../../../src/runtime/checkpoint/shared-state-registry.ts';

describe('SharedStateRegistry', () => {
  it('a file is deletable once no retained checkpoint refers to it', () => {
    const r = new SharedStateRegistry();
    r.registerAll(['a', 'b']); // checkpoint 1
    r.registerAll(['b', 'c']); // checkpoint 2
    assert.equal(r.referenceCount('b'), 2);
    r.unregisterAll(['a', 'b'], 3); // checkpoint 1 dropped
    assert.equal(r.referenceCount('b'), 1);
    assert.deepEqual(r.takeDeletable(Number.POSITIVE_INFINITY), ['a']);
    assert.deepEqual(r.takeDeletable(Number.POSITIVE_INFINITY), [], 'handed out once');
  });

  it('keeps a file while a checkpoint triggered before it lost its references is pending, and that one may register it again', () => {
    const r = new SharedStateRegistry();
    r.registerAll(['a']);
    r.unregisterAll(['a'], 5); // checkpoints 1..4 may still be pending and refer to it
    assert.deepEqual(r.takeDeletable(4), []);
    r.registerAll(['a']); // checkpoint 4 completed, built on it
    assert.deepEqual(r.takeDeletable(Number.POSITIVE_INFINITY), []);
    r.unregisterAll(['a'], 9);
    assert.deepEqual(r.takeDeletable(9), ['a'], 'checkpoints from 9 on were triggered after');
  });

  it('files no completed checkpoint registered are unknown (an aborted checkpoint uploaded them)', () => {
    const r = new SharedStateRegistry();
    r.registerAll(['a']);
    r.registerAll(['b']);
    r.unregisterAll(['b'], 3);
    assert.deepEqual(r.unknownOf(['a', 'b', 'new']), ['new']);
  });
});
