// The palette's job commands ask for a job's few free choices (steps, fine-tune mode, threshold
// scales, corpus) with every prompt prefilled, so Enter through them runs on defaults. The model
// and hook come from the SAE the daemon has loaded. The dashboard's forms
// (webview/src/job-forms.ts) are the way to set every field.
import * as path from 'node:path';
import { RUN_SIZE_DEFAULTS } from '../../protocol/train';
import * as vscode from 'vscode';
import type { JobKind, JobSpec, StatusResult } from '../../protocol';
import { buildJobSpec, parseScales, type JobChoices, type JobDefaults } from './job-spec';

const DEFAULT_SCALES = '0.5, 0.75, 1, 1.25, 1.5';
export const CHOOSE_CORPUS = 'Choose corpus file…';

/** What a job starts from: the daemon's loaded model/SAE (status), over the settings. */
export function jobDefaults(cfg: vscode.WorkspaceConfiguration, status: StatusResult | undefined, bundledSae: string | undefined): JobDefaults {
  return {
    model: status?.model?.path || cfg.get<string>('model') || undefined,
    sae: status?.sae?.path || cfg.get<string>('sae') || bundledSae,
    hook: cfg.get<string>('hook') || status?.sae?.hook || undefined,
    corpus: cfg.get<string>('jobs.corpus') || undefined,
    dSae: cfg.get<number>('jobs.dSae', RUN_SIZE_DEFAULTS.quick.d_sae),
    tokens: cfg.get<number>('jobs.evalTokens', 4096),
  };
}

/** The corpus for this job: undefined = the default (Enter), a path = picked, null = dismissed. */
async function askCorpus(d: JobDefaults): Promise<string | undefined | null> {
  const def = d.corpus
    ? { label: `$(file) ${path.basename(d.corpus)}`, description: 'jumplens.jobs.corpus', detail: d.corpus }
    : { label: '$(book) Default corpus', description: "the daemon's bundled sample (set jumplens.jobs.corpus to change)" };
  const pick = await vscode.window.showQuickPick([def, { label: `$(folder-opened) ${CHOOSE_CORPUS}`, description: 'a .txt, .json or .jsonl file' }], {
    placeHolder: 'Corpus (Enter: the default)',
  });
  if (!pick) return null;
  if (pick === def) return undefined;
  const f = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use this corpus', filters: { 'Text corpus': ['txt', 'json', 'jsonl'] } });
  return f?.[0] ? f[0].fsPath : null;
}

/** The spec of a `kind` job, or undefined when the user dismissed a prompt. */
export async function askJobSpec(kind: JobKind, cfg: vscode.WorkspaceConfiguration, d: JobDefaults): Promise<JobSpec | undefined> {
  const c: JobChoices = {};
  if (kind === 'train' || kind === 'finetune') {
    const steps = await vscode.window.showInputBox({
      prompt: `${kind === 'train' ? 'Training' : 'Fine-tuning'} steps (Enter: ${cfg.get<number>('jobs.trainSteps', RUN_SIZE_DEFAULTS.quick.steps)})`,
      value: String(cfg.get<number>('jobs.trainSteps', RUN_SIZE_DEFAULTS.quick.steps)),
      validateInput: (v) => (/^\d+$/.test(v) && Number(v) > 0 ? undefined : 'a positive integer'),
    });
    if (steps === undefined) return undefined;
    c.steps = Number(steps);
    if (kind === 'finetune') {
      const mode = await vscode.window.showQuickPick(['All parameters', 'Thresholds only'], {
        placeHolder: `What to fine-tune in ${d.sae ?? 'the SAE'} (Enter: all parameters)`,
      });
      if (!mode) return undefined;
      c.thresholdsOnly = mode === 'Thresholds only';
    }
  }
  if (kind === 'sweepThreshold') {
    const s = await vscode.window.showInputBox({
      prompt: 'Threshold scales, comma-separated (Enter: the defaults)',
      value: DEFAULT_SCALES,
      validateInput: (v) => (parseScales(v) ? undefined : 'positive numbers separated by commas'),
    });
    if (s === undefined) return undefined;
    c.scales = parseScales(s);
  }
  const corpus = await askCorpus(d);
  if (corpus === null) return undefined;
  c.corpus = corpus;
  return buildJobSpec(kind, d, c);
}
