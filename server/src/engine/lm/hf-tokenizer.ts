// Hugging Face tokenizer.json through @huggingface/tokenizers. The library gives ids and token
// strings but no offsets, so offsets come from aligning each token's bytes (byte-level or
// SentencePiece pieces, byte-fallback tokens included) with the UTF-8 of the input: exact where
// the normalizer only adds the dummy-prefix space or maps spaces to U+2581; text the normalizer
// rewrote (NFKC etc.) goes to the token being aligned so the spans still tile the input.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import { Utf8Index } from './offsets';
import type { TokenSpan, Tokenizer } from './types';
import { readJsonFile } from '../io/read-json';

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/** GPT-2's printable stand-in character for each byte (its `bytes_to_unicode`): byte -> char. */
export function gpt2BytesToUnicode(): Map<number, string> {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [b, String.fromCharCode(cs[i])]));
}

/** The same table inverted: char -> byte. */
function byteLevelDecoder(): Map<string, number> {
  return new Map([...gpt2BytesToUnicode()].map(([b, c]) => [c, b]));
}

function readJson(file: string): Record<string, unknown> {
  return readJsonFile(file) as Record<string, unknown>;
}

function tokenName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  private readonly impl: HfTokenizerImpl;
  private readonly byteLevel: Map<string, number> | undefined;
  private readonly special = new Map<string, number>();

  constructor(
    readonly file: string,
    json: Record<string, unknown>,
    config: Record<string, unknown> = {},
  ) {
    try {
      this.impl = new HfTokenizerImpl(json, config);
    } catch (e) {
      throw new Error(`${file}: cannot build the tokenizer (${(e as Error).message})`);
    }
    const isByteLevel = (o: unknown): boolean => {
      if (!o || typeof o !== 'object') return false;
      const t = o as { type?: string; pretokenizers?: unknown[]; decoders?: unknown[] };
      return t.type === 'ByteLevel' || (t.pretokenizers ?? t.decoders ?? []).some(isByteLevel);
    };
    this.byteLevel = isByteLevel(json.pre_tokenizer) || isByteLevel(json.decoder) ? byteLevelDecoder() : undefined;
    for (const [id, t] of this.impl.get_added_tokens_decoder()) if (t.special) this.special.set(t.content, id);
    const vocab = this.impl.get_vocab(true);
    let max = -1;
    for (const id of vocab.values()) max = Math.max(max, id);
    this.vocabSize = max + 1;
    const find = (names: (string | undefined)[]) => {
      for (const n of names) if (n !== undefined && this.impl.token_to_id(n) !== undefined) return this.impl.token_to_id(n);
      return undefined;
    };
    this.bosId = find([tokenName(config.bos_token), '<s>', '<bos>', '<|begin_of_text|>', '<|endoftext|>']);
    this.eosId = find([tokenName(config.eos_token), '</s>', '<eos>', '<|end_of_text|>', '<|endoftext|>']);
  }

  /** tokenizer.json (+ tokenizer_config.json when present) from a model folder. */
  static fromFolder(dir: string): HfTokenizer {
    const file = path.join(dir, 'tokenizer.json');
    if (!existsSync(file)) throw new Error(`${dir}: no tokenizer.json (a Hugging Face model folder needs one)`);
    const cfgFile = path.join(dir, 'tokenizer_config.json');
    return new HfTokenizer(file, readJson(file), existsSync(cfgFile) ? readJson(cfgFile) : {});
  }

  private tokenBytes(tok: string): Uint8Array {
    if (this.byteLevel) return Uint8Array.from(Array.from(tok, (c) => this.byteLevel!.get(c) ?? 0x3f));
    const m = BYTE_PIECE.exec(tok);
    if (m) return Uint8Array.of(parseInt(m[1], 16));
    return new TextEncoder().encode(tok.replace(/\u2581/g, ' '));
  }

  encode(text: string, opts: { bos?: boolean } = {}): TokenSpan[] {
    const enc = this.impl.encode(text, { add_special_tokens: opts.bos !== false });
    let ids = enc.ids;
    let toks = enc.tokens;
    if (opts.bos === true && this.bosId !== undefined && ids[0] !== this.bosId) {
      ids = [this.bosId, ...ids];
      toks = [this.impl.id_to_token(this.bosId) ?? '', ...toks];
    }
    const idx = new Utf8Index(text);
    const bytes = idx.bytes;
    const n = bytes.length;
    let c = 0;
    const ranges: [number, number][] = [];
    let lastText = -1;
    for (let i = 0; i < ids.length; i++) {
      const tok = toks[i];
      if (this.special.get(tok) === ids[i]) {
        // A special token typed literally in the text consumes it; one added by the
        // post-processor (BOS/EOS) is empty where it stands.
        const lit = new TextEncoder().encode(tok);
        const typed = lit.length > 0 && lit.every((x, k) => bytes[c + k] === x);
        ranges.push([c, typed ? (c += lit.length) : c]);
        if (typed) lastText = i;
        continue;
      }
      const start = c;
      for (const x of this.tokenBytes(tok)) {
        if (c < n && bytes[c] === x) c++;
        // else: the dummy-prefix space, or a byte the normalizer introduced: not in the text
      }
      ranges.push([start, c]);
      lastText = i;
    }
    // Text the alignment could not place (normalized away) joins the last text token.
    if (c < n && lastText >= 0) ranges[lastText][1] = n;
    return ids.map((id, i) => {
      const [bs, be] = ranges[i];
      const start = idx.utf16(bs);
      const end = idx.utf16(be);
      if (this.special.get(toks[i]) === id) return { id, text: idx.text.slice(start, end), start, end };
      const whole = idx.isBoundary(bs) && idx.isBoundary(be);
      const t = whole ? new TextDecoder().decode(this.tokenBytes(toks[i])) : idx.text.slice(start, end);
      return { id, text: t, start, end };
    });
  }

  decode(ids: ArrayLike<number>): string {
    return this.impl.decode(Array.from(ids), { skip_special_tokens: true });
  }

  idToPiece(id: number): string {
    return this.impl.id_to_token(id) ?? `<id ${id}>`;
  }
}
