/*
 * Row-format encoders of the FileSink (Flink's Encoder): how one record becomes bytes of a part
 * file. SimpleStringEncoder writes each record's string form followed by a newline, in UTF-8.
 */

/** Where an encoder writes: bytes or a string (UTF-8). */
export interface PartFileOutput {
  write(chunk: Uint8Array | string): void;
}

export interface Encoder<IN> {
  encode(element: IN, stream: PartFileOutput): void;
}

export class SimpleStringEncoder<IN> implements Encoder<IN> {
  constructor(charsetName = 'UTF-8') {
    if (charsetName.toUpperCase().replace('-', '') !== 'UTF8') throw new TypeError(`SimpleStringEncoder writes UTF-8 only, got '${charsetName}'`);
  }

  encode(element: IN, stream: PartFileOutput): void {
    stream.write(`${String(element)}\n`);
  }
}
