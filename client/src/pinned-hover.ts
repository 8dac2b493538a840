// What "Pin" in a hover keeps: the daemon's hover of one token, frozen in a read-only markdown
// document beside the editor ("Pinned: token …"), so it stays readable while the cursor moves on and
// until the user closes it. Pinning the same token again refreshes its document. Pure (no `vscode`):
// the link's argument, its parsing and the pinned document's name and text are unit-tested.
import type { Position } from '../../protocol';

/** The scheme of pinned-hover documents (served by client/src/pinned-hovers.ts, read-only). */
export const PIN_SCHEME = 'jumplens-pinned';

export interface PinArg {
  uri: string;
  position: Position;
}

/** The "Pin" command link for the hover at `pos` of `uri`. */
export function pinLinkMarkdown(uri: string, pos: Position): string {
  const args = encodeURIComponent(JSON.stringify([{ uri, position: { line: pos.line, character: pos.character } }]));
  return `[Pin](command:jumplens.pinHover?${args} "Keep this hover open beside the editor")`;
}

/** A link's argument, or undefined when it is not one (the command then uses the cursor). */
export function parsePinArg(arg: unknown): PinArg | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as { uri?: unknown; position?: { line?: unknown; character?: unknown } };
  const p = a.position;
  if (typeof a.uri !== 'string' || !p || !Number.isInteger(p.line) || !Number.isInteger(p.character)) return undefined;
  if ((p.line as number) < 0 || (p.character as number) < 0) return undefined;
  return { uri: a.uri, position: { line: p.line as number, character: p.character as number } };
}

/** The file name shown in the document's tab, from the document it pins. */
function baseName(uri: string): string {
  const tail =
    uri
      .replace(/[?#].*$/, '')
      .split('/')
      .pop() ?? uri;
  try {
    return decodeURIComponent(tail) || uri;
  } catch {
    return tail;
  }
}

/**
 * The pinned document of the hover `markdown` of token `token` (its text; undefined when not known)
 * at `a`: a path unique per document and position (so re-pinning replaces it), and its text.
 */
export function pinnedDocument(a: PinArg, token: string | undefined, markdown: string, at: Date): { path: string; text: string } {
  const where = `${baseName(a.uri)} ${a.position.line + 1}:${a.position.character + 1}`;
  // A path segment: no slashes, and short enough for a tab.
  const shown = token === undefined ? '' : ` ${JSON.stringify(token).slice(0, 40).replace(/[/\\]/g, '∕')}`;
  const title = `Pinned: token${shown} · ${where}`;
  const text = [`# ${title}`, '', `_${a.uri} · pinned ${at.toISOString()} (a snapshot: pin again to refresh)_`, '', markdown, ''].join('\n');
  return { path: `/${title.replace(/[/\\]/g, '∕')}.md`, text };
}
