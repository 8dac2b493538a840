// The paper's comparison (Fig. 2): each architecture's FVU and Δ LM loss at common L0 values,
// interpolated linearly in log L0 between the two runs that bracket the target. No extrapolation: a
// target outside an architecture's measured L0 range is left empty rather than guessed.
// Pure functions in protocol/ because both ends compute it: the sweep writes comparison.json with
// it, and the dashboard's frontier view recomputes it for the site it shows (the webview may not
// import the server).

/** The L0 values the comparison is taken at unless a sweep config sets `compareAt`. */
export const DEFAULT_COMPARE_AT: readonly number[] = [5, 10, 20, 40];

export interface FrontierPoint {
  name?: string;
  hook: string;
  architecture: string;
  'metrics/l0': number;
  'metrics/fvu': number;
  delta_lm_loss: number;
}

export interface ComparisonCell {
  fvu: number;
  delta_lm_loss: number;
}

export interface ComparisonRow {
  hook: string;
  l0: number;
  /** architecture → interpolated metrics, or null when the target is outside its runs' L0 range. */
  at: Record<string, ComparisonCell | null>;
  /** The architecture with the lowest interpolated FVU / Δ LM loss here (null if none measured). */
  bestFvu: string | null;
  bestDelta: string | null;
}

export interface Comparison {
  targets: number[];
  architectures: string[];
  rows: ComparisonRow[];
  /** Runs left out: FVU ≥ 1 (worse than the mean), or beaten on both L0 and FVU by a run of the same architecture. */
  excluded: (FrontierPoint & { reason: string })[];
}

/** A run no interpolation should pass through: it reconstructs worse than the mean does. */
export function failedRun(p: FrontierPoint): string | undefined {
  if (!Number.isFinite(p['metrics/fvu']) || p['metrics/fvu'] >= 1) return `FVU ${p['metrics/fvu'].toFixed(3)} ≥ 1 (worse than the mean)`;
  return undefined;
}

/** y at log(x) between the bracketing points of `pts` (sorted by x), or null outside their range. */
export function interpolateLogX(pts: readonly { x: number; y: number }[], x: number): number | null {
  const s = pts.filter((p) => p.x > 0 && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
  if (s.length === 0 || x < s[0].x || x > s[s.length - 1].x) return null;
  for (let i = 0; i < s.length; i++) {
    if (s[i].x === x) return s[i].y;
    if (s[i].x > x) {
      const a = s[i - 1];
      const b = s[i];
      const t = (Math.log(x) - Math.log(a.x)) / (Math.log(b.x) - Math.log(a.x));
      return a.y + t * (b.y - a.y);
    }
  }
  return null;
}

export function compareAtL0(all: readonly FrontierPoint[], targets: readonly number[]): Comparison {
  // Each architecture's frontier is its Pareto set: a run beaten on both L0 and FVU by a run of the
  // same architecture at the site (a collapsed run: most latents dead) is not interpolated through.
  const dominatedBy = (p: FrontierPoint) =>
    all.find(
      (q) =>
        q !== p &&
        !failedRun(q) &&
        q.hook === p.hook &&
        q.architecture === p.architecture &&
        q['metrics/l0'] <= p['metrics/l0'] &&
        q['metrics/fvu'] < p['metrics/fvu'],
    );
  const excluded = all.flatMap((p) => {
    const d = dominatedBy(p);
    const reason =
      failedRun(p) ??
      (d ? `beaten on both L0 and FVU by ${d.name ?? d.architecture} (L0 ${d['metrics/l0'].toFixed(2)}, FVU ${d['metrics/fvu'].toFixed(3)})` : undefined);
    return reason ? [{ ...p, reason }] : [];
  });
  const points = all.filter(
    (p) =>
      !excluded.some(
        (e) => e.hook === p.hook && e.architecture === p.architecture && e['metrics/l0'] === p['metrics/l0'] && e['metrics/fvu'] === p['metrics/fvu'],
      ),
  );
  const hooks = [...new Set(points.map((p) => p.hook))];
  const archs = [...new Set(points.map((p) => p.architecture))];
  const rows: ComparisonRow[] = [];
  for (const hook of hooks) {
    for (const l0 of targets) {
      const at: ComparisonRow['at'] = {};
      for (const a of archs) {
        const mine = points.filter((p) => p.hook === hook && p.architecture === a);
        const fvu = interpolateLogX(
          mine.map((p) => ({ x: p['metrics/l0'], y: p['metrics/fvu'] })),
          l0,
        );
        const delta = interpolateLogX(
          mine.map((p) => ({ x: p['metrics/l0'], y: p.delta_lm_loss })),
          l0,
        );
        at[a] = fvu === null || delta === null ? null : { fvu, delta_lm_loss: delta };
      }
      const best = (k: keyof ComparisonCell) =>
        Object.entries(at)
          .filter((e): e is [string, ComparisonCell] => e[1] !== null)
          .reduce<[string, number] | null>((m, [a, c]) => (m === null || c[k] < m[1] ? [a, c[k]] : m), null)?.[0] ?? null;
      rows.push({ hook, l0, at, bestFvu: best('fvu'), bestDelta: best('delta_lm_loss') });
    }
  }
  return { targets: [...targets], architectures: archs, rows, excluded };
}

/** JumpReLU's relative gap to the best other architecture in a row, or null when either is missing. */
export function jumpReluMargin(r: ComparisonRow): { fvu: number; delta: number; other: { fvu: string; delta: string } } | null {
  const j = r.at.jumprelu;
  if (!j) return null;
  const others = Object.entries(r.at).filter((e): e is [string, ComparisonCell] => e[0] !== 'jumprelu' && e[1] !== null);
  if (others.length === 0) return null;
  const bestOf = (k: keyof ComparisonCell) => others.reduce((m, e) => (e[1][k] < m[1][k] ? e : m));
  const f = bestOf('fvu');
  const d = bestOf('delta_lm_loss');
  return { fvu: j.fvu / f[1].fvu - 1, delta: j.delta_lm_loss / d[1].delta_lm_loss - 1, other: { fvu: f[0], delta: d[0] } };
}

/** One Markdown table per site: FVU and Δ LM loss per architecture at each L0, the best in bold. */
export function comparisonMarkdown(c: Comparison): string {
  const out: string[] = [];
  const fmt = (v: number | undefined, bold: boolean, digits: number) => (v === undefined ? '–' : bold ? `**${v.toFixed(digits)}**` : v.toFixed(digits));
  for (const hook of [...new Set(c.rows.map((r) => r.hook))]) {
    out.push(`### ${hook}`, '');
    out.push(`| L0 | ${c.architectures.map((a) => `${a} FVU`).join(' | ')} | ${c.architectures.map((a) => `${a} Δ LM loss`).join(' | ')} |`);
    out.push(`|---:|${c.architectures.map(() => '---:').join('|')}|${c.architectures.map(() => '---:').join('|')}|`);
    for (const r of c.rows.filter((x) => x.hook === hook)) {
      const f = c.architectures.map((a) => fmt(r.at[a]?.fvu, r.bestFvu === a, 4));
      const d = c.architectures.map((a) => fmt(r.at[a]?.delta_lm_loss, r.bestDelta === a, 4));
      out.push(`| ${r.l0} | ${f.join(' | ')} | ${d.join(' | ')} |`);
    }
    out.push('');
    const margins = c.rows.filter((x) => x.hook === hook).map((r) => jumpReluMargin(r));
    if (margins.some((m) => m !== null)) {
      const cell = (m: ReturnType<typeof jumpReluMargin>, k: 'fvu' | 'delta') =>
        m === null ? '–' : `${m[k] >= 0 ? '+' : ''}${(100 * m[k]).toFixed(1)}% vs ${m.other[k]}`;
      out.push('JumpReLU against the best other architecture at the same L0 (negative: JumpReLU is better):', '');
      out.push('| L0 | FVU | Δ LM loss |', '|---:|---|---|');
      for (const [i, r] of c.rows.filter((x) => x.hook === hook).entries()) out.push(`| ${r.l0} | ${cell(margins[i], 'fvu')} | ${cell(margins[i], 'delta')} |`);
      out.push('');
    }
    for (const e of c.excluded.filter((x) => x.hook === hook))
      out.push(`Left out: ${e.name ?? e.architecture} (L0 ${e['metrics/l0'].toFixed(2)}): ${e.reason}.`, '');
  }
  out.push(
    'Interpolated linearly in log L0 between the two runs that bracket each L0; – where an architecture has no runs on both sides. Bold: lowest in the row.',
    '',
  );
  return out.join('\n');
}
