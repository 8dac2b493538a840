// Command links appended to the daemon's hover: each of the token's top features can be focused in
// the editor (and, when the feature browser is installed, opened there). The daemon's hover is
// plain markdown for every editor; these links only make sense in VS Code, so the client adds them.
import type { Position, Range, TokenFeatures } from '../../protocol';

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/** The token whose range contains `pos` (end-exclusive); BOS (empty range) never matches. */
export function tokenAt<T extends { range: Range }>(tokens: readonly T[] | undefined, pos: Position): T | undefined {
  if (!tokens) return undefined;
  for (const t of tokens) {
    if (!before(pos, t.range.start) && before(pos, t.range.end)) return t;
  }
  return undefined;
}

/** Markdown with one "Focus #id" command link per top feature, or '' when there are none. */
export function focusLinksMarkdown(t: TokenFeatures | undefined, uri: string): string {
  if (!t || t.top.length === 0) return '';
  const links = t.top.map((f) => {
    const args = encodeURIComponent(JSON.stringify([{ feature: f.id, uri }]));
    return `[Focus #${f.id}](command:jumplens.focusFeature?${args} "Colour the document by feature ${f.id}")`;
  });
  return `Focus: ${links.join(' · ')}`;
}

/** Markdown with a "Steer… · Ablate" pair of command links per top feature (the steer panel at `pos`), or ''. */
export function steerLinksMarkdown(t: TokenFeatures | undefined, uri: string, pos: Position): string {
  if (!t || t.top.length === 0) return '';
  const lines = t.top.map((f) => {
    const args = encodeURIComponent(JSON.stringify([{ uri, position: { line: pos.line, character: pos.character }, feature: f.id }]));
    return `#${f.id}: [Steer…](command:jumplens.steerFeature?${args} "Clamp feature ${f.id} and compare the continuations") · [Ablate](command:jumplens.ablateFeature?${args} "Zero feature ${f.id} and compare the continuations")`;
  });
  return lines.join('  \n');
}
