// The spec a palette job command sends, from the defaults (the daemon's loaded model and SAE with
// its hook, the jumplens.jobs.* settings) and the user's few choices. Free of `vscode` so it is
// unit-tested. A corpus the user did not give is left out: the daemon then uses its default corpus
// (the bundled sample); likewise a missing `out` means the job's run folder.
import type { JobKind, JobSpec } from '../../protocol';

export interface JobDefaults {
  /** The model the daemon has loaded (jumplens/status), else the jumplens.model setting. */
  model?: string;
  /** The SAE the daemon has loaded, else jumplens.sae, else the bundled one. */
  sae?: string;
  /** jumplens.hook when set, else the loaded SAE's cfg hook_name. */
  hook?: string;
  /** jumplens.jobs.corpus; empty: the daemon's default. */
  corpus?: string;
  dSae: number;
  tokens: number;
}

export interface JobChoices {
  steps?: number;
  thresholdsOnly?: boolean;
  scales?: number[];
  /** A corpus file picked for this job (over the default). */
  corpus?: string;
}

/** Copies only the defined fields, so absent choices stay absent on the wire. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;
}

export function buildJobSpec(kind: JobKind, d: JobDefaults, c: JobChoices): JobSpec {
  const corpus = c.corpus || d.corpus || undefined;
  if (kind === 'train' || kind === 'finetune') {
    const train = defined({
      model: d.model,
      hook: d.hook,
      corpus,
      steps: c.steps,
      architecture: 'jumprelu' as const,
      ...(kind === 'train' ? { d_sae: d.dSae } : {}),
    });
    if (kind === 'finetune') {
      if (!d.sae) throw new Error('no SAE is loaded to fine-tune: set jumplens.sae (JumpLens: Select SAE)');
      Object.assign(train, { initFrom: d.sae, thresholdsOnly: c.thresholdsOnly ?? false });
    }
    return defined({ kind, train, model: d.model, sae: kind === 'finetune' ? d.sae : undefined });
  }
  if (!d.sae) throw new Error(`no SAE is loaded for this job: set jumplens.sae (JumpLens: Select SAE)`);
  return defined({ kind, sae: d.sae, model: d.model, corpus, tokens: d.tokens, scales: kind === 'sweepThreshold' ? c.scales : undefined });
}

/** "0.5, 1,2" -> [0.5, 1, 2], or undefined when any entry is not a positive number. */
export function parseScales(s: string): number[] | undefined {
  const parts = s.split(/[,\s]+/).filter(Boolean);
  const vs = parts.map(Number);
  return parts.length > 0 && vs.every((v) => Number.isFinite(v) && v > 0) ? vs : undefined;
}
