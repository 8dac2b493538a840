// The frontier comparison table: interpolation in log L0 between bracketing runs, no extrapolation,
// and the best architecture per row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareAtL0, comparisonMarkdown, interpolateLogX, jumpReluMargin } from '../../../protocol/frontier-compare';

test('interpolateLogX is linear in log x between the bracketing points and null outside them', () => {
  const pts = [
    { x: 40, y: 0.1 },
    { x: 10, y: 0.3 },
  ];
  assert.equal(interpolateLogX(pts, 10), 0.3);
  assert.equal(interpolateLogX(pts, 40), 0.1);
  // 20 is halfway between 10 and 40 in log space.
  assert.ok(Math.abs(interpolateLogX(pts, 20)! - 0.2) < 1e-12);
  assert.equal(interpolateLogX(pts, 5), null);
  assert.equal(interpolateLogX(pts, 41), null);
  assert.equal(interpolateLogX([], 10), null);
});

test('compareAtL0 gives each architecture its interpolated FVU and Δ LM loss per site and names the best', () => {
  const p = (hook: string, architecture: string, l0: number, fvu: number, d: number) => ({
    hook,
    architecture,
    'metrics/l0': l0,
    'metrics/fvu': fvu,
    delta_lm_loss: d,
  });
  const rows = [
    p('h1', 'jumprelu', 4, 0.3, 0.6),
    p('h1', 'jumprelu', 16, 0.1, 0.2),
    p('h1', 'topk', 8, 0.15, 0.25),
    p('h1', 'topk', 32, 0.08, 0.1),
    p('h2', 'topk', 8, 0.5, 1),
    p('h2', 'topk', 16, 0.4, 0.8),
  ];
  const c = compareAtL0(rows, [8, 20]);
  assert.deepEqual(c.architectures, ['jumprelu', 'topk']);
  const h1at8 = c.rows.find((r) => r.hook === 'h1' && r.l0 === 8)!;
  assert.ok(Math.abs(h1at8.at.jumprelu!.fvu - 0.2) < 1e-12, 'log-midpoint of 4 and 16');
  assert.equal(h1at8.at.topk!.fvu, 0.15);
  assert.equal(h1at8.bestFvu, 'topk');
  const h1at20 = c.rows.find((r) => r.hook === 'h1' && r.l0 === 20)!;
  assert.equal(h1at20.at.jumprelu, null, 'L0 20 is beyond JumpReLU runs');
  assert.equal(h1at20.bestFvu, 'topk');
  const h2at20 = c.rows.find((r) => r.hook === 'h2' && r.l0 === 20)!;
  assert.equal(h2at20.bestFvu, null);
  const md = comparisonMarkdown(c);
  assert.match(md, /### h1/);
  assert.match(md, /\| 8 \| 0\.2000 \| \*\*0\.1500\*\* \|/);
});

test('a failed run (FVU ≥ 1) is left out of the interpolation and listed; JumpReLU margins name the rival', () => {
  const p = (architecture: string, l0: number, fvu: number, d: number, name?: string) => ({
    hook: 'h',
    architecture,
    name,
    'metrics/l0': l0,
    'metrics/fvu': fvu,
    delta_lm_loss: d,
  });
  const rows = [
    p('jumprelu', 5, 0.2, 0.4),
    p('jumprelu', 20, 0.1, 0.2),
    p('gated', 4, 0.3, 0.5),
    p('gated', 12, 2.5, 6, 'gated-bad'),
    p('gated', 20, 0.12, 0.25),
    p('topk', 5, 0.25, 0.3),
    p('topk', 20, 0.08, 0.22),
  ];
  const c = compareAtL0(rows, [10]);
  assert.equal(c.excluded.length, 1);
  assert.equal(c.excluded[0].name, 'gated-bad');
  const at10 = c.rows[0];
  // Between gated's L0 4 and 20 runs, not through the failed L0 12 one.
  assert.ok(at10.at.gated!.fvu < 0.3 && at10.at.gated!.fvu > 0.12, `gated ${at10.at.gated!.fvu}`);
  const m = jumpReluMargin(at10)!;
  // JumpReLU 0.15 vs TopK 0.165 FVU (better); Δ LM loss 0.30 vs TopK 0.26 (worse).
  assert.equal(m.other.fvu, 'topk');
  assert.ok(Math.abs(m.fvu - (0.15 / 0.165 - 1)) < 1e-3, `fvu margin ${m.fvu}`);
  assert.equal(m.other.delta, 'topk');
  assert.ok(m.delta > 0, `delta margin ${m.delta}`);
  assert.match(comparisonMarkdown(c), /Left out: gated-bad \(L0 12\.00\): FVU 2\.500 ≥ 1/);
});

test('a run beaten on both L0 and FVU by its own architecture is left out of the interpolation', () => {
  const p = (l0: number, fvu: number, name: string) => ({
    hook: 'h',
    architecture: 'jumprelu',
    name,
    'metrics/l0': l0,
    'metrics/fvu': fvu,
    delta_lm_loss: fvu,
  });
  const c = compareAtL0([p(10, 0.09, 'a'), p(22, 0.6, 'collapsed'), p(30, 0.015, 'b')], [20]);
  assert.deepEqual(
    c.excluded.map((e) => e.name),
    ['collapsed'],
  );
  assert.match(c.excluded[0].reason, /beaten on both L0 and FVU by a \(L0 10\.00, FVU 0\.090\)/);
  const v = c.rows[0].at.jumprelu!.fvu;
  assert.ok(v < 0.09 && v > 0.015, `interpolated between a and b: ${v}`);
});
