// The reference frontier's pure half: sites in sweep order, one line per architecture sorted by L0
// with unloggable L0 left out, the comparison restricted to one site at the config's L0 values, and
// the label naming the bundled sweep's model or the loaded file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FrontierRow } from '../../../protocol/sweep';
import { FrontierResultsReplySchema } from '../../../protocol/ws';
import { compareTargets, referenceLabel, referenceLines, siteComparison, siteHooks } from '../../../webview/src/reference-data';
import { REPO_ROOT } from '../../helpers/paths';

const results = FrontierResultsReplySchema.shape.results.parse(
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'frontier', 'history-2026-11-frontier.json'), 'utf8')),
);
const site = results.rows[0].hook;
// A second site: topk's rows again under another hook, and one run that collapsed to L0 0.
const other = 'blocks.0.hook_resid_post';
const rows: FrontierRow[] = [
  ...results.rows,
  ...results.rows.filter((r) => r.architecture === 'topk').map((r) => ({ ...r, hook: other })),
  { ...results.rows[0], hook: other, architecture: 'jumprelu', 'metrics/l0': 0 },
];

test('sites come in sweep order and each site has one L0-sorted line per architecture', () => {
  assert.deepEqual(siteHooks(rows), [site, other]);
  const lines = referenceLines(rows, site);
  assert.deepEqual(
    lines.map((l) => l.architecture),
    [...new Set(results.rows.map((r) => r.architecture))],
  );
  for (const l of lines) {
    const l0 = l.points.map((p) => p.l0);
    assert.deepEqual(
      l0,
      [...l0].sort((a, b) => a - b),
      `${l.architecture} is not sorted by L0`,
    );
    assert.equal(l.points.length, results.rows.filter((r) => r.architecture === l.architecture).length);
  }
  const second = referenceLines(rows, other);
  assert.deepEqual(
    second.map((l) => l.architecture),
    ['topk'],
    'an L0 of 0 cannot sit on a log axis: that run is left out',
  );
});

test('the comparison is taken for one site at the config compareAt values, else 5/10/20/40', () => {
  assert.deepEqual(compareTargets(results.config), [5, 10, 20, 40]);
  assert.deepEqual(compareTargets({ compareAt: [8, 16] }), [8, 16]);
  assert.deepEqual(compareTargets({ compareAt: ['x'] }), [5, 10, 20, 40]);
  const c = siteComparison({ ...results, rows }, other);
  assert.deepEqual(new Set(c.rows.map((r) => r.hook)), new Set([other]));
  assert.deepEqual(c.architectures, ['topk', 'jumprelu']);
  assert.ok(
    c.rows.every((r) => r.at.jumprelu === null),
    'a run at L0 0 brackets nothing in log L0',
  );
  // topk's runs span L0 8..64: 5 is outside them, 10 is between its first two runs.
  assert.equal(c.rows.find((r) => r.l0 === 5)?.at.topk, null);
  const at10 = c.rows.find((r) => r.l0 === 10)?.at.topk;
  const [a, b] = results.rows.filter((r) => r.architecture === 'topk').sort((u, v) => u['metrics/l0'] - v['metrics/l0']);
  const [lo, hi] = [a['metrics/fvu'], b['metrics/fvu']].sort((u, v) => u - v);
  assert.ok(at10 && at10.fvu > lo && at10.fvu < hi, `FVU at L0 10 ${at10?.fvu} is not between its bracketing runs' ${lo} and ${hi}`);
});

test('the label names the bundled sweep by its model, a loaded file by its path', () => {
  assert.equal(referenceLabel({ path: '/ext/assets/frontier/frontier.json', bundled: true, results }), 'reference: stories260K sweep (docs/results/frontier)');
  assert.equal(referenceLabel({ path: '/w/runs/out/frontier.json', bundled: false, results }), 'sweep results: /w/runs/out/frontier.json');
});
