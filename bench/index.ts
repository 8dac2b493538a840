// `npm run bench`: runs every bench/*.bench.ts module and prints one table. Each module exports
// `run(): Promise<BenchRow[]>`. Speed and memory targets live here, never in unit tests.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describeBackend, initBackend } from '../server/src/engine/backend';
import { describeNative, nativeReport } from '../server/src/engine/native/describe';

export interface BenchRow {
  bench: string;
  /** What was measured, e.g. "encode d_in=768 d_sae=16384 batch=256". */
  case: string;
  value: number;
  unit: string;
  /** Optional second figure, e.g. GFLOP/s beside tokens/s. */
  extra?: string;
}

async function main(): Promise<void> {
  const report = await initBackend();
  console.log(describeBackend(report));
  console.log(describeNative(nativeReport()));
  const filter = process.argv[2];
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
    .sort();
  const rows: BenchRow[] = [];
  for (const f of files) {
    const mod = (await import(path.join(__dirname, f))) as { run: () => Promise<BenchRow[]> };
    const t0 = performance.now();
    const r = await mod.run();
    rows.push(...r);
    console.error(`${f}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const header = ['bench', 'case', 'value', 'unit', 'extra'];
  const table = rows.map((r) => [r.bench, r.case, formatNumber(r.value), r.unit, r.extra ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of table) console.log(line(row));
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
