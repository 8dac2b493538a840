// llama2.c BPE encode time at 10K / 100K / 1M characters of TinyStories text, for the 512-piece
// stories260K vocabulary and Llama 2's 32K one. The merge loop is a heap over adjacent pairs, so
// time per character should stay flat as the prompt grows (it was quadratic: 80K took 17.5 s).
import { readFileSync } from 'node:fs';
import type { BenchRow } from './index';
import { Llama2cTokenizer } from '../server/src/engine/lm/llama2c-tokenizer';
import { sharedFile } from '../test/helpers/paths';

export async function run(): Promise<BenchRow[]> {
  const corpus = readFileSync(sharedFile('data', 'tinystoriesv2-gpt4-first8k-lines.txt'), 'utf8');
  const rows: BenchRow[] = [];
  for (const [file, vocab] of [
    ['tok512.bin', 512],
    ['tokenizer.bin', 32000],
  ] as const) {
    const tok = Llama2cTokenizer.load(sharedFile('models', file), vocab);
    tok.encode(corpus.slice(0, 2000)); // warm-up (JIT)
    for (const chars of [10_000, 100_000, 1_000_000]) {
      const text = corpus.repeat(Math.ceil(chars / corpus.length)).slice(0, chars);
      const t0 = performance.now();
      const n = tok.encode(text).length;
      const ms = performance.now() - t0;
      rows.push({
        bench: 'tokenizer',
        case: `llama2c ${file} encode ${chars / 1000}K chars`,
        value: ms,
        unit: 'ms',
        extra: `${n} tokens, ${((ms * 1000) / chars).toFixed(2)} µs/char`,
      });
    }
  }
  return rows;
}
