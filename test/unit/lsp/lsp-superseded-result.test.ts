// stillHolds: when a superseded analysis's tokens are still right for the newer text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TokenFeatures } from '../../../protocol';
import type { AnalysisResult } from '../../../server/src/lsp/document-analysis';
import { stillHolds } from '../../../server/src/lsp/superseded-result';

/** A result for `text` with one token per [start, end) offset pair. */
function resultFor(text: string, spans: [number, number][]): { r: AnalysisResult; offsetAt: (p: TokenFeatures['range']['end']) => number } {
  const doc = TextDocument.create('x', 'plaintext', 1, text);
  const tokens = spans.map(
    ([a, b]): TokenFeatures => ({
      range: { start: doc.positionAt(a), end: doc.positionAt(b) },
      id: 0,
      text: text.slice(a, b),
      max: 0,
      rel: 0,
      l0: 0,
      top: [],
    }),
  );
  return { r: { version: 1, recomputedFrom: 0, recomputed: tokens.length, tokens }, offsetAt: (p) => doc.offsetAt(p) };
}

test('an append after the last token keeps the result; a change at or before its end does not', () => {
  const text = 'Once upon\na time';
  const { r, offsetAt } = resultFor(text, [
    [0, 4],
    [4, 9],
    [10, 11],
    [11, 16],
  ]);
  assert.equal(stillHolds(r, text, `${text} there`, offsetAt), true, 'typed after the last token');
  assert.equal(stillHolds(r, text, text, offsetAt), true, 'same text (an undo back to it)');
  assert.equal(stillHolds(r, text, 'Once upon\na tim', offsetAt), false, 'the last token lost a character');
  assert.equal(stillHolds(r, text, 'Once upon\na tame', offsetAt), false, 'the last token changed');
  assert.equal(stillHolds(r, text, 'Once, upon\na time', offsetAt), false, 'an edit before every token but the first');
});

test('a partial result ending before the edit holds even though text after it changed', () => {
  const text = 'abc def ghi';
  const { r, offsetAt } = resultFor(text, [
    [0, 3],
    [3, 7],
  ]);
  assert.equal(stillHolds(r, text, 'abc def GHI jkl', offsetAt), true);
  assert.equal(stillHolds(r, text, 'abc dEf ghi', offsetAt), false);
});

test('a trailing \\r completed to \\r\\n moves the position after it: not kept', () => {
  const text = 'ab\r';
  const { r, offsetAt } = resultFor(text, [[0, 3]]);
  assert.equal(stillHolds(r, text, 'ab\r\ncd', offsetAt), false);
  assert.equal(stillHolds(r, text, 'ab\rcd', offsetAt), true);
});

test('no tokens: nothing it coloured can be stale', () => {
  const { r, offsetAt } = resultFor('', []);
  assert.equal(stillHolds(r, '', 'typed', offsetAt), true);
});
