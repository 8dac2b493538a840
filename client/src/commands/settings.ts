// Commands that pick the model and SAE: they set the workspace setting and the daemon reloads.
import * as vscode from 'vscode';
import type { Cmd } from './cmd';

export const selectModel: Cmd = (ctx) => async () => {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Use this model',
    filters: { 'Models (llama2.c .bin, safetensors, config.json)': ['bin', 'safetensors', 'json'] },
  });
  if (picked?.[0]) await ctx.updateSetting('model', picked[0].fsPath);
};

export const selectSae: Cmd = (ctx) => async () => {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    canSelectFiles: false,
    canSelectFolders: true,
    openLabel: 'Use this SAE (SAELens folder)',
  });
  if (picked?.[0]) await ctx.updateSetting('sae', picked[0].fsPath);
};
