/*
 * The tests every keyed state backend must pass (not a test file itself: a backend's test file
 * calls describeKeyedStateBackendSuite with a factory). They cover each state kind and method,
 * key and namespace scoping, merging namespaces, registration errors, TTL with a manual clock,
 * snapshot isolation, snapshot/restore round trips, restoring into other key-group ranges
 * (rescaling), serializer compatibility, corrupt snapshots, and timers as backend state.
 */
import { describe } from 'node:test';
import { describeNamespaceTests } from './suite/namespaces.ts';
import { describeRestoreErrorTests } from './suite/restore-errors.ts';
import { describeRescalingTests } from './suite/rescaling.ts';
import { describeSnapshotTests } from './suite/snapshots.ts';
import { describeStateKindTests } from './suite/state-kinds.ts';
import { SuiteContext, type BackendFactory, type SuiteOptions } from './suite/suite-helpers.ts';
import { describeTimerTests } from './suite/timers.ts';
import { describeTtlTests } from './suite/ttl.ts';

export type { BackendFactory, BackendFactoryParameters, SuiteOptions } from './suite/suite-helpers.ts';

export function describeKeyedStateBackendSuite(name: string, create: BackendFactory, options: SuiteOptions = {}): void {
  const ctx = new SuiteContext(name, create, options);
  describe(`${name}: keyed state backend suite`, () => {
    describeStateKindTests(ctx);
    describeNamespaceTests(ctx);
    describeTtlTests(ctx);
    describeSnapshotTests(ctx);
    describeRescalingTests(ctx);
    describeRestoreErrorTests(ctx);
    describeTimerTests(ctx);
  });
}
