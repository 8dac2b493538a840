import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenDeltaEncoder, sameJson } from '../../../server/src/lsp/token-delta';
import { TokenState, applyTokenFeatures } from '../../../client/src/token-state';
import { activationLevel, encodeSemanticTokens, SemanticTokensCache } from '../../../server/src/lsp/semantic-tokens';
import type { TokenFeatures, TokenFeaturesParams } from '../../../protocol';

const tok = (line: number, ch: number, len: number, max: number, rel: number, text = 'x'): TokenFeatures => ({
  range: { start: { line, character: ch }, end: { line, character: ch + len } },
  id: 1,
  text,
  max,
  rel,
  l0: max > 0 ? 1 : 0,
  top: max > 0 ? [{ id: 7, act: max }] : [],
});
const params = (version: number, tokens: TokenFeatures[]): TokenFeaturesParams => ({
  uri: 'file:///a.jlp',
  version,
  recomputedFrom: 0,
  recomputed: tokens.length,
  tokens,
  latencyMs: 1,
});

test('a one-token edit sends one token; the client merges it back to the full list', () => {
  const enc = new TokenDeltaEncoder();
  const state = new TokenState();
  const v1 = Array.from({ length: 50 }, (_, i) => tok(i, 0, 3, i % 3, 0.1 * (i % 10)));
  const first = enc.encode(params(1, v1));
  assert.equal(first.delta, undefined, 'the first list is full');
  assert.deepEqual(state.update(first).tokens, v1);
  const v2 = v1.slice();
  v2[20] = tok(20, 0, 4, 9, 0.9, 'y');
  const d = enc.encode(params(2, v2));
  assert.deepEqual(d.delta, { baseVersion: 1, start: 20, deleteCount: 1 });
  assert.equal(d.tokens.length, 1);
  assert.ok(JSON.stringify(d).length * 10 < JSON.stringify(params(2, v2)).length, 'the delta is a fraction of the full list');
  assert.deepEqual(state.update(d).tokens, v2);
  // Insertions and deletions at the end, and a clear to no tokens.
  const v3 = [...v2.slice(0, 45), tok(45, 0, 1, 1, 1), tok(46, 0, 1, 1, 1), tok(47, 0, 1, 1, 1)].concat(v2.slice(48), [tok(60, 0, 1, 2, 0.5)]);
  assert.deepEqual(state.update(enc.encode(params(3, v3))).tokens, v3);
  assert.deepEqual(state.update(enc.encode(params(4, []))).tokens, []);
  // A delta on a version the client does not hold is an error, not a silent wrong list.
  assert.throws(
    () => applyTokenFeatures(params(7, []), { ...params(9, []), delta: { baseVersion: 8, start: 0, deleteCount: 0 } }),
    /delta on version 8, but the client holds version 7/,
  );
});

test('semantic tokens: one type per activation level, relative positions, silent tokens left out, deltas as one edit', () => {
  assert.equal(activationLevel(tok(0, 0, 1, 0, 0)), -1);
  assert.equal(activationLevel(tok(0, 0, 1, 1, 0.05)), 0);
  assert.equal(activationLevel(tok(0, 0, 1, 1, 0.99)), 4);
  assert.equal(activationLevel(tok(0, 0, 1, 1, 1.7)), 4, 'rel above 1 (past the store max) is the top level');
  const toks = [tok(0, 0, 4, 1, 0.3), tok(0, 4, 2, 0, 0), tok(0, 6, 3, 2, 0.85), tok(2, 1, 5, 1, 0.45)];
  const data = encodeSemanticTokens(toks, () => 80);
  assert.deepEqual(data, [0, 0, 4, 1, 0, 0, 6, 3, 4, 0, 2, 1, 5, 2, 0]);
  const cache = new SemanticTokensCache();
  const full = cache.full('u', data);
  const next = data.slice();
  next[8] = 3;
  const d = cache.delta('u', full.resultId!, next) as { resultId: string; edits: { start: number; deleteCount: number; data?: number[] }[] };
  assert.deepEqual(d.edits, [{ start: 8, deleteCount: 1, data: [3] }]);
  // An unknown previous result gets the full tokens.
  assert.deepEqual((cache.delta('u', 'stale', next) as { data: number[] }).data, next);
});

test('sparse top-k orders tied activations by feature id, as torch.topk does', async () => {
  const { orderTiesByIndex } = await import('../../../server/src/engine/sae/sparse-topk');
  const vals = Float32Array.from([3, 2, 2, 2, 0, 5, 5, 1]);
  const ids = Int32Array.from([9, 7, 1, 4, 0, 8, 2, 3]);
  orderTiesByIndex(vals, ids, 2, 4);
  assert.deepEqual(Array.from(ids), [9, 1, 4, 7, 2, 8, 3, 0]);
  assert.deepEqual(Array.from(vals), [3, 2, 2, 2, 5, 5, 1, 0]);
});

test('tokens rebuilt per analysis compare by value: equal ones are skipped, a changed label or range is sent', () => {
  const enc = new TokenDeltaEncoder();
  const build = (label?: string, shift = 0) =>
    Array.from({ length: 30 }, (_, i) => ({
      ...tok(0, i * 3 + (i >= 20 ? shift : 0), 3, 1 + i, 0.5),
      top: [{ id: 7, act: 1 + i, rel: 0.5, ...(i === 10 && label ? { label } : {}) }],
      hidden: undefined,
    }));
  enc.encode(params(1, build()));
  // Fresh objects, same JSON (an undefined property is not sent): nothing changed.
  const same = enc.encode(params(2, build()));
  assert.deepEqual(same.delta, { baseVersion: 1, start: 30, deleteCount: 0 });
  assert.equal(same.tokens.length, 0);
  // A label set on token 10's feature is a change of token 10 alone.
  const labelled = enc.encode(params(3, build('dogs')));
  assert.deepEqual(labelled.delta, { baseVersion: 2, start: 10, deleteCount: 1 });
  assert.equal(labelled.tokens[0].top[0].label, 'dogs');
  // Tokens 20.. moved right by one character: they are all sent again.
  const moved = enc.encode(params(4, build('dogs', 1)));
  assert.deepEqual(moved.delta, { baseVersion: 3, start: 20, deleteCount: 10 });
});

test('sameJson: arrays against objects, extra keys, nested values', () => {
  assert.ok(sameJson({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }));
  assert.ok(!sameJson({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] }));
  assert.ok(!sameJson({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!sameJson({ a: 1, b: 2 }, { a: 1 }));
  assert.ok(sameJson({ a: 1, b: undefined }, { a: 1 }));
  assert.ok(!sameJson([1, 2], { 0: 1, 1: 2 }));
  assert.ok(!sameJson(null, {}));
  assert.ok(!sameJson(1, '1'));
});
