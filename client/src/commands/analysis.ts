// Commands on the active document's analysis and how it is drawn.
import * as vscode from 'vscode';
import { Methods, type SetAnalyzedParams } from '../../../protocol';
import { analyzeChoices, parseAnalyzeArg } from '../analyze-choice';
import { focusFeature as focus, type FocusArg } from '../focus-feature';
import type { Cmd } from './cmd';

/** Turns analysis of the active document on or off, asking which (default: on for jumplens.languages). */
export const analyzeDocument: Cmd = (ctx) => async (arg?: unknown) => {
  const e = ctx.activeEditor();
  const uri = e.document.uri.toString();
  const langs = ctx.settings.get<string[]>('languages', ['jumplens-prompt']);
  const now = ctx.analyzed.get(uri) ?? langs.includes(e.document.languageId);
  let on = parseAnalyzeArg(arg);
  if (on === undefined) {
    const pick = await vscode.window.showQuickPick(analyzeChoices(now), {
      placeHolder: `JumpLens analysis of ${vscode.workspace.asRelativePath(e.document.uri)} is ${now ? 'on' : 'off'}`,
    });
    if (!pick) return;
    on = pick.on;
  }
  ctx.analyzed.set(uri, on);
  await ctx.need().sendRequest(Methods.setAnalyzed, { uri, analyzed: on } satisfies SetAnalyzedParams);
  if (!on) ctx.decorations.forget(uri);
  void vscode.window.showInformationMessage(`JumpLens: analysis ${on ? 'on' : 'off'} for ${vscode.workspace.asRelativePath(e.document.uri)}`);
};

export const toggleDecorations: Cmd = (ctx) => () => {
  ctx.decorations.enabled = !ctx.decorations.enabled;
  ctx.decorations.renderAll();
};

export const focusFeature: Cmd = (ctx) => (arg?: FocusArg) => focus(ctx, arg);
