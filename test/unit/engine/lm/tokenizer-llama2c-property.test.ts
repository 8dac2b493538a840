// The heap-based llama2.c BPE must give exactly run.c's tokens: compared with a straightforward
// transcription of run.c's `encode` loop (rescan every adjacent pair, merge the best-scoring one,
// first occurrence on ties) on random ASCII, multibyte UTF-8, emoji and byte-fallback text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Llama2cTokenizer } from '../../../../server/src/engine/lm/llama2c-tokenizer';
import { sharedFile } from '../../../helpers/paths';

interface Vocab {
  pieces: string[]; // latin1 byte strings
  scores: Float32Array;
  lookup: Map<string, number>;
}

function readVocab(file: string): Vocab {
  const buf = readFileSync(file);
  const pieces: string[] = [];
  const scores: number[] = [];
  let off = 4;
  while (off < buf.length) {
    scores.push(buf.readFloatLE(off));
    const len = buf.readInt32LE(off + 4);
    pieces.push(buf.toString('latin1', off + 8, off + 8 + len));
    off += 8 + len;
  }
  const lookup = new Map<string, number>();
  pieces.forEach((p, i) => {
    if (!lookup.has(p)) lookup.set(p, i);
  });
  return { pieces, scores: Float32Array.from(scores), lookup };
}

/** run.c's encode, transcribed: O(n²), the reference. */
function referenceEncode(v: Vocab, text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  const tokens: number[] = [1];
  if (bytes.length > 0) tokens.push(v.lookup.get(' ')!);
  let b = 0;
  while (b < bytes.length) {
    let e = b + 1;
    while (e < bytes.length && (bytes[e] & 0xc0) === 0x80 && e - b < 4) e++;
    const s = String.fromCharCode(...bytes.subarray(b, e));
    const id = v.lookup.get(s);
    if (id !== undefined) tokens.push(id);
    else for (let k = b; k < e; k++) tokens.push(bytes[k] + 3);
    b = e;
  }
  for (;;) {
    let best = -1e10;
    let bestId = -1;
    let bestIdx = -1;
    for (let i = 0; i + 1 < tokens.length; i++) {
      const id = v.lookup.get(v.pieces[tokens[i]] + v.pieces[tokens[i + 1]]);
      if (id !== undefined && v.scores[id] > best) {
        best = v.scores[id];
        bestId = id;
        bestIdx = i;
      }
    }
    if (bestIdx < 0) break;
    tokens.splice(bestIdx, 2, bestId);
  }
  return tokens;
}

/** Deterministic random text mixing the character classes that exercise different paths. */
function randomTexts(count: number, seed: number): string[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const words = ['the', 'little', 'dog', 'Once', 'upon', 'a', 'time', 'Lily', 'was', 'happy', 'ing', 'ed'];
  const classes: (() => string)[] = [
    () => pick(words),
    () => pick([' ', ' ', '  ', '\n', '\t', '.', ',', '!', '"']),
    () => String.fromCharCode(32 + Math.floor(rand() * 95)),
    () => pick(['é', 'ü', 'ñ', 'ø', 'ß', '你', '好', '世', '界', '—', '“', '”', 'я', 'ω']),
    () => pick(['😀', '👍🏽', '🎉', '🦙', '❤️']),
    // Rare BMP code points (no surrogates): mostly not in either vocabulary, so byte fallback.
    () => String.fromCharCode(0x0800 + Math.floor(rand() * (0xd7ff - 0x0800))),
    () => String.fromCodePoint(0x10000 + Math.floor(rand() * 0x1000)),
  ];
  const out: string[] = [''];
  while (out.length < count) {
    const len = Math.floor(rand() * 120);
    let t = '';
    for (let i = 0; i < len; i++) t += pick(classes)();
    out.push(t);
  }
  return out;
}

for (const [name, vocabSize] of [
  ['tok512.bin', 512],
  ['tokenizer.bin', 32000],
] as const) {
  test(`heap BPE equals run.c's merge loop on 200 random strings (${name})`, () => {
    const file = sharedFile('models', name);
    const tok = Llama2cTokenizer.load(file, vocabSize);
    const vocab = readVocab(file);
    let merged = 0;
    for (const text of randomTexts(200, vocabSize)) {
      const want = referenceEncode(vocab, text);
      const got = tok.encode(text).map((x) => x.id);
      assert.deepEqual(got, want, `${name}: ${JSON.stringify(text)}`);
      merged += new TextEncoder().encode(text).length + 1 - (want.length - 1);
    }
    // The texts must actually exercise merging, or equality would be trivial.
    assert.ok(merged > 1000, `only ${merged} merges across the corpus`);
  });
}

test("encodeAsync gives encode's exact spans and lets the event loop run on a long prompt", async () => {
  const tok = Llama2cTokenizer.load(sharedFile('models', 'tok512.bin'), 512);
  for (const text of randomTexts(50, 7)) {
    assert.deepEqual(await tok.encodeAsync(text), tok.encode(text), JSON.stringify(text));
    assert.deepEqual(await tok.encodeAsync(text, { bos: false }), tok.encode(text, { bos: false }));
  }
  const long = randomTexts(400, 11).join(' ') + 'Tom had a red ball. '.repeat(3000);
  let turns = 0;
  const timer = setInterval(() => turns++, 0);
  const got = await tok.encodeAsync(long);
  clearInterval(timer);
  assert.deepEqual(got, tok.encode(long));
  assert.ok(turns > 0, 'encodeAsync never yielded to the event loop');
});
