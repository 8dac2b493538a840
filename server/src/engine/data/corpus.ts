// Text corpora for activations, feature stores and evaluation: a file (.txt, .md, .json array of
// strings, .jsonl with a "text" field), or a folder of such files. Documents come out one at a time
// so a corpus larger than memory streams.
import { readdirSync, statSync } from 'node:fs';
import { readRegularFile } from '../io/open-regular';
import * as path from 'node:path';

const TEXT_EXT = new Set(['.txt', '.md', '.jlp', '.json', '.jsonl']);
/** TinyStories' document separator in its .txt dumps. */
const EOT = '<|endoftext|>';

export interface CorpusOptions {
  /** Skip documents shorter than this many characters (default 1). */
  minChars?: number;
  /** Take at most this many documents. */
  maxDocs?: number;
  /** Skip the first N documents (held-out slices: take the tail for evaluation). */
  skipDocs?: number;
}

function* documentsOfFile(file: string): Generator<string> {
  const ext = path.extname(file).toLowerCase();
  // V8 strings top out near 512 MiB; a bigger corpus belongs in a folder of files.
  const text = readRegularFile(file, { encoding: 'utf8', what: 'corpus', maxBytes: 512 * 2 ** 20 });
  if (ext === '.json') {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(j)) throw new Error(`${file}: a JSON corpus must be an array of strings or of {"text": ...} objects`);
    for (const [i, d] of j.entries()) yield textOf(d, `${file}: item ${i}`);
  } else if (ext === '.jsonl') {
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      let d: unknown;
      try {
        d = JSON.parse(line);
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
      }
      yield textOf(d, `${file}:${i + 1}`);
    }
  } else if (text.includes(EOT)) {
    for (const d of text.split(EOT)) yield d.trim();
  } else {
    yield text;
  }
}

function textOf(d: unknown, where: string): string {
  if (typeof d === 'string') return d;
  if (typeof d === 'object' && d !== null && typeof (d as { text?: unknown }).text === 'string') return (d as { text: string }).text;
  throw new Error(`${where}: expected a string or an object with a "text" string`);
}

function filesOf(p: string): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(p);
  } catch {
    throw new Error(`${p}: corpus not found`);
  }
  if (!st.isDirectory()) return [p];
  const out: string[] = [];
  for (const name of readdirSync(p).sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const child = path.join(p, name);
    if (statSync(child).isDirectory()) out.push(...filesOf(child));
    else if (TEXT_EXT.has(path.extname(name).toLowerCase())) out.push(child);
  }
  return out;
}

/** Yields the documents of a corpus file or folder, in a stable order. */
export function* readCorpus(p: string, opts: CorpusOptions = {}): Generator<string> {
  const minChars = opts.minChars ?? 1;
  let seen = 0;
  let taken = 0;
  for (const f of filesOf(p)) {
    for (const doc of documentsOfFile(f)) {
      if (doc.length < minChars) continue;
      if (seen++ < (opts.skipDocs ?? 0)) continue;
      if (opts.maxDocs !== undefined && taken >= opts.maxDocs) return;
      taken++;
      yield doc;
    }
  }
}
