/*
 * Which producer subtasks connect to which consumer subtasks on a POINTWISE edge (forward, rescale),
 * exactly as Flink's EdgeManagerBuildUtil.connectPointwise: equal parallelism is 1:1; with fewer
 * producers each producer feeds a contiguous range of consumers; with more producers each consumer
 * reads a contiguous range of producers.
 */

import { invalidPipeline } from '../../errors.ts';

function checkParallelism(what: string, parallelism: number): void {
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw invalidPipeline(`${what} parallelism of a pointwise connection must be a positive integer, got ${parallelism}.`);
  }
}

/**
 * For each producer subtask, the consumer subtasks it sends to, ascending. Entry j of producer i's
 * list is the consumer behind that producer's output channel j.
 */
export function pointwiseConnections(producerParallelism: number, consumerParallelism: number): number[][] {
  checkParallelism('Producer', producerParallelism);
  checkParallelism('Consumer', consumerParallelism);
  const sources = producerParallelism;
  const targets = consumerParallelism;
  const result: number[][] = [];
  if (sources === targets) {
    for (let i = 0; i < sources; i++) result.push([i]);
  } else if (sources > targets) {
    for (let i = 0; i < sources; i++) result.push([]);
    for (let index = 0; index < targets; index++) {
      const start = Math.floor((index * sources) / targets);
      const end = Math.floor(((index + 1) * sources) / targets);
      for (let i = start; i < end; i++) result[i].push(index);
    }
  } else {
    for (let partition = 0; partition < sources; partition++) {
      const start = Math.floor((partition * targets + sources - 1) / sources);
      const end = Math.floor(((partition + 1) * targets + sources - 1) / sources);
      const consumers: number[] = [];
      for (let i = start; i < end; i++) consumers.push(i);
      result.push(consumers);
    }
  }
  return result;
}

/** For each consumer subtask, the producer subtasks feeding it, ascending. */
export function consumerInputs(producerParallelism: number, consumerParallelism: number): number[][] {
  const connections = pointwiseConnections(producerParallelism, consumerParallelism);
  const inputs: number[][] = [];
  for (let c = 0; c < consumerParallelism; c++) inputs.push([]);
  for (let p = 0; p < connections.length; p++) for (const c of connections[p]) inputs[c].push(p);
  return inputs;
}
