// llama2.c's tokenizer.bin: int32 max_token_length, then per token float32 score, int32 byte
// length, bytes. No library reads this format, so this is hand-written to match run.c's `encode`
// exactly: a dummy-prefix space, one token per UTF-8 character (or its bytes + 3 as byte fallback),
// then repeatedly merge the adjacent pair whose concatenation is the highest-scoring vocabulary
// entry (ties: leftmost). Pieces are kept as byte strings (latin1) so lookups are byte-exact.
import { readRegularFile } from '../io/open-regular';
import { Utf8Index } from './offsets';
import { PairHeap } from './pair-heap';
import type { TokenSpan, Tokenizer } from './types';

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;
const UTF8 = new TextDecoder();
/** Llama 2's tokenizer.bin is 434 KB; anything near this is not a tokenizer. */
const MAX_TOKENIZER_BYTES = 64 * 2 ** 20;
/** encodeAsync's longest synchronous slice. */
const SLICE_MS = 4;

export class Llama2cTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId = 1;
  readonly eosId = 2;
  private readonly pieces: string[]; // byte strings
  private readonly scores: Float32Array;
  private readonly lookup = new Map<string, number>();
  /** Raw bytes each id stands for when decoded (byte tokens -> their byte). */
  private readonly bytesOf: Uint8Array[];

  constructor(
    readonly file: string,
    pieces: string[],
    scores: Float32Array,
  ) {
    this.vocabSize = pieces.length;
    this.pieces = pieces;
    this.scores = scores;
    // run.c bsearches a sorted copy; with duplicate pieces the first id is the natural choice.
    pieces.forEach((p, i) => {
      if (!this.lookup.has(p)) this.lookup.set(p, i);
    });
    this.bytesOf = pieces.map((p) => {
      const m = BYTE_PIECE.exec(p);
      return m ? Uint8Array.of(parseInt(m[1], 16)) : Uint8Array.from(p, (c) => c.charCodeAt(0));
    });
  }

  static load(file: string, expectedVocab?: number): Llama2cTokenizer {
    const buf = readRegularFile(file, { what: 'tokenizer', maxBytes: MAX_TOKENIZER_BYTES });
    if (buf.length < 4) throw new Error(`${file}: tokenizer.bin truncated: no max_token_length header`);
    const maxLen = buf.readInt32LE(0);
    if (maxLen <= 0 || maxLen > 1024) throw new Error(`${file}: tokenizer.bin max_token_length ${maxLen} is not plausible`);
    const pieces: string[] = [];
    const scores: number[] = [];
    let off = 4;
    while (off < buf.length && (expectedVocab === undefined || pieces.length < expectedVocab)) {
      if (off + 8 > buf.length) throw new Error(`${file}: tokenizer.bin truncated in the entry of token ${pieces.length}`);
      const score = buf.readFloatLE(off);
      const len = buf.readInt32LE(off + 4);
      off += 8;
      if (len < 0 || len > maxLen || off + len > buf.length) {
        throw new Error(`${file}: tokenizer.bin token ${pieces.length} has byte length ${len} (max_token_length ${maxLen}, ${buf.length - off} bytes left)`);
      }
      if (!Number.isFinite(score)) throw new Error(`${file}: tokenizer.bin token ${pieces.length} has a non-finite score`);
      pieces.push(buf.toString('latin1', off, off + len));
      scores.push(score);
      off += len;
    }
    if (expectedVocab !== undefined && (pieces.length !== expectedVocab || off !== buf.length)) {
      throw new Error(
        `${file}: tokenizer.bin has ${off !== buf.length ? 'more than ' : ''}${pieces.length} tokens but the model's vocab_size is ${expectedVocab}`,
      );
    }
    return new Llama2cTokenizer(file, pieces, Float32Array.from(scores));
  }

  encode(text: string, opts: { bos?: boolean } = {}): TokenSpan[] {
    const steps = this.encodeSteps(text, opts);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /** The same tokens as `encode`, yielding to the event loop every few ms so an 80K-char prompt never blocks it. */
  async encodeAsync(text: string, opts: { bos?: boolean } = {}): Promise<TokenSpan[]> {
    const steps = this.encodeSteps(text, opts);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      await new Promise<void>((res) => setImmediate(res));
    }
  }

  // The one encode: a generator that yields (nothing) whenever SLICE_MS have passed since the last
  // yield, checked every 1024 steps; the sync path just drains it, so both give identical results.
  private *encodeSteps(text: string, opts: { bos?: boolean }): Generator<void, TokenSpan[]> {
    let t0 = performance.now();
    let tick = 0;
    const due = () => {
      if ((++tick & 1023) !== 0) return false;
      const now = performance.now();
      if (now - t0 < SLICE_MS) return false;
      t0 = now;
      return true;
    };
    const idx = new Utf8Index(text);
    const bytes = idx.bytes;
    // Parallel arrays: id and byte range [bs, be) in the text's UTF-8.
    const ids: number[] = [];
    const bs: number[] = [];
    const be: number[] = [];
    const push = (id: number, s: number, e: number) => {
      ids.push(id);
      bs.push(s);
      be.push(e);
    };
    const bos = opts.bos ?? true;
    if (bos) push(this.bosId, 0, 0);
    if (bytes.length > 0) {
      const space = this.lookup.get(' ');
      if (space === undefined) throw new Error(`${this.file}: tokenizer has no " " piece for the dummy prefix`);
      push(space, 0, 0);
    }
    let b = 0;
    while (b < bytes.length) {
      // One UTF-8 character: a lead byte and up to three continuation bytes (as run.c groups them).
      let e = b + 1;
      while (e < bytes.length && (bytes[e] & 0xc0) === 0x80 && e - b < 4) e++;
      let s = '';
      for (let k = b; k < e; k++) s += String.fromCharCode(bytes[k]);
      const id = this.lookup.get(s);
      if (id !== undefined) push(id, b, e);
      else for (let k = b; k < e; k++) push(bytes[k] + 3, k, k + 1);
      b = e;
      if (due()) yield;
    }
    yield* this.merge(ids, bs, be, due);
    const out: TokenSpan[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      out[i] = this.span(ids[i], bs[i], be[i], idx);
      if (due()) yield;
    }
    return out;
  }

  // run.c rescans every adjacent pair after each merge (quadratic). Here the pairs sit in a max-heap
  // keyed by (score, leftmost position) over a doubly linked list of tokens; a merge pushes only its
  // two new neighbour pairs and stale entries are skipped when popped, so the merge order, and the
  // result, are run.c's (highest score first, leftmost on ties, scores <= -1e10 never merge) in
  // O(n log n). Positions are the tokens' initial indices, which keep their left-to-right order.
  private *merge(ids: number[], bs: number[], be: number[], due: () => boolean): Generator<void, void> {
    const n = ids.length;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // A node's version changes whenever its token does, which invalidates heap entries naming it.
    const version = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    const heap = new PairHeap();
    const pushPair = (l: number) => {
      const r = next[l];
      if (r < 0) return;
      const id = this.lookup.get(this.pieces[ids[l]] + this.pieces[ids[r]]);
      if (id === undefined || !(this.scores[id] > -1e10)) return;
      heap.push(this.scores[id], l, id, version[l], version[r]);
    };
    for (let i = 0; i + 1 < n; i++) {
      pushPair(i);
      if (due()) yield;
    }
    while (heap.size > 0) {
      const { left: l, id, vl, vr } = heap.pop();
      const r = next[l];
      if (!alive[l] || r < 0 || version[l] !== vl || version[r] !== vr) continue;
      ids[l] = id;
      be[l] = Math.max(be[l], be[r]);
      version[l]++;
      alive[r] = 0;
      next[l] = next[r];
      if (next[r] >= 0) prev[next[r]] = l;
      if (prev[l] >= 0) pushPair(prev[l]);
      pushPair(l);
      if (due()) yield;
    }
    // Compact the surviving nodes back into the parallel arrays, in order.
    let w = 0;
    for (let i = 0; i >= 0 && i < n; i = next[i]) {
      ids[w] = ids[i];
      bs[w] = bs[i];
      be[w] = be[i];
      w++;
    }
    ids.length = w;
    bs.length = w;
    be.length = w;
  }

  private span(id: number, bStart: number, bEnd: number, idx: Utf8Index): TokenSpan {
    const start = idx.utf16(bStart);
    const end = idx.utf16(bEnd);
    if (id === this.bosId || id === this.eosId) return { id, text: '', start, end };
    const whole = idx.isBoundary(bStart) && idx.isBoundary(bEnd);
    const text = whole ? UTF8.decode(this.bytesOf[id]) : idx.text.slice(start, end);
    return { id, text, start, end };
  }

  decode(ids: ArrayLike<number>): string {
    const parts: Uint8Array[] = [];
    let prev = -1;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0 || id >= this.vocabSize) throw new Error(`${this.file}: token id ${id} out of range 0..${this.vocabSize - 1}`);
      if (id === this.bosId || id === this.eosId) {
        prev = id;
        continue;
      }
      let b = this.bytesOf[id];
      // run.c drops the dummy-prefix space of the first piece after BOS.
      if ((prev === this.bosId || prev === -1) && b[0] === 0x20) b = b.subarray(1);
      parts.push(b);
      prev = id;
    }
    return UTF8.decode(Buffer.concat(parts));
  }

  idToPiece(id: number): string {
    if (id < 0 || id >= this.vocabSize) return `<id ${id}>`;
    return Buffer.from(this.pieces[id], 'latin1').toString('utf8');
  }
}
