// Job commands: each asks for its job's spec (prompts prefilled from the loaded SAE and the
// settings) and runs it with a progress notification; its outcome is told when it ends
// (job-notify.ts). "Show Jobs" lists them.
import { Methods, type JobKind, type StatusResult } from '../../../protocol';
import { showJobList } from '../job-list';
import { askJobSpec, jobDefaults } from '../job-spec-prompts';
import type { Cmd } from './cmd';

const runJob =
  (kind: JobKind): Cmd =>
  (ctx) =>
  async () => {
    const status = await ctx
      .need()
      .sendRequest<StatusResult>(Methods.status, {})
      .catch(() => undefined);
    const spec = await askJobSpec(kind, ctx.settings, jobDefaults(ctx.settings, status, ctx.bundledSae));
    if (spec) await ctx.jobs.run(spec);
  };

export const trainSae = runJob('train');
export const fineTuneSae = runJob('finetune');
export const thresholdSweep = runJob('sweepThreshold');
export const evaluateSae = runJob('eval');
export const buildFeatureStore = runJob('featureStore');

export const showJobs: Cmd = (ctx) => () => showJobList(ctx);
