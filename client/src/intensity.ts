// Maps a token's relative activation (act / that feature's max) to one of a few discrete
// intensity levels. Discrete levels mean one TextEditorDecorationType per level instead of one per
// token, which keeps VS Code's decoration count constant however long the document is.
import type { RelativeTo, TokenFeatures } from '../../protocol';

/** Number of non-zero intensity levels (level 0 = nothing drawn). */
export const LEVELS = 8;

/** rel in 0..1+ -> level 0..LEVELS; anything that fires at all gets at least level 1. */
export function levelOf(rel: number): number {
  if (!Number.isFinite(rel) || rel <= 0) return 0;
  return Math.min(LEVELS, Math.max(1, Math.ceil(rel * LEVELS)));
}

/** Strongest background alpha: above it, text on the full-strength colour loses contrast in dark themes. */
export const MAX_ALPHA = 0.55;
const MIN_ALPHA = 0.1;

/** Background alpha for a level: linear from faint to MAX_ALPHA, so adjacent levels stay distinguishable and text readable. */
export function alphaOf(level: number): number {
  if (level <= 0) return 0;
  return Math.round((MIN_ALPHA + ((MAX_ALPHA - MIN_ALPHA) * (level - 1)) / (LEVELS - 1)) * 100) / 100;
}

/** The BOS token has an empty range (it is no text of the document). */
export function isBos(t: { range: TokenFeatures['range'] }): boolean {
  const r = t.range;
  return r.start.line === r.end.line && r.start.character === r.end.character;
}

/** The token's decoration level; BOS is never drawn, whatever fires on it. */
export function tokenLevel(t: TokenFeatures): number {
  return isBos(t) ? 0 : levelOf(t.rel);
}

/** What a coloured token's decoration says: its strongest feature and which max its strength is relative to. */
export function colourNote(t: TokenFeatures, relativeTo: RelativeTo | undefined): string {
  const f = t.top[0];
  if (!f) return '';
  const pct = `${Math.round(Math.min(t.rel, 9.99) * 100)}%`;
  const of =
    relativeTo === 'store'
      ? "of the feature's max over the feature store's corpus"
      : relativeTo === 'document'
        ? "of the feature's max in this document (no feature store)"
        : "of the feature's max (over the feature store when one is built, else in this document)";
  return `JumpLens colour: #${f.id}${f.label ? ` ${f.label}` : ''} at ${pct} ${of}`;
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
