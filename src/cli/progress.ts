/*
 * What `flink-ts run` shows about a job: the record figures taken from the job's vertex metrics,
 * the live progress line and the summary line. Pure functions, so the wording and the arithmetic
 * are tested without running a job or a terminal.
 */
import type { VertexMetrics } from '../index.ts';

/** Records read by the sources and taken in by the sinks, in total and per second. */
export interface RecordFigures {
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly recordsInPerSecond: number;
  readonly recordsOutPerSecond: number;
}

export const NO_RECORDS: RecordFigures = { recordsIn: 0, recordsOut: 0, recordsInPerSecond: 0, recordsOutPerSecond: 0 };

const SOURCE_PREFIX = 'Source: ';
/**
 * Sums the figures of a job. "In" is what the source vertices emit (their numRecordsIn counts the
 * records their sources produced); "out" is what all sinks took (numRecordsSend, wherever the
 * sinks are chained).
 */
export function recordFigures(metrics: Readonly<Record<string, VertexMetrics>>): RecordFigures {
  let recordsIn = 0;
  let recordsInPerSecond = 0;
  let recordsOut = 0;
  let recordsOutPerSecond = 0;
  for (const [name, m] of Object.entries(metrics)) {
    if (name.startsWith(SOURCE_PREFIX)) {
      recordsIn += m.numRecordsIn;
      recordsInPerSecond += m.numRecordsInPerSecond;
    }
    recordsOut += m.numRecordsSend;
    recordsOutPerSecond += m.numRecordsSendPerSecond;
  }
  return { recordsIn, recordsOut, recordsInPerSecond, recordsOutPerSecond };
}

/** 950 ms → "0.95 s", 12.3 s → "12.3 s", 75 s → "1m 15s", 3725 s → "1h 02m 05s". */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 10_000) return `${(safe / 1000).toFixed(2)} s`;
  if (safe < 60_000) return `${(safe / 1000).toFixed(1)} s`;
  const totalSeconds = Math.floor(safe / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}h ${pad(minutes)}m ${pad(seconds)}s` : `${minutes}m ${pad(seconds)}s`;
}

/** Elapsed time on the live line, as a clock: "00:07", "12:34", "1:02:03". */
export function formatClock(ms: number): string {
  const totalSeconds = Math.floor(Math.max(0, ms) / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${pad(minutes)}:${pad(seconds)}`;
}

/** A count with a metric suffix past ten thousand: 9,999 → "9999", 12,345 → "12.3K", 2,500,000 → "2.50M". */
export function formatCount(n: number): string {
  const value = Math.max(0, Math.round(n));
  if (value < 10_000) return String(value);
  for (const [limit, suffix] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'K']] as const) {
    if (value >= limit) {
      const scaled = value / limit;
      return `${scaled >= 100 ? scaled.toFixed(0) : scaled >= 10 ? scaled.toFixed(1) : scaled.toFixed(2)}${suffix}`;
    }
  }
  return String(value);
}

/** The live line: job name, elapsed time, rates and totals; cut to the terminal's width. */
export function formatProgressLine(jobName: string, elapsedMs: number, figures: RecordFigures, columns = 0): string {
  const line =
    `${jobName}  ${formatClock(elapsedMs)}  ` +
    `in ${formatCount(figures.recordsInPerSecond)}/s  out ${formatCount(figures.recordsOutPerSecond)}/s  ` +
    `total in ${formatCount(figures.recordsIn)}  out ${formatCount(figures.recordsOut)}`;
  // Writing into the last column makes some terminals wrap, which breaks the '\r' rewrite.
  return columns > 1 && line.length >= columns ? `${line.slice(0, columns - 2)}…` : line;
}

export interface JobSummary {
  readonly jobName: string;
  readonly jobId: string;
  readonly status: string;
  readonly runtimeMs: number;
  readonly figures: RecordFigures;
}

/** The one line printed when a job ends: "Job 'Word Count' (3f2a…) FINISHED in 1.24 s: 1200 records in, 310 records out". */
export function formatSummaryLine(summary: JobSummary): string {
  const { recordsIn, recordsOut } = summary.figures;
  return (
    `Job '${summary.jobName}' (${summary.jobId}) ${summary.status} in ${formatDuration(summary.runtimeMs)}: ` +
    `${Math.round(recordsIn)} records in, ${Math.round(recordsOut)} records out`
  );
}

/** Moves to the start of the line and erases it (ANSI EL2), the prefix of every rewrite of the live line. */
export const CLEAR_LINE = '\r\u001b[2K';
