// Turns each full `jumplens/tokenFeatures` list into a delta against the previous one sent for the
// same document: the common prefix and suffix are dropped, so a one-token edit of a 950-token file
// sends the tokens that changed instead of all of them. Only for clients that opted in
// (TOKEN_FEATURES_DELTA_OPTION); client/src/token-state.ts merges them back.
import type { TokenFeatures, TokenFeaturesMessage, TokenFeaturesParams } from '../../../protocol';

const same = (a: TokenFeatures, b: TokenFeatures, ka: string, kb: string) => a === b || ka === kb;

export class TokenDeltaEncoder {
  /** The last full list sent per uri, with each token's JSON (compared instead of deep-walking). */
  private readonly last = new Map<string, { version: number; tokens: TokenFeatures[]; keys: string[] }>();

  encode(p: TokenFeaturesParams): TokenFeaturesMessage {
    const keys = p.tokens.map((t) => JSON.stringify(t));
    const prev = this.last.get(p.uri);
    this.last.set(p.uri, { version: p.version, tokens: p.tokens, keys });
    if (!prev) return p;
    const n = Math.min(prev.tokens.length, p.tokens.length);
    let start = 0;
    while (start < n && same(prev.tokens[start], p.tokens[start], prev.keys[start], keys[start])) start++;
    let tail = 0;
    while (
      tail < n - start &&
      same(
        prev.tokens[prev.tokens.length - 1 - tail],
        p.tokens[p.tokens.length - 1 - tail],
        prev.keys[prev.keys.length - 1 - tail],
        keys[keys.length - 1 - tail],
      )
    )
      tail++;
    return {
      ...p,
      tokens: p.tokens.slice(start, p.tokens.length - tail),
      delta: { baseVersion: prev.version, start, deleteCount: prev.tokens.length - tail - start },
    };
  }

  /** The full list last sent for `uri` (what the client holds). */
  full(uri: string): TokenFeatures[] | undefined {
    return this.last.get(uri)?.tokens;
  }

  forget(uri: string): void {
    this.last.delete(uri);
  }
}
