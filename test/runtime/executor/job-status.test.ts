/*
 * Tests of the job states and JobExecutionResult: terminal states, accumulator results by name.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IntCounter, ListAccumulator, type Accumulator } from 'flink-ts';
import { isGloballyTerminal, JobExecutionResult, JobStatus } from '../../../src/runtime/executor/job-status.ts';

describe('JobStatus', () => {
  it('has Flink names, and FINISHED, FAILED and CANCELED are the globally terminal ones', () => {
    for (const [key, value] of Object.entries(JobStatus)) assert.equal(key, value);
    const terminal = Object.values(JobStatus).filter(isGloballyTerminal).sort();
    assert.deepEqual(terminal, ['CANCELED', 'FAILED', 'FINISHED']);
  });
});

describe('JobExecutionResult', () => {
  it('gives accumulator values by name and all of them at once', () => {
    const count = new IntCounter();
    count.add(3);
    const list = new ListAccumulator<string>();
    list.add('a');
    const accumulators = new Map<string, Accumulator<unknown, unknown>>([
      ['count', count as Accumulator<unknown, unknown>],
      ['list', list as Accumulator<unknown, unknown>],
    ]);
    const result = new JobExecutionResult('abc', 'job', 12, accumulators);
    assert.equal(result.getJobID(), 'abc');
    assert.equal(result.getNetRuntime(), 12);
    assert.equal(result.getAccumulatorResult<number>('count'), 3);
    assert.equal(result.getAccumulatorResult('nope'), undefined);
    assert.deepEqual(result.getAllAccumulatorResults(), { count: 3, list: ['a'] });
    assert.equal(String(result), "JobExecutionResult{jobId=abc, jobName='job', netRuntime=12 ms}");
  });
});
