// The palette's job commands ask for a job's few free choices (steps, fine-tune mode, threshold
// scales) in input boxes and fill the rest from the `jumplens.*` settings. The dashboard's forms
// (webview/src/job-forms.ts) are the way to set every field.
import { RUN_SIZE_DEFAULTS } from '../../protocol/train';
import * as vscode from 'vscode';
import type { JobKind, JobSpec } from '../../protocol';

const DEFAULT_SCALES = '0.5, 0.75, 1, 1.25, 1.5';

/** The spec of a `kind` job, or undefined when the user dismissed a prompt. */
export async function askJobSpec(kind: JobKind, cfg: vscode.WorkspaceConfiguration, bundledSae: string | undefined): Promise<JobSpec | undefined> {
  const model = cfg.get<string>('model') || undefined;
  const sae = cfg.get<string>('sae') || bundledSae;
  const hook = cfg.get<string>('hook') || undefined;
  const corpus = cfg.get<string>('jobs.corpus') || undefined;
  const out = cfg.get<string>('jobs.runsDir') || undefined;
  if (kind === 'train' || kind === 'finetune') {
    const steps = await vscode.window.showInputBox({
      prompt: `${kind === 'train' ? 'Training' : 'Fine-tuning'} steps`,
      value: String(cfg.get<number>('jobs.trainSteps', RUN_SIZE_DEFAULTS.quick.steps)),
      validateInput: (v) => (/^\d+$/.test(v) && Number(v) > 0 ? undefined : 'a positive integer'),
    });
    if (steps === undefined) return undefined;
    const train: JobSpec['train'] = { model, hook, corpus, steps: Number(steps), d_sae: cfg.get<number>('jobs.dSae', RUN_SIZE_DEFAULTS.quick.d_sae), architecture: 'jumprelu', ...(out ? { out } : {}) };
    if (kind === 'finetune') {
      if (!sae) throw new Error('set jumplens.sae (JumpLens: Select SAE) to fine-tune it');
      const mode = await vscode.window.showQuickPick(['All parameters', 'Thresholds only'], { placeHolder: 'What to fine-tune' });
      if (!mode) return undefined;
      Object.assign(train, { initFrom: sae, thresholdsOnly: mode === 'Thresholds only' });
    }
    return { kind, train, model, sae };
  }
  const tokens = cfg.get<number>('jobs.evalTokens', 4096);
  if (kind === 'sweepThreshold') {
    const s = await vscode.window.showInputBox({
      prompt: 'Threshold scales (comma-separated)',
      value: DEFAULT_SCALES,
      validateInput: (v) => (v.split(',').every((x) => Number(x) > 0) ? undefined : 'positive numbers separated by commas'),
    });
    if (s === undefined) return undefined;
    return { kind, sae, model, corpus, tokens, scales: s.split(',').map(Number) };
  }
  return { kind, sae, model, corpus, tokens };
}
