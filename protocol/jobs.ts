// Jobs: what a client asks for (JobSpec), what the daemon reports (JobInfo, JobEvent) and what each
// kind returns (JobResult, tagged by kind). The one list of final states lives here.
import { z } from 'zod';
// The training types are protocol/train.ts's; re-exported so job readers need one import.
import type { TrainConfig, TrainProgressEvent, TrainResult } from './train';

export type { TrainConfig, TrainProgressEvent, TrainResult };

export const JOB_KINDS = ['train', 'finetune', 'sweepThreshold', 'eval', 'featureStore'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** States a job never leaves (resume makes a new run of the same job, from `queued`). */
export const FINAL_JOB_STATES: readonly JobState[] = ['done', 'failed', 'cancelled', 'interrupted'];
export function isFinalState(state: JobState): boolean {
  return FINAL_JOB_STATES.includes(state);
}

const nonEmpty = (k: string) => z.string({ error: `job spec "${k}" must be a non-empty string` }).min(1, `job spec "${k}" must be a non-empty string`);

const SCALES = 'job spec "scales" must be an array of positive numbers';

/** Runtime validator of a JobSpec's shape (not whether its files exist). */
export const JobSpecSchema = z
  .object(
    {
      kind: z.enum(JOB_KINDS, { error: (i) => `unknown job kind ${JSON.stringify(i.input)}` }),
      train: z.record(z.string(), z.unknown(), { error: 'job spec "train" must be an object' }).optional(),
      sae: nonEmpty('sae').optional(),
      model: nonEmpty('model').optional(),
      corpus: nonEmpty('corpus').optional(),
      scales: z.array(z.number({ error: SCALES }).positive(SCALES).finite(SCALES), { error: SCALES }).optional(),
      tokens: z.int({ error: 'job spec "tokens" must be a positive integer' }).positive('job spec "tokens" must be a positive integer').optional(),
    },
    { error: 'job "spec" must be an object' },
  )
  .check((ctx) => {
    const s = ctx.value;
    if ((s.kind === 'train' || s.kind === 'finetune') && s.train === undefined)
      ctx.issues.push({ code: 'custom', message: `${s.kind} job needs "train" (a training config)`, input: s });
  });

export interface JobSpec {
  kind: JobKind;
  /** Training / fine-tuning config (fine-tuning sets initFrom and maybe thresholdsOnly). */
  train?: Partial<TrainConfig>;
  /** eval / sweepThreshold / featureStore: which SAE, model and corpus. */
  sae?: string;
  model?: string;
  corpus?: string;
  scales?: number[];
  tokens?: number;
}

/** Checks a job spec's shape (not whether its files exist); returns why it is malformed, or undefined. */
export function validateJobSpec(spec: unknown): string | undefined {
  const r = JobSpecSchema.safeParse(spec);
  return r.success ? undefined : r.error.issues[0].message;
}

/** One row of a threshold sweep (engine/eval/eval-command.ts ThresholdRow). */
export interface ThresholdSweepRow {
  scale: number;
  l0: number;
  fvu: number;
  delta_lm_loss: number;
  loss_recovered: number;
  dead: number;
}

/** What a finished job returns, tagged by its kind. */
export type JobResult =
  // The run's plain fields, with its resolved config (the architecture names the frontier point).
  | ({ kind: 'train' | 'finetune'; config: { architecture: string } & Record<string, unknown> } & TrainResult)
  | { kind: 'eval'; metrics: Record<string, number> }
  | { kind: 'sweepThreshold'; rows: ThresholdSweepRow[]; out: string }
  | { kind: 'featureStore'; store: string; tokens: number };

export interface JobProgress {
  step: number;
  total: number;
  message?: string;
}

export interface JobInfo {
  id: string;
  spec: JobSpec;
  state: JobState;
  createdAt: string;
  /** Run folder: .jumplens/runs/<id>/ */
  dir: string;
  progress?: JobProgress;
  error?: string;
  result?: JobResult;
}

export type JobEvent =
  | { type: 'state'; job: JobInfo }
  /** `progress` is set for every kind; `event` carries the training metrics for train / finetune. */
  | { type: 'progress'; jobId: string; progress: JobProgress; event?: TrainProgressEvent }
  | { type: 'log'; jobId: string; line: string };

/** The outcome of a finished job in one line: its state, main metrics and output path (the `$/progress` end message). */
export function jobOutcome(job: JobInfo): string {
  if (job.state !== 'done') return job.error ? `${job.state}: ${job.error}` : job.state;
  const r = job.result;
  if (!r) return 'done';
  const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? undefined : Number(v.toPrecision(4)));
  const pick = (m: Record<string, number>, keys: string[]) =>
    keys.flatMap((k) => (num(m[k]) === undefined ? [] : [`${k.replace(/^.*\//, '')} ${num(m[k])}`])).join(', ');
  switch (r.kind) {
    case 'train':
    case 'finetune':
      return `done: ${[pick(r.metrics ?? {}, ['metrics/l0', 'metrics/explained_variance', 'metrics/fvu']), r.out].filter(Boolean).join(' → ')}`;
    case 'eval':
      return `done: ${pick(r.metrics, ['metrics/l0', 'metrics/fvu', 'delta_lm_loss'])}`;
    case 'sweepThreshold':
      return `done: ${r.rows.length} scales → ${r.out}`;
    case 'featureStore':
      return `done: ${r.tokens} tokens → ${r.store}`;
  }
}

/** Reply to the job commands (`workspace/executeCommand`): the job started, cancelled or resumed. */
export interface JobCommandResult {
  jobId: string;
  state?: JobState;
}
