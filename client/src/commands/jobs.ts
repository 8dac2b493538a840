// Job commands: each asks for its job's spec and runs it with a progress notification, and
// "Show Jobs" lists them.
import type { JobKind } from '../../../protocol';
import { showJobList } from '../job-list';
import { askJobSpec } from '../job-spec-prompts';
import type { Cmd } from './cmd';

const runJob =
  (kind: JobKind): Cmd =>
  (ctx) =>
  async () => {
    ctx.need();
    const spec = await askJobSpec(kind, ctx.settings, ctx.bundledSae);
    if (spec) await ctx.jobs.run(spec);
  };

export const trainSae = runJob('train');
export const fineTuneSae = runJob('finetune');
export const thresholdSweep = runJob('sweepThreshold');
export const evaluateSae = runJob('eval');
export const buildFeatureStore = runJob('featureStore');

export const showJobs: Cmd = (ctx) => () => showJobList(ctx);
