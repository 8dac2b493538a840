// The client's pure logic not covered by client-intensity.test.ts: level grouping, the status bar text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatusResult, TokenFeatures } from '../../../protocol';
import { LEVELS, groupByLevel, tokenLevel } from '../../../client/src/intensity';
import { withDefaultSae } from '../../../client/src/settings-defaults';
import { statusDetails, summarize } from '../../../client/src/status-text';
import { viewLeavesAnalysed } from '../../../client/src/view-coverage';

function tok(line: number, from: number, to: number, rel: number, top: TokenFeatures['top'] = []): TokenFeatures {
  return { range: { start: { line, character: from }, end: { line, character: to } }, id: 1, text: 'x', max: rel, rel, l0: top.length, top };
}

test('tokenLevel ignores the BOS token (empty range) however strong; groupByLevel buckets the rest', () => {
  const bos = tok(0, 0, 0, 1);
  const a = tok(0, 0, 4, 0.05);
  const b = tok(0, 4, 9, 0.99);
  const c = tok(1, 0, 3, 0);
  assert.equal(tokenLevel(bos), 0);
  assert.equal(tokenLevel(a), 1);
  assert.equal(tokenLevel(b), LEVELS);
  const g = groupByLevel([bos, a, b, c], tokenLevel);
  assert.equal(g.length, LEVELS + 1);
  assert.deepEqual(g[0], []);
  assert.deepEqual(g[1], [a]);
  assert.deepEqual(g[LEVELS], [b]);
  assert.equal(g.flat().length, 2);
});

test('status text names backend, model, SAE and latency; errors and a stopped daemon say so', () => {
  const s: StatusResult = {
    backend: { kind: 'wasm', label: 'WASM', detail: 'simd' },
    model: { path: '/m/stories260K.bin', name: 'stories260K', dModel: 64, nLayers: 5 },
    sae: { path: '/s', architecture: 'jumprelu', dSae: 256, hook: 'blocks.2.hook_resid_post' },
    memory: { numTensors: 12, numBytes: 1000 },
    lastLatencyMs: 41.6,
  };
  const r = summarize(s, false);
  assert.match(r.text, /WASM/);
  assert.match(r.text, /stories260K/);
  assert.match(r.text, /SAE 256/);
  assert.match(r.text, /42 ms/);
  assert.match(r.tooltip, /blocks\.2\.hook_resid_post/);
  assert.match(summarize({ ...s, sae: undefined, lastLatencyMs: undefined }, false).text, /no SAE/);
  assert.doesNotMatch(summarize({ ...s, lastLatencyMs: undefined }, false).text, /ms/);
  const e = summarize({ ...s, error: 'model file not found: /x' }, false);
  assert.match(e.text, /error/);
  assert.equal(e.tooltip, 'model file not found: /x');
  assert.match(summarize(undefined, true).tooltip, /starting/);
  assert.match(summarize(undefined, false).tooltip, /not running/);
});

test('Show Status details every part of the status, the runtime, and an error only when there is one', () => {
  const s: StatusResult = {
    backend: { kind: 'wasm', label: 'WASM', detail: 'simd' },
    model: { path: '/m/stories260K.bin', name: 'stories260K', dModel: 64, nLayers: 5 },
    sae: { path: '/s', architecture: 'jumprelu', dSae: 256, hook: 'blocks.2.hook_resid_post' },
    memory: { numTensors: 12, numBytes: 2_500_000 },
  };
  assert.deepEqual(statusDetails(s, '/usr/bin/node'), [
    'Backend: WASM — simd',
    'Model: stories260K (d_model 64, 5 layers)',
    'SAE: jumprelu, d_sae 256, blocks.2.hook_resid_post',
    'Last encode: —',
    'Tensors: 12 (2.5 MB)',
    'Daemon runtime: /usr/bin/node',
  ]);
  const e = statusDetails({ ...s, model: undefined, sae: undefined, lastLatencyMs: 12.4, error: 'no model' }, 'r');
  assert.deepEqual([e[1], e[2], e[3], e.at(-1)], ['Model: none', 'SAE: none', 'Last encode: 12 ms', 'Error: no model']);
  assert.deepEqual(statusDetails(undefined, 'r'), ['The daemon is not running.']);
});

test('an empty SAE setting becomes the bundled default; a chosen SAE and non-objects pass through', () => {
  assert.deepEqual(withDefaultSae({ sae: '', topK: 5 }, '/ext/assets/default-sae'), { sae: '/ext/assets/default-sae', topK: 5 });
  assert.deepEqual(withDefaultSae({ topK: 5 }, '/ext/assets/default-sae'), { topK: 5, sae: '/ext/assets/default-sae' });
  assert.deepEqual(withDefaultSae({ sae: '/my/sae' }, '/ext/assets/default-sae'), { sae: '/my/sae' });
  assert.deepEqual(withDefaultSae({ sae: '' }, undefined), { sae: '' }, 'no bundled SAE: leave the setting alone');
  assert.equal(withDefaultSae(null, '/d'), null);
  assert.equal(withDefaultSae('x', '/d'), 'x');
});

test('viewLeavesAnalysed: a view outside the analysed part of a long document asks for re-analysis', () => {
  const r = (l0: number, c0: number, l1: number, c1: number) => ({ start: { line: l0, character: c0 }, end: { line: l1, character: c1 } });
  const analysed = r(10, 4, 50, 7);
  assert.equal(viewLeavesAnalysed(undefined, [r(0, 0, 900, 0)]), false, 'whole document analysed');
  assert.equal(viewLeavesAnalysed(analysed, []), false);
  assert.equal(viewLeavesAnalysed(analysed, [r(12, 0, 40, 0)]), false, 'inside');
  assert.equal(viewLeavesAnalysed(analysed, [r(12, 0, 50, 3)]), false, 'the last visible line is analysed up to its middle');
  assert.equal(viewLeavesAnalysed(analysed, [r(9, 0, 30, 0)]), true, 'starts above');
  assert.equal(viewLeavesAnalysed(analysed, [r(10, 0, 30, 0)]), true, 'starts on the first line but before the analysed part');
  assert.equal(viewLeavesAnalysed(analysed, [r(30, 0, 51, 0)]), true, 'ends below');
  // Folded regions split the view; only its extent counts.
  assert.equal(viewLeavesAnalysed(analysed, [r(12, 0, 20, 0), r(60, 0, 70, 0)]), true);
});
