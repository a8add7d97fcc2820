/*
 * The keyed counter as a real job: fromSequence(1, N) → keyBy(x % 100,000) → process (a
 * KeyedProcessFunction counting per key in a ValueState and emitting the new count) → sink, at
 * parallelism 1, on the heap and on the RocksDB backend (env.setStateBackend). The keyBy is a hash
 * exchange between the source task and the counting task. The hand-written loop counts in a Map
 * and calls the same key selector and sink. Unlike the micro benchmarks, the timed part is the
 * whole job, from an empty state: creating and disposing the backend included. The raw binding
 * makes only the counter's native calls (get + put per record, prebuilt keys and counts) on a
 * column family opened before its timed part: the ceiling of the state accesses alone.
 */
import {
  KeyedProcessFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type KeyedProcessFunctionContext,
  type OpenContext,
  type ValueState,
} from 'flink-ts';
import { bytesEqual } from '../../src/runtime/state/rocksdb/rocksdb-key-layout.ts';
import { VALUE_SERIALIZER, checkSameBytes, openBindingColumnFamily, serializedNumbers, stateKeyOf, stateKeys, sumOfValues } from './binding-baseline.ts';
import { jobStateBackend, type BackendKind } from './state-backends.ts';
import type { StateWorkload, Trial } from './state-harness.ts';

const KEYS = 100_000;
const STATE_NAME = 'count';

const byKey = (x: number): number => x % KEYS;

class Checksum {
  records = 0;
  sum = 0;
}

function checksumSink(acc: Checksum): (count: number) => void {
  return (count) => {
    acc.records++;
    acc.sum += count;
  };
}

class Counter extends KeyedProcessFunction<number, number, number> {
  protected count!: ValueState<number>;

  override open(_openContext: OpenContext): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>(STATE_NAME, 0));
  }

  processElement(_value: number, _ctx: KeyedProcessFunctionContext<number>, out: Collector<number>): void {
    const count = this.count.value()! + 1;
    this.count.update(count);
    out.collect(count);
  }
}

/** The counter timing each update() on its own. */
class TimedCounter extends Counter {
  private readonly durations: Float64Array;
  private at = 0;

  constructor(durations: Float64Array) {
    super();
    this.durations = durations;
  }

  override processElement(_value: number, _ctx: KeyedProcessFunctionContext<number>, out: Collector<number>): void {
    const count = this.count.value()! + 1;
    const start = process.hrtime.bigint();
    this.count.update(count);
    this.durations[this.at++] = Number(process.hrtime.bigint() - start);
    out.collect(count);
  }
}

async function runJob(kind: BackendKind, n: number, counter: Counter, acc: Checksum): Promise<void> {
  const { backend, cleanup } = jobStateBackend(kind);
  try {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.setStateBackend(backend);
    env.fromSequence(1, n).keyBy(byKey).process<number>(counter).addSink(checksumSink(acc)).name('Checksum');
    await env.execute(`bench: keyed counter (${kind})`);
  } finally {
    cleanup();
  }
}

export const keyedCounter: StateWorkload = {
  name: 'keyed-counter',
  description: 'job: fromSequence → keyBy (100,000 keys) → KeyedProcessFunction (ValueState counter) → sink',
  opsPerRecord: 2,
  writesPerRecord: 1,
  writeCall: 'update()',
  records: (kind) => (kind === 'heap' ? 3_000_000 : 200_000),
  quickRecords: (kind) => (kind === 'heap' ? 100_000 : 20_000),

  async trial(kind, n) {
    const acc = new Checksum();
    return {
      async run() {
        await runJob(kind, n, new Counter(), acc);
        return acc.sum;
      },
      finish: () => acc.records,
    };
  },

  loopTrial(n): Trial {
    const acc = new Checksum();
    return {
      run() {
        const sink = checksumSink(acc);
        const counts = new Map<number, number>();
        for (let x = 1; x <= n; x++) {
          const key = byKey(x);
          const count = (counts.get(key) ?? 0) + 1;
          counts.set(key, count);
          sink(count);
        }
        return acc.sum;
      },
      finish: () => acc.records,
    };
  },

  bindingTrial(n): Trial {
    const keys = stateKeys(KEYS);
    const counts = serializedNumbers(2 + Math.ceil(n / KEYS));
    const opened = openBindingColumnFamily(STATE_NAME);
    const { cf } = opened;
    return {
      run() {
        // The count read is checked against the bytes of the previous count instead of decoded.
        let sum = 0;
        for (let x = 1; x <= n; x++) {
          const key = keys[byKey(x)]!;
          const count = 1 + Math.floor((x - 1) / KEYS);
          const stored = cf.get(key);
          if (count === 1 ? stored === undefined : stored !== undefined && bytesEqual(stored, counts[count - 1]!)) sum += count;
          cf.put(key, counts[count]!);
        }
        return sum;
      },
      finish() {
        try {
          return sumOfValues(cf, keys);
        } finally {
          opened.close();
        }
      },
    };
  },

  checkBindingBytes: () =>
    checkSameBytes<ValueState<number>>('keyed-counter', new ValueStateDescriptor<number>(STATE_NAME, 0), 7, (s) => s.update(s.value()! + 1), {
      key: stateKeyOf(7),
      value: VALUE_SERIALIZER.serialize(1),
    }),

  async writeLatencies(kind, n) {
    const durations = new Float64Array(n);
    const acc = new Checksum();
    await runJob(kind, n, new TimedCounter(durations), acc);
    if (acc.records !== n) throw new Error(`the keyed counter's latency run emitted ${acc.records} records instead of ${n}`);
    return durations;
  },
};
