// Where a training job's checkpoint is: the trainer writes <out>/checkpoints/ckpt.safetensors
// (server/src/engine/train/trainer.ts CHECKPOINT_FILE), and a job without `out` trains into
// <run folder>/sae (server/src/jobs/run-job.ts). Free of `vscode` (unit-tested).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { JobInfo } from '../../protocol';

/** The checkpoint file of a train/finetune job, undefined for the kinds that do not checkpoint. */
export function checkpointFile(job: Pick<JobInfo, 'spec' | 'dir'>): string | undefined {
  if (job.spec.kind !== 'train' && job.spec.kind !== 'finetune') return undefined;
  return path.join(job.spec.train?.out ?? path.join(job.dir, 'sae'), 'checkpoints', 'ckpt.safetensors');
}

export function hasCheckpoint(job: Pick<JobInfo, 'spec' | 'dir'>): boolean {
  const f = checkpointFile(job);
  return f !== undefined && existsSync(f);
}
