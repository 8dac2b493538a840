// Commands that open the webviews: the dashboard panel and the feature browser view.
import * as vscode from 'vscode';
import type { Cmd } from './cmd';

export const openDashboard: Cmd = (ctx) => () => void ctx.dashboard.open();

/** Reveals the JumpLens activity-bar container, whose one view is the feature browser. */
export const openFeatureBrowser: Cmd = () => () => vscode.commands.executeCommand('workbench.view.extension.jumplens');
