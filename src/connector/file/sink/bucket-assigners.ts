/*
 * Which bucket (sub-directory of the FileSink's base path) a record goes to (Flink's
 * BucketAssigner). DateTimeBucketAssigner, the default, names buckets by the processing time in
 * the local time zone, 'yyyy-MM-dd--HH' by default; BasePathBucketAssigner writes every record
 * to the base path itself.
 */

/** What a bucket assigner sees of the record being written (Flink's BucketAssigner.Context). */
export interface BucketAssignerContext {
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** The record's timestamp, or null. */
  timestamp(): number | null;
}

export interface BucketAssigner<IN> {
  /** A relative path; '' is the base path. */
  getBucketId(element: IN, context: BucketAssignerContext): string;
}

export class BasePathBucketAssigner<IN> implements BucketAssigner<IN> {
  getBucketId(): string {
    return '';
  }
}

const TOKENS = /yyyy|MM|dd|HH|mm|ss/g;

export class DateTimeBucketAssigner<IN> implements BucketAssigner<IN> {
  readonly formatString: string;

  constructor(formatString = 'yyyy-MM-dd--HH') {
    this.formatString = formatString;
  }

  getBucketId(_element: IN, context: BucketAssignerContext): string {
    const d = new Date(context.currentProcessingTime());
    const two = (n: number): string => String(n).padStart(2, '0');
    return this.formatString.replace(TOKENS, (token) => {
      switch (token) {
        case 'yyyy':
          return String(d.getFullYear());
        case 'MM':
          return two(d.getMonth() + 1);
        case 'dd':
          return two(d.getDate());
        case 'HH':
          return two(d.getHours());
        case 'mm':
          return two(d.getMinutes());
        default:
          return two(d.getSeconds());
      }
    });
  }
}
