// Every command the extension contributes, in package.json's order, each from its factory. The
// table is the one place a command id meets its handler (test/unit/client-commands.test.ts holds
// it to package.json's contributes.commands).
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { errorText } from '../error-text';
import { analyzeDocument, focusFeature, toggleDecorations } from './analysis';
import type { Cmd } from './cmd';
import { restartDaemon, showStatus } from './daemon';
import { buildFeatureStore, evaluateSae, fineTuneSae, showJobs, thresholdSweep, trainSae } from './jobs';
import { openDashboard, openFeatureBrowser } from './panels';
import { pinHover } from './pin-hover';
import { selectModel, selectSae } from './settings';
import { ablateFeature, steerFeature } from './steer';

export type { Cmd } from './cmd';

export const COMMANDS: Readonly<Record<string, Cmd>> = {
  'jumplens.selectModel': selectModel,
  'jumplens.selectSae': selectSae,
  'jumplens.analyzeDocument': analyzeDocument,
  'jumplens.toggleDecorations': toggleDecorations,
  'jumplens.focusFeature': focusFeature,
  'jumplens.trainSae': trainSae,
  'jumplens.fineTuneSae': fineTuneSae,
  'jumplens.thresholdSweep': thresholdSweep,
  'jumplens.evaluateSae': evaluateSae,
  'jumplens.buildFeatureStore': buildFeatureStore,
  'jumplens.showJobs': showJobs,
  'jumplens.restartDaemon': restartDaemon,
  'jumplens.showStatus': showStatus,
  'jumplens.openDashboard': openDashboard,
  'jumplens.openFeatureBrowser': openFeatureBrowser,
  'jumplens.steerFeature': steerFeature,
  'jumplens.ablateFeature': ablateFeature,
  'jumplens.pinHover': pinHover,
};

/** A handler whose failure becomes an error notification (and a log line), not a silent rejection. */
function guarded(ctx: Ctx, id: string, f: (...args: unknown[]) => unknown): (...args: unknown[]) => Promise<unknown> {
  return async (...args) => {
    try {
      return await f(...args);
    } catch (e) {
      const msg = errorText(e);
      ctx.output.appendLine(`${id} failed: ${msg}`);
      void vscode.window.showErrorMessage(`JumpLens: ${msg}`);
    }
  };
}

export function registerCommands(ctx: Ctx): void {
  for (const [id, make] of Object.entries(COMMANDS)) ctx.extension.subscriptions.push(vscode.commands.registerCommand(id, guarded(ctx, id, make(ctx))));
}
