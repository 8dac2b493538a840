// "Pin Hover": keeps a token's hover open beside the editor (pinned-hover.ts). From the hover's Pin
// link the argument names the document and position; from the palette the cursor's token is pinned.
// The daemon is asked for the hover again, so the pin holds what the hover showed, links aside.
// Types only: the command modules load outside the editor in the command-table test.
import type { Hover, MarkupContent } from 'vscode-languageclient/node';
import type { Ctx } from '../ctx';
import { tokenAt } from '../hover-links';
import { parsePinArg, pinnedDocument } from '../pinned-hover';
import type { Cmd } from './cmd';

/** The hover's text, whichever of the LSP content shapes the daemon used. */
function markdownOf(contents: unknown): string {
  const one = (c: unknown) => (typeof c === 'string' ? c : ((c as MarkupContent | { value?: string }).value ?? ''));
  return Array.isArray(contents) ? contents.map(one).join('\n\n') : one(contents);
}

export const pinHover: Cmd = (ctx: Ctx) => async (arg?: unknown) => {
  let a = parsePinArg(arg);
  if (!a) {
    const e = ctx.activeEditor();
    a = { uri: e.document.uri.toString(), position: { line: e.selection.active.line, character: e.selection.active.character } };
  }
  const hover = await ctx.need().sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: a.uri }, position: a.position });
  if (!hover) throw new Error(`no hover at ${a.uri} ${a.position.line + 1}:${a.position.character + 1} (is the document analysed?)`);
  const token = tokenAt(ctx.decorations.tokensAt(a.uri), a.position)?.text;
  const doc = pinnedDocument(a, token, markdownOf(hover.contents), new Date());
  await ctx.pins.show(doc.path, doc.text);
};
