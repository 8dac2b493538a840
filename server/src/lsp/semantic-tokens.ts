// `textDocument/semanticTokens/full` and `/full/delta` from a document's analysed tokens: each token
// where a feature fires becomes a semantic token whose type is its activation level
// (SEMANTIC_TOKEN_TYPES), so Neovim, Helix and Emacs colour tokens by feature strength with no plugin.
import type { SemanticTokens, SemanticTokensDelta, SemanticTokensLegend } from 'vscode-languageserver';
import { SEMANTIC_TOKEN_LEVELS, SEMANTIC_TOKEN_TYPES, type TokenFeatures } from '../../../protocol';

export const SEMANTIC_TOKENS_LEGEND: SemanticTokensLegend = { tokenTypes: [...SEMANTIC_TOKEN_TYPES], tokenModifiers: [] };

/** Level 0..4 of a token from rel (its strongest feature's act / that feature's max), or -1 when nothing fires. */
export function activationLevel(t: TokenFeatures): number {
  if (!(t.max > 0)) return -1;
  return Math.max(0, Math.min(SEMANTIC_TOKEN_LEVELS - 1, Math.floor((t.rel || 0) * SEMANTIC_TOKEN_LEVELS)));
}

/**
 * LSP's relative encoding: per token [Δline, Δstart, length, type, modifiers]. A token spanning lines
 * (a newline token) is cut at its first line's end, since semantic tokens are single-line; empty
 * ones are skipped. `lineLength(l)` gives line l's length in UTF-16 units.
 */
export function encodeSemanticTokens(tokens: readonly TokenFeatures[], lineLength: (line: number) => number): number[] {
  const data: number[] = [];
  let pl = 0;
  let pc = 0;
  for (const t of tokens) {
    const level = activationLevel(t);
    if (level < 0) continue;
    const { start, end } = t.range;
    const len = (start.line === end.line ? end.character : lineLength(start.line)) - start.character;
    if (len <= 0) continue;
    data.push(start.line - pl, start.line === pl ? start.character - pc : start.character, len, level, 0);
    pl = start.line;
    pc = start.character;
  }
  return data;
}

/** The last result sent per document, so `/full/delta` can answer with one edit. */
export class SemanticTokensCache {
  private readonly last = new Map<string, { resultId: string; data: number[] }>();
  private next = 1;

  full(uri: string, data: number[]): SemanticTokens {
    const resultId = String(this.next++);
    this.last.set(uri, { resultId, data });
    return { resultId, data };
  }

  /** Edits from `previousResultId` to `data`, or the full tokens when that result is not the last one. */
  delta(uri: string, previousResultId: string, data: number[]): SemanticTokens | SemanticTokensDelta {
    const prev = this.last.get(uri);
    if (!prev || prev.resultId !== previousResultId) return this.full(uri, data);
    const old = prev.data;
    const n = Math.min(old.length, data.length);
    let s = 0;
    while (s < n && old[s] === data[s]) s++;
    let e = 0;
    while (e < n - s && old[old.length - 1 - e] === data[data.length - 1 - e]) e++;
    const resultId = String(this.next++);
    this.last.set(uri, { resultId, data });
    if (s === old.length && s === data.length) return { resultId, edits: [] };
    return { resultId, edits: [{ start: s, deleteCount: old.length - e - s, data: data.slice(s, data.length - e) }] };
  }

  forget(uri: string): void {
    this.last.delete(uri);
  }
}
