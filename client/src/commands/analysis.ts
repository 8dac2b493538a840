// Commands on the active document's analysis and how it is drawn.
import * as vscode from 'vscode';
import { Methods, type SetAnalyzedParams } from '../../../protocol';
import { focusFeature as focus, type FocusArg } from '../focus-feature';
import type { Cmd } from './cmd';

/** Switches analysis of the active document on or off (default: on for jumplens.languages). */
export const analyzeDocument: Cmd = (ctx) => async () => {
  const e = ctx.activeEditor();
  const uri = e.document.uri.toString();
  const langs = ctx.settings.get<string[]>('languages', ['jumplens-prompt']);
  const now = ctx.analyzed.get(uri) ?? langs.includes(e.document.languageId);
  ctx.analyzed.set(uri, !now);
  await ctx.need().sendRequest(Methods.setAnalyzed, { uri, analyzed: !now } satisfies SetAnalyzedParams);
  if (now) ctx.decorations.forget(uri);
  vscode.window.setStatusBarMessage(`JumpLens: analysis ${now ? 'off' : 'on'} for ${e.document.fileName}`, 4000);
};

export const toggleDecorations: Cmd = (ctx) => () => {
  ctx.decorations.enabled = !ctx.decorations.enabled;
  ctx.decorations.renderAll();
};

export const focusFeature: Cmd = (ctx) => (arg?: FocusArg) => focus(ctx, arg);
