// JumpReLU against the JumpReLU paper's Fig. 2 rivals (Gated, the better of its lr lines; TopK) and
// against BatchTopK at each site and L0 of a sweep's comparison.json (FVU and Δ LM loss interpolated
// in log L0 by protocol/frontier-compare.ts). Prints Markdown: the margins (negative = JumpReLU
// better) and how many cells JumpReLU wins. Usage: node scripts/frontier-summary.mjs [comparison.json]
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'docs/results/frontier/comparison.json';
const c = JSON.parse(readFileSync(file, 'utf8'));
const RIVALS = [
  ['Gated', (a) => a === 'gated' || a.startsWith('gated-')],
  ['TopK', (a) => a === 'topk'],
  ['BatchTopK', (a) => a === 'batchtopk'],
];
const best = (row, pick, k) => {
  const xs = Object.entries(row.at)
    .filter(([a, v]) => v && pick(a))
    .map(([, v]) => v[k]);
  return xs.length ? Math.min(...xs) : undefined;
};
const names = RIVALS.map(([n]) => `vs ${n}`);
const lines = [
  `| site | L0 | JumpReLU FVU | ${names.join(' | ')} | JumpReLU Δ LM loss | ${names.join(' | ')} |`,
  `|---|---:|---:|${'---:|'.repeat(3)}---:|${'---:|'.repeat(3)}`,
];
const tally = new Map();
for (const row of c.rows) {
  const j = row.at.jumprelu;
  if (!j) continue;
  const cells = { fvu: [], delta_lm_loss: [] };
  for (const [name, pick] of RIVALS) {
    for (const k of ['fvu', 'delta_lm_loss']) {
      const o = best(row, pick, k);
      if (o === undefined) {
        cells[k].push('–');
        continue;
      }
      const m = 100 * (j[k] / o - 1);
      cells[k].push(`${m >= 0 ? '+' : ''}${m.toFixed(0)}%`);
      const key = `${name} on ${k === 'fvu' ? 'FVU' : 'Δ LM loss'}`;
      const t = tally.get(key) ?? [0, 0];
      tally.set(key, [t[0] + (m <= 0 ? 1 : 0), t[1] + 1]);
    }
  }
  lines.push(
    `| \`${row.hook}\` | ${row.l0} | ${j.fvu.toFixed(4)} | ${cells.fvu.join(' | ')} | ${j.delta_lm_loss.toFixed(4)} | ${cells.delta_lm_loss.join(' | ')} |`,
  );
}
lines.push('');
for (const [key, [w, n]] of tally) lines.push(`- JumpReLU at least as good as ${key}: ${w} of ${n} (site, L0) cells`);
console.log(lines.join('\n'));
