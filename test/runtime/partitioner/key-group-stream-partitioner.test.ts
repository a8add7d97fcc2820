/*
 * Tests of hash (keyBy) partitioning: Flink's channel for Java-produced vectors, key locality, balance.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyGroupStreamPartitioner } from '../../../src/runtime/partitioner/key-group-stream-partitioner.ts';
import { computeKeyGroupRangeForOperatorIndex } from '../../../src/runtime/state/key-group-range-assignment.ts';
import { assignToKeyGroup } from '../../../src/runtime/state/key-group-range-assignment.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';

interface Event {
  user: string;
  n: number;
}

describe('KeyGroupStreamPartitioner', () => {
  it('selects the channel Flink selects (Java-produced vectors)', () => {
    const p = new KeyGroupStreamPartitioner<Event>((e) => e.user, 128);
    p.setup(7);
    assert.equal(p.selectChannel({ user: 'a', n: 1 }), 4);
    assert.equal(p.selectChannel({ user: 'Flink', n: 1 }), 6);
    assert.equal(p.selectChannel({ user: 'user-42', n: 1 }), 1);
    const q = new KeyGroupStreamPartitioner<Event>((e) => e.n, 4096);
    q.setup(3);
    assert.equal(q.selectChannel({ user: '', n: 42 }), 2);
    assert.equal(q.selectChannel({ user: '', n: -2147483648 }), 1);
  });

  it('routes each key to the subtask whose key group range holds it', () => {
    const maxP = 128;
    const parallelism = 5;
    const p = new KeyGroupStreamPartitioner<Event>((e) => [e.user, e.n % 3], maxP);
    p.setup(parallelism);
    const counts = new Array<number>(parallelism).fill(0);
    const byKey = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const e = { user: `user-${i % 500}`, n: i };
      const channel = p.selectChannel(e);
      const key = JSON.stringify([e.user, e.n % 3]);
      const previous = byKey.get(key);
      if (previous !== undefined) assert.equal(channel, previous, `key ${key} moved`);
      byKey.set(key, channel);
      assert.ok(computeKeyGroupRangeForOperatorIndex(maxP, parallelism, channel).contains(assignToKeyGroup([e.user, e.n % 3], maxP)));
      counts[channel]++;
    }
    for (const c of counts) assert.ok(c > 5000 / parallelism / 2, `unbalanced: ${counts.join(',')}`);
  });

  it('reports invalid keys as FLINK_TS_INVALID_KEY and selector errors as user errors, naming the keyed operator', () => {
    const p = new KeyGroupStreamPartitioner<Event>(() => undefined, 128);
    p.configure(128, 'Dedup');
    p.setProducer('Source: Events', 1, 2);
    p.setup(2);
    assert.throws(
      () => p.selectChannel({ user: 'a', n: 1 }),
      (err: unknown) => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_INVALID_KEY && /'Dedup'/.test(err.message) && /subtask 2\/2 of 'Source: Events'/.test(err.message),
    );
    const boom = new Error('boom');
    const q = new KeyGroupStreamPartitioner<Event>(() => {
      throw boom;
    }, 128);
    q.setup(2);
    assert.throws(() => q.selectChannel({ user: 'a', n: 1 }), (err: unknown) => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_USER_FUNCTION && err.cause === boom);
  });

  it('validates and reconfigures the max parallelism', () => {
    assert.throws(() => new KeyGroupStreamPartitioner<Event>((e) => e.user, 0), (err: unknown) => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_INVALID_PIPELINE);
    const p = new KeyGroupStreamPartitioner<Event>((e) => e.user, 128);
    p.configure(4096);
    assert.equal(p.getMaxParallelism(), 4096);
    assert.equal(p.copy().getMaxParallelism(), 4096);
    assert.throws(() => p.configure(40000), FlinkError);
    const c = p.copy();
    c.setup(7);
    assert.equal(c.selectChannel({ user: 'user-42', n: 0 }), 6);
  });
});
