// The client's pure parts: relative activation -> decoration level, BOS handling, labels, and how
// the daemon's Node binary is found.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { LEVELS, MAX_ALPHA, alphaOf, colourNote, compactLabel, groupByLevel, isBos, levelOf, tokenLevel } from '../../../client/src/intensity';
import { resolveNodePath } from '../../../client/src/node-path';
import type { TokenFeatures } from '../../../protocol';
import { tempDir } from '../../helpers/paths';

function tok(rel: number, range = { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } }, top: TokenFeatures['top'] = []): TokenFeatures {
  return { range, id: 1, text: 'abc', max: rel, rel, l0: top.length, top };
}

test('levelOf: 0 and non-finite draw nothing, anything firing gets >= 1, monotone, capped at LEVELS', () => {
  assert.equal(levelOf(0), 0);
  assert.equal(levelOf(-1), 0);
  assert.equal(levelOf(Number.NaN), 0);
  assert.equal(levelOf(1e-6), 1);
  assert.equal(levelOf(1), LEVELS);
  assert.equal(levelOf(3.5), LEVELS);
  let prev = 0;
  for (let r = 0; r <= 1.0001; r += 0.01) {
    const l = levelOf(r);
    assert.ok(l >= prev, `level dropped at rel ${r}`);
    prev = l;
  }
  // Every level is reachable, so a document with spread activations shows distinct intensities.
  const seen = new Set(Array.from({ length: 101 }, (_, i) => levelOf(i / 100)));
  assert.equal(seen.size, LEVELS + 1);
});

test('alphaOf is strictly increasing over the levels and within (0, 1)', () => {
  assert.equal(alphaOf(0), 0);
  for (let l = 2; l <= LEVELS; l++) assert.ok(alphaOf(l) > alphaOf(l - 1));
  assert.ok(alphaOf(1) > 0 && alphaOf(LEVELS) < 1);
  // Text stays readable on the strongest colour: it never goes past MAX_ALPHA.
  assert.equal(alphaOf(LEVELS), MAX_ALPHA);
  assert.ok(MAX_ALPHA <= 0.6);
  // Adjacent levels differ by enough alpha to tell apart (> 0.05).
  for (let l = 2; l <= LEVELS; l++) assert.ok(alphaOf(l) - alphaOf(l - 1) > 0.05, `levels ${l - 1} and ${l} too close`);
});

test('a coloured token says which max its strength is relative to', () => {
  const t = tok(0.456, undefined, [{ id: 209, act: 1.2, label: 'dogs' }]);
  assert.equal(colourNote(t, 'store'), "JumpLens colour: #209 dogs at 46% of the feature's max over the feature store's corpus");
  assert.match(colourNote(t, 'document'), /at 46% of the feature's max in this document \(no feature store\)/);
  assert.match(colourNote(t, undefined), /over the feature store when one is built, else in this document/);
  assert.equal(colourNote(tok(0), undefined), '', 'nothing fires, nothing to say');
  assert.ok(isBos(tok(1, { start: { line: 2, character: 4 }, end: { line: 2, character: 4 } })));
});

test('the BOS token (empty range) is never decorated even when it fires', () => {
  const bos = tok(1, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
  assert.equal(tokenLevel(bos), 0);
  assert.equal(tokenLevel(tok(1)), LEVELS);
  const groups = groupByLevel([bos, tok(1), tok(0.5), tok(0)], tokenLevel);
  assert.equal(groups.length, LEVELS + 1);
  assert.equal(groups.flat().length, 2);
  assert.equal(groups[LEVELS].length, 1);
  assert.equal(groups[levelOf(0.5)].length, 1);
});

test('compactLabel prefers the feature label, falls back to #id, and truncates', () => {
  assert.equal(compactLabel(tok(1, undefined, [{ id: 42, act: 2 }])), '#42');
  assert.equal(compactLabel(tok(1, undefined, [{ id: 42, act: 2, label: 'dogs' }])), 'dogs');
  const long = compactLabel(tok(1, undefined, [{ id: 1, act: 1, label: 'a very long feature description here' }]), 10);
  assert.equal(long.length, 10);
  assert.ok(long.endsWith('…'));
  assert.equal(compactLabel(tok(0)), '');
});

test('resolveNodePath finds node on PATH, honours absolute paths, and returns undefined when missing', () => {
  const t = tempDir();
  try {
    const bin = path.join(t.dir, 'bin');
    mkdirSync(bin);
    const fake = path.join(bin, 'node');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    const notExec = path.join(bin, 'node-noexec');
    writeFileSync(notExec, '');
    chmodSync(notExec, 0o644);
    assert.equal(resolveNodePath('', `/nonexistent${path.delimiter}${bin}`), fake);
    assert.equal(resolveNodePath(undefined, bin), fake);
    assert.equal(resolveNodePath(fake, ''), fake);
    assert.equal(resolveNodePath('node', '/nonexistent'), undefined);
    assert.equal(resolveNodePath(path.join(t.dir, 'missing-node'), bin), undefined);
    assert.equal(resolveNodePath('node-noexec', bin), undefined);
    assert.equal(resolveNodePath(bin, ''), undefined, 'a directory is not a Node binary');
  } finally {
    t.cleanup();
  }
});

test('tokenAt finds the token under a position (end-exclusive, BOS never) and focus links carry feature and uri', async () => {
  const { tokenAt, focusLinksMarkdown } = await import('../../../client/src/hover-links');
  const r = (l: number, a: number, b: number) => ({ start: { line: l, character: a }, end: { line: l, character: b } });
  const bos = { ...tok(1, r(0, 0, 0)), top: [{ id: 9, act: 1 }] };
  const a = {
    ...tok(0.5, r(0, 0, 4)),
    top: [
      { id: 3, act: 1.5 },
      { id: 17, act: 0.2 },
    ],
  };
  const b = { ...tok(0.2, r(0, 4, 7)), top: [] };
  const toks = [bos, a, b];
  assert.equal(tokenAt(toks, { line: 0, character: 0 }), a);
  assert.equal(tokenAt(toks, { line: 0, character: 3 }), a);
  assert.equal(tokenAt(toks, { line: 0, character: 4 }), b);
  assert.equal(tokenAt(toks, { line: 0, character: 7 }), undefined);
  assert.equal(tokenAt(toks, { line: 1, character: 0 }), undefined);
  assert.equal(tokenAt(undefined, { line: 0, character: 0 }), undefined);
  const md = focusLinksMarkdown(a, 'file:///w/a.jlp');
  const args = [...md.matchAll(/command:jumplens\.focusFeature\?([^ )]+)/g)].map((m) => JSON.parse(decodeURIComponent(m[1])));
  assert.deepEqual(args, [[{ feature: 3, uri: 'file:///w/a.jlp' }], [{ feature: 17, uri: 'file:///w/a.jlp' }]]);
  assert.equal(focusLinksMarkdown(b, 'x'), '');
});
