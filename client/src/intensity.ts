// Maps a token's relative activation (act / that feature's max) to one of a few discrete
// intensity levels. Discrete levels mean one TextEditorDecorationType per level instead of one per
// token, which keeps VS Code's decoration count constant however long the document is.
import type { TokenFeatures } from '../../protocol';

/** Number of non-zero intensity levels (level 0 = nothing drawn). */
export const LEVELS = 8;

/** rel in 0..1+ -> level 0..LEVELS; anything that fires at all gets at least level 1. */
export function levelOf(rel: number): number {
  if (!Number.isFinite(rel) || rel <= 0) return 0;
  return Math.min(LEVELS, Math.max(1, Math.ceil(rel * LEVELS)));
}

/** Background alpha for a level: linear from faint to strong, so adjacent levels stay distinguishable. */
export function alphaOf(level: number): number {
  if (level <= 0) return 0;
  return Math.round((0.08 + (0.62 * (level - 1)) / (LEVELS - 1)) * 100) / 100;
}

/** The token's decoration level; the BOS token has an empty range and is never drawn. */
export function tokenLevel(t: TokenFeatures): number {
  const r = t.range;
  if (r.start.line === r.end.line && r.start.character === r.end.character) return 0;
  return levelOf(t.rel);
}

/** Groups token indices by level (index 0 unused), for one setDecorations call per level. */
export function groupByLevel<T extends { range: TokenFeatures['range'] }>(tokens: T[], level: (t: T) => number): T[][] {
  const groups: T[][] = Array.from({ length: LEVELS + 1 }, () => []);
  for (const t of tokens) {
    const l = level(t);
    if (l > 0) groups[l].push(t);
  }
  return groups;
}

/** Compact label after a strong token: "#123" or the feature's label, trimmed. */
export function compactLabel(t: TokenFeatures, maxChars = 18): string {
  const f = t.top[0];
  if (!f) return '';
  const text = f.label ? f.label : `#${f.id}`;
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
