// "Steer Feature…" and "Ablate Feature": open the steer panel on one feature at a cursor. From a
// hover link the argument names the document, position and feature; from the palette the active
// editor's cursor is used and the feature is asked for.
import * as vscode from 'vscode';
import { parseFeatureInput, parseSteerArg, steerTarget } from '../steer-target';
import type { Ctx } from '../ctx';
import type { Cmd } from './cmd';

async function resolve(ctx: Ctx, arg: unknown): Promise<{ uri: string; position: { line: number; character: number }; feature: number } | undefined> {
  const a = parseSteerArg(arg);
  let { uri, position, feature } = a;
  if (uri === undefined || position === undefined) {
    const e = ctx.activeEditor();
    uri = e.document.uri.toString();
    position = { line: e.selection.active.line, character: e.selection.active.character };
  }
  if (feature === undefined) {
    const s = await vscode.window.showInputBox({
      prompt: 'Feature id to steer',
      validateInput: (v) => (typeof parseFeatureInput(v) === 'string' ? (parseFeatureInput(v) as string) : undefined),
    });
    if (s === undefined) return undefined;
    const f = parseFeatureInput(s);
    if (typeof f === 'string') throw new Error(f);
    feature = f;
  }
  return { uri, position, feature };
}

export const steerFeature: Cmd = (ctx) => async (arg?: unknown) => {
  const a = await resolve(ctx, arg);
  if (a) ctx.steer.open(steerTarget(a, 'clamp'));
};

export const ablateFeature: Cmd = (ctx) => async (arg?: unknown) => {
  const a = await resolve(ctx, arg);
  if (a) ctx.steer.open(steerTarget(a, 'ablate'));
};
