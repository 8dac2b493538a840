// Hover text for one token. Plain markdown (a table and code spans, no HTML) so it renders the same
// in VS Code's hover and in Neovim's floating window.
import type { TokenFeatures } from '../../../protocol';
import type { FeatureStore } from '../engine/features/feature-store';

export function hoverMarkdown(t: TokenFeatures, opts: { store?: FeatureStore; hook: string; sae: boolean }): string {
  const lines = [`**JumpLens** token \`${JSON.stringify(t.text)}\` id ${t.id} · L0 ${t.l0} · \`${opts.hook}\``, ''];
  if (!opts.sae) {
    lines.push('_No SAE loaded: set `jumplens.sae` to see features._');
    return lines.join('\n');
  }
  const hidden = t.hidden ? `_Dense features hidden: ${t.hidden} (denser than jumplens.denseFeatureThreshold)._` : undefined;
  if (t.top.length === 0) {
    lines.push(t.hidden ? '_Only dense features fire on this token._' : '_No feature fires on this token._');
    if (hidden) lines.push('', hidden);
    return lines.join('\n');
  }
  // With a store, % is of the feature's max over the store's corpus; without, of its max in this document.
  const scaleName = opts.store ? 'of corpus max' : 'of doc max';
  lines.push(`| feature | label | act | ${scaleName} | density |`, '|---:|---|---:|---:|---:|');
  for (const f of t.top) {
    const density = opts.store ? formatDensity(opts.store.density[f.id]) : '–';
    // The store's label wins: one edited in the feature browser shows before the next analysis.
    const label = (opts.store?.label(f.id) ?? f.label ?? '').replace(/\|/g, '\\|');
    lines.push(`| #${f.id} | ${label} | ${f.act.toFixed(3)} | ${f.rel === undefined ? '–' : `${(100 * f.rel).toFixed(0)}%`} | ${density} |`);
  }
  if (hidden) lines.push('', hidden);
  return lines.join('\n');
}

function formatDensity(d: number | undefined): string {
  if (d === undefined || !Number.isFinite(d)) return '–';
  return d === 0 ? '0' : d >= 0.01 ? `${(100 * d).toFixed(1)}%` : `${(100 * d).toPrecision(2)}%`;
}

/** One feature's decoder direction through the unembedding (W_dec[f] · W_U), its top tokens each way. */
export interface HoverFeatureLogits {
  feature: number;
  promoted: { token: string }[];
  suppressed: { token: string }[];
}

/** A line per feature: the tokens it promotes and suppresses (sae_vis' logit tables, as one line), or ''. */
export function logitEffectsMarkdown(ls: HoverFeatureLogits[]): string {
  const toks = (xs: { token: string }[]) => xs.map((x) => `\`${JSON.stringify(x.token).replace(/`/g, "'")}\``).join(' ');
  const lines = ls.filter((l) => l.promoted.length + l.suppressed.length > 0).map((l) => `#${l.feature} ↑ ${toks(l.promoted)} · ↓ ${toks(l.suppressed)}`);
  return lines.length ? ['_Logit effects (W_dec · W_U):_', ...lines].join('  \n') : '';
}
