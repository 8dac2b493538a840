// The client half of `jumplens/tokenFeatures` deltas (server/src/lsp/token-delta.ts): merges each
// notification into the full per-document token list. No vscode import, so it is unit-tested.
import type { TokenFeaturesMessage, TokenFeaturesParams } from '../../protocol';

/**
 * The full params after `p`, given the full params held for the document before it. A delta whose
 * base is not what is held cannot be merged: that is an error naming both versions (the daemon sends
 * in order on one connection, so it means a lost message).
 */
export function applyTokenFeatures(prev: TokenFeaturesParams | undefined, p: TokenFeaturesMessage): TokenFeaturesParams {
  const { delta, ...rest } = p;
  if (!delta) return rest;
  if (!prev || prev.version !== delta.baseVersion) {
    throw new Error(
      `jumplens/tokenFeatures for ${p.uri}: delta on version ${delta.baseVersion}, but the client holds ${prev ? `version ${prev.version}` : 'nothing'}`,
    );
  }
  const tokens = prev.tokens.slice(0, delta.start).concat(p.tokens, prev.tokens.slice(delta.start + delta.deleteCount));
  return { ...rest, tokens };
}

/** Full token lists per document uri, merged from the daemon's notifications. */
export class TokenState {
  private readonly byUri = new Map<string, TokenFeaturesParams>();

  /** Merges `p` and returns the document's full params. */
  update(p: TokenFeaturesMessage): TokenFeaturesParams {
    const full = applyTokenFeatures(this.byUri.get(p.uri), p);
    this.byUri.set(p.uri, full);
    return full;
  }

  get(uri: string): TokenFeaturesParams | undefined {
    return this.byUri.get(uri);
  }

  forget(uri: string): void {
    this.byUri.delete(uri);
  }
}
