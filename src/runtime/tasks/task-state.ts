/*
 * The states of a task, as Flink's ExecutionState for a running subtask.
 */

export const TaskState = {
  CREATED: 'CREATED',
  INITIALIZING: 'INITIALIZING',
  RUNNING: 'RUNNING',
  FINISHING: 'FINISHING',
  FINISHED: 'FINISHED',
  CANCELING: 'CANCELING',
  CANCELED: 'CANCELED',
  FAILED: 'FAILED',
} as const;

export type TaskStateValue = (typeof TaskState)[keyof typeof TaskState];
