// What the user is told when a job ends: one line with the job's outcome (L0 / FVU / Δ LM loss, as
// far as that job kind's result has them), the SAE it produced, and which actions it offers. Each
// job kind has one result shape, the one server/src/jobs/run-job.ts returns. Free of `vscode`
// (unit-tested); the client's notifications and the webview's jobs list share it.
import type { JobInfo, JobKind } from './jobs';

export const ACTION_USE_SAE = 'Use this SAE';
export const ACTION_DASHBOARD = 'Open in Dashboard';
export const ACTION_RUN_FOLDER = 'Open Run Folder';
export const ACTION_RESUME = 'Resume';

export interface JobOutcome {
  kind: 'done' | 'failed' | 'stopped';
  /** The whole message, never cut: a failure carries the daemon's full error. */
  message: string;
  /** The SAE folder the job wrote (train / finetune), for "Use this SAE". */
  sae?: string;
  actions: string[];
}

const NAME: Record<JobKind, string> = {
  train: 'Training',
  finetune: 'Fine-tuning',
  sweepThreshold: 'Threshold sweep',
  eval: 'Evaluation',
  featureStore: 'Feature store',
};

type Metrics = Record<string, number | undefined>;

/** "L0 12.3 · FVU 0.214 · Δ LM loss 0.0512" from whichever of the three are finite. */
export function metricsLine(m: { l0?: number; fvu?: number; deltaLoss?: number }): string {
  const fin = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
  const parts: string[] = [];
  if (fin(m.l0)) parts.push(`L0 ${m.l0.toPrecision(3)}`);
  if (fin(m.fvu)) parts.push(`FVU ${m.fvu.toPrecision(3)}`);
  if (fin(m.deltaLoss)) parts.push(`Δ LM loss ${m.deltaLoss.toPrecision(3)}`);
  return parts.join(' · ');
}

/** The evaluator's names; training logs explained variance, whose complement is the FVU. */
function fromMetrics(m: Metrics): { l0?: number; fvu?: number; deltaLoss?: number } {
  const ev = m['metrics/explained_variance'];
  return { l0: m['metrics/l0'], fvu: m['metrics/fvu'] ?? (ev === undefined ? undefined : 1 - ev), deltaLoss: m.delta_lm_loss };
}

/** How a notification names an SAE: the one bundled with the extension by that, any other by its path. */
export function saeName(sae: string | undefined): string {
  if (!sae) return 'the SAE';
  return /[\\/]assets[\\/]default-sae[\\/]?$/.test(sae) ? 'the bundled default SAE' : sae;
}

function doneMessage(job: JobInfo): { text: string; sae?: string } {
  const r = (job.result ?? {}) as Record<string, unknown>;
  switch (job.spec.kind) {
    case 'train':
    case 'finetune': {
      const m = metricsLine(fromMetrics((r.metrics ?? {}) as Metrics));
      const out = typeof r.out === 'string' ? r.out : undefined;
      const steps = typeof r.steps === 'number' ? ` after ${r.steps} steps` : '';
      return { text: `${NAME[job.spec.kind]} finished${steps}${m ? `: ${m}` : ''}${out ? ` — SAE in ${out}` : ''}`, sae: out };
    }
    case 'eval': {
      const m = metricsLine(fromMetrics((r.metrics ?? {}) as Metrics));
      return { text: `Evaluation of ${saeName(job.spec.sae)}${m ? `: ${m}` : ' finished'}` };
    }
    case 'sweepThreshold': {
      const rows = Array.isArray(r.rows) ? (r.rows as { scale: number; l0: number; fvu: number; delta_lm_loss: number }[]) : [];
      const each = rows.map((x) => `θ×${x.scale}: ${metricsLine({ l0: x.l0, fvu: x.fvu, deltaLoss: x.delta_lm_loss })}`);
      return { text: `Threshold sweep finished (${rows.length} scales)${each.length ? `: ${each.join('; ')}` : ''}` };
    }
    case 'featureStore': {
      const tokens = typeof r.tokens === 'number' ? ` from ${r.tokens.toLocaleString('en-US')} tokens` : '';
      return { text: `Feature store built${tokens}${typeof r.store === 'string' ? ` — ${r.store}` : ''}` };
    }
  }
}

/**
 * Whether resuming the job can continue it. Interrupted and cancelled jobs can (training continues
 * from its checkpoint, the other kinds run again). A failed job can only when it is a training job
 * that left a checkpoint: anything else would fail the same way again.
 */
export function canResume(job: Pick<JobInfo, 'state' | 'spec'>, hasCheckpoint: boolean): boolean {
  if (job.state === 'interrupted' || job.state === 'cancelled') return true;
  if (job.state === 'failed') return (job.spec.kind === 'train' || job.spec.kind === 'finetune') && hasCheckpoint;
  return false;
}

/** The notification for a job that reached a final state, or undefined while it is still queued/running. */
export function jobNotice(job: JobInfo, hasCheckpoint: boolean): JobOutcome | undefined {
  const name = NAME[job.spec.kind];
  const resume = canResume(job, hasCheckpoint) ? [ACTION_RESUME] : [];
  switch (job.state) {
    case 'done': {
      const d = doneMessage(job);
      return { kind: 'done', message: `JumpLens: ${d.text}`, sae: d.sae, actions: [...(d.sae ? [ACTION_USE_SAE] : []), ACTION_DASHBOARD, ACTION_RUN_FOLDER] };
    }
    case 'failed':
      return { kind: 'failed', message: `JumpLens: ${name} failed: ${job.error ?? 'no reason given'}`, actions: [...resume, ACTION_RUN_FOLDER] };
    case 'cancelled':
    case 'interrupted':
      return { kind: 'stopped', message: `JumpLens: ${name} ${job.state} (job ${job.id})`, actions: [...resume, ACTION_RUN_FOLDER] };
    default:
      return undefined;
  }
}
