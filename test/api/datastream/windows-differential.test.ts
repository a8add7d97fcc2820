/*
 * End-to-end differential test of windows: for every event-time assigner × trigger × lateness
 * combination, a job reads random out-of-order records with explicit watermarks from a
 * SourceFunction (collectWithTimestamp / emitWatermark), windows them per key with the window
 * operator at parallelism 1 and 3, and sends fired panes and late data to a sink. The multiset of
 * what arrives must equal what the independent reference of Flink's semantics computes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTag, StreamExecutionEnvironment, Watermark, type DataStream, type SourceContext, type SourceFunction } from 'flink-ts';
import { collectingSink } from '../../helpers.ts';
import {
  IdsAggregate,
  allCases,
  assignerOf,
  caseName,
  describeAggregate,
  describePane,
  randomEvents,
  reference,
  triggerOf,
  type Case,
  type Element,
  type Event,
} from '../../runtime/operators/windowing/window-reference.ts';

/** Emits the events in order: records with their timestamps, watermarks as they come. */
class EventsSource implements SourceFunction<Element> {
  private readonly events: readonly Event[];
  constructor(events: readonly Event[]) {
    this.events = events;
  }
  run(ctx: SourceContext<Element>): void {
    for (const event of this.events) {
      if (event.kind === 'record') ctx.collectWithTimestamp(event.element, event.ts);
      else ctx.emitWatermark(new Watermark(event.ts));
    }
  }
  cancel(): void {}
}

async function runJob(events: readonly Event[], c: Case, parallelism: number, incremental: boolean): Promise<string[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });
  const late = new OutputTag<Element>('late');
  const assigner = assignerOf(c.assigner);
  const windowed = env
    .addSource(new EventsSource(events))
    .keyBy((e) => e.key)
    .window(assigner)
    .allowedLateness(c.lateness)
    .sideOutputLateData(late);
  const trigger = triggerOf(c.trigger, assigner);
  if (trigger !== undefined) windowed.trigger(trigger);
  const fired: DataStream<string> = incremental ? windowed.aggregate(new IdsAggregate(), { process: describeAggregate }) : windowed.process({ process: describePane });
  const lateData = fired.getSideOutput(late).map((e) => `late|${e.key}|${e.id}`);
  const sink = collectingSink<string>();
  fired.union(lateData).addSink(sink.function);
  await env.execute(caseName(c));
  return sink.records.map((r) => `${r.value}@${r.timestamp}`).sort();
}

describe('Windows end to end against the reference of Flink window semantics', { timeout: 60_000 }, () => {
  allCases().forEach((c, caseIndex) => {
    for (const parallelism of [1, 3]) {
      it(`${caseName(c)}, parallelism ${parallelism}`, async () => {
        const seed = 7919 * caseIndex + parallelism;
        const events = randomEvents(seed, 60, 5);
        const expected = reference([...events, { kind: 'watermark', ts: Number.MAX_SAFE_INTEGER }], c, true);
        const actual = await runJob(events, c, parallelism, caseIndex % 2 === 1);
        assert.deepEqual(actual, expected.records, `seed ${seed}`);
      });
    }
  });
});
