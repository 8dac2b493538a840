// "Focus Feature": recolour a document by one feature's activations. The command takes a feature
// index (from the feature browser), a string (from the palette's argument), an object with the
// document (hover links), or nothing (asks; running it again on the focused feature clears it).
import * as vscode from 'vscode';
import { Methods, type FocusFeatureParams, type FocusFeatureResult } from '../../protocol';
import type { Ctx } from './ctx';

export type FocusArg = number | string | { feature: number; uri?: string } | undefined;

/** The feature and document a Focus Feature argument names (feature undefined: ask the user). */
export function parseFocusArg(arg: FocusArg): { feature?: number; uri?: string } {
  if (typeof arg === 'number') return { feature: arg };
  if (typeof arg === 'string') return arg.trim() === '' ? {} : { feature: Number(arg) };
  if (arg && typeof arg === 'object') return { feature: arg.feature, uri: arg.uri };
  return {};
}

export async function focusFeature(ctx: Ctx, arg: FocusArg): Promise<void> {
  let { feature, uri } = parseFocusArg(arg);
  uri ??= ctx.activeUri();
  const { decorations } = ctx;
  if (feature === undefined) {
    const s = await vscode.window.showInputBox({
      prompt: 'Feature index to focus (empty clears the focus)',
      validateInput: (v) => (v === '' || /^\d+$/.test(v) ? undefined : 'a non-negative integer'),
    });
    if (s === undefined) return;
    if (s === '') return decorations.setFocus(uri, undefined);
    feature = Number(s);
  }
  if (!Number.isInteger(feature) || feature < 0) throw new Error(`feature must be a non-negative integer, got ${String(feature)}`);
  if (decorations.focusedFeature(uri) === feature && arg === undefined) return decorations.setFocus(uri, undefined);
  const r = await ctx.need().sendRequest<FocusFeatureResult>(Methods.focusFeature, { uri, feature } satisfies FocusFeatureParams);
  decorations.setFocus(uri, r);
  vscode.window.setStatusBarMessage(`JumpLens: focused feature #${feature}${r.label ? ` (${r.label})` : ''}`, 4000);
  // Hover links (object argument) also open the feature browser, when the webview registers it;
  // calls from the browser itself pass a number, so this never loops.
  if (typeof arg === 'object' && (await vscode.commands.getCommands(true)).includes('jumplens.openFeatureBrowser')) {
    await vscode.commands.executeCommand('jumplens.openFeatureBrowser', { feature });
  }
}
