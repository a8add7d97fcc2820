/*
 * Word count, the classic: split lines into words, key by word, keep a running sum per word. The
 * running sum emits an updated count for every word it sees, so the final count of a word is the
 * last value emitted for it; the job collects them and prints the most frequent words.
 *
 *   npx flink-ts run examples/word-count.ts                  # counts Hamlet's soliloquy
 *   npx flink-ts run examples/word-count.ts -- --input notes.txt --top 20
 *   npx node examples/word-count.ts --input notes.txt
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { StreamExecutionEnvironment, type Collector } from 'flink-ts';
import { HAMLET } from './lib/hamlet.ts';

interface WordCount {
  readonly word: string;
  readonly count: number;
}

/** Lower-cased words: runs of letters, digits and apostrophes inside a word ("'tis" → "tis"). */
function tokenize(line: string, out: Collector<WordCount>): void {
  for (const word of line.toLowerCase().split(/[^\p{L}\p{N}']+/u)) {
    const trimmed = word.replace(/^'+|'+$/g, '');
    if (trimmed !== '') out.collect({ word: trimmed, count: 1 });
  }
}

const { values } = parseArgs({ options: { input: { type: 'string' }, top: { type: 'string', default: '10' } } });
const top = Number(values.top);
if (!Number.isInteger(top) || top < 1) throw new RangeError(`--top must be a positive integer, got '${values.top}'`);
const text = values.input === undefined ? HAMLET : readFileSync(values.input, 'utf8');

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const updates = await env
  .fromCollection(text.split('\n'), values.input ?? 'Hamlet')
  .flatMap(tokenize)
  .name('Tokenizer')
  .uid('tokenizer')
  .keyBy((wc) => wc.word)
  .sum('count')
  .name('Count')
  .uid('count')
  .executeAndCollect({ jobName: 'Word Count' });

// Each key's updates arrive in order, so the last one is the final count.
const counts = new Map<string, number>();
for (const { word, count } of updates) counts.set(word, count);
const total = [...counts.values()].reduce((a, b) => a + b, 0);
const ranked = [...counts.entries()].sort(([w1, c1], [w2, c2]) => c2 - c1 || (w1 < w2 ? -1 : 1)).slice(0, top);

console.log(`${total} words, ${counts.size} distinct. The ${ranked.length} most frequent:`);
for (const [word, count] of ranked) console.log(`${String(count).padStart(6)}  ${word}`);
