// What the user is told when a job ends (client/src/job-outcome.ts) and the spec a palette job
// sends (client/src/job-spec.ts): the result shapes are the ones server/src/jobs/run-job.ts returns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTION_DASHBOARD, ACTION_RESUME, ACTION_RUN_FOLDER, ACTION_USE_SAE, canResume, jobNotice, metricsLine } from '../../../protocol/job-outcome';
import { buildJobSpec, parseScales, type JobDefaults } from '../../../client/src/job-spec';
import { errorText } from '../../../client/src/error-text';
import { analyzeChoices, parseAnalyzeArg } from '../../../client/src/analyze-choice';
import type { JobInfo } from '../../../protocol';

// Results carry their job's kind, as the worker tags them (server/src/jobs/worker.ts).
const job = (spec: JobInfo['spec'], state: JobInfo['state'], { result, ...extra }: Omit<Partial<JobInfo>, 'result'> & { result?: object } = {}): JobInfo => ({
  id: 'j1',
  spec,
  state,
  createdAt: '',
  dir: '/ws/.jumplens/runs/j1',
  ...extra,
  ...(result ? { result: { ...result, kind: spec.kind } as JobInfo['result'] } : {}),
});

test('a finished training job tells L0, FVU (1 - explained variance) and Δ LM loss, and offers its SAE', () => {
  const o = jobNotice(
    job({ kind: 'train', train: {} }, 'done', {
      result: { out: '/runs/j1/sae', steps: 300, tokens: 9, metrics: { 'metrics/l0': 12.345, 'metrics/explained_variance': 0.75, delta_lm_loss: 0.0512 } },
    }),
    false,
  )!;
  assert.equal(o.kind, 'done');
  assert.equal(o.message, 'JumpLens: Training finished after 300 steps: L0 12.3 · FVU 0.250 · Δ LM loss 0.0512 — SAE in /runs/j1/sae');
  assert.equal(o.sae, '/runs/j1/sae');
  assert.deepEqual(o.actions, [ACTION_USE_SAE, ACTION_DASHBOARD, ACTION_RUN_FOLDER]);
  // A metric the run could not compute is left out, not printed as NaN.
  const nan = jobNotice(
    job({ kind: 'finetune', train: {} }, 'done', { result: { out: '/o', metrics: { 'metrics/l0': 3, 'metrics/explained_variance': Number.NaN } } }),
    false,
  )!;
  assert.equal(nan.message, 'JumpLens: Fine-tuning finished: L0 3.00 — SAE in /o');
});

test('eval, sweep and feature-store outcomes read their own result shapes; only jobs that wrote an SAE offer it', () => {
  const ev = jobNotice(job({ kind: 'eval', sae: '/s' }, 'done', { result: { metrics: { 'metrics/l0': 20, 'metrics/fvu': 0.1, delta_lm_loss: 0.2 } } }), false)!;
  assert.equal(ev.message, 'JumpLens: Evaluation of /s: L0 20.0 · FVU 0.100 · Δ LM loss 0.200');
  assert.deepEqual(ev.actions, [ACTION_DASHBOARD, ACTION_RUN_FOLDER]);
  const bundled = jobNotice(
    job({ kind: 'eval', sae: '/home/u/.vscode/extensions/jumplens.jumplens-0.1.0/assets/default-sae' }, 'done', { result: { metrics: {} } }),
    false,
  )!;
  assert.equal(bundled.message, 'JumpLens: Evaluation of the bundled default SAE finished');
  const rows = [
    { scale: 0.5, l0: 40, fvu: 0.05, delta_lm_loss: 0.1, loss_recovered: 0.9 },
    { scale: 2, l0: 4, fvu: 0.3, delta_lm_loss: 0.9, loss_recovered: 0.4 },
  ];
  const sw = jobNotice(job({ kind: 'sweepThreshold', sae: '/s' }, 'done', { result: { rows, out: '/runs/j1' } }), false)!;
  assert.equal(
    sw.message,
    'JumpLens: Threshold sweep finished (2 scales): θ×0.5: L0 40.0 · FVU 0.0500 · Δ LM loss 0.100; θ×2: L0 4.00 · FVU 0.300 · Δ LM loss 0.900',
  );
  const fs = jobNotice(job({ kind: 'featureStore', sae: '/s' }, 'done', { result: { store: '/runs/j1/features/store.json', tokens: 20000 } }), false)!;
  assert.equal(fs.message, 'JumpLens: Feature store built from 20,000 tokens — /runs/j1/features/store.json');
  assert.equal(fs.sae, undefined);
  assert.equal(jobNotice(job({ kind: 'eval' }, 'running'), false), undefined, 'no outcome while running');
});

test('a failure carries the whole error, and Resume only where resuming can continue the job', () => {
  const long = `train config: give "activations", or all of "model", "hook" and "corpus" (missing hook, corpus) ${'x'.repeat(400)}`;
  const f = jobNotice(job({ kind: 'train', train: {} }, 'failed', { error: long }), false)!;
  assert.equal(f.message, `JumpLens: Training failed: ${long}`, 'never cut');
  assert.deepEqual(f.actions, [ACTION_RUN_FOLDER], 'no checkpoint: resuming would fail the same way');
  assert.deepEqual(jobNotice(job({ kind: 'train', train: {} }, 'failed', { error: 'worker crashed' }), true)!.actions, [ACTION_RESUME, ACTION_RUN_FOLDER]);
  assert.equal(canResume(job({ kind: 'eval' }, 'failed'), true), false, 'only training checkpoints');
  assert.equal(canResume(job({ kind: 'eval' }, 'interrupted'), false), true);
  assert.equal(canResume(job({ kind: 'featureStore' }, 'cancelled'), false), true);
  assert.equal(canResume(job({ kind: 'train', train: {} }, 'done'), true), false);
  assert.equal(canResume(job({ kind: 'train', train: {} }, 'running'), true), false);
  const c = jobNotice(job({ kind: 'train', train: {} }, 'cancelled'), true)!;
  assert.deepEqual([c.kind, c.actions], ['stopped', [ACTION_RESUME, ACTION_RUN_FOLDER]]);
});

test('metricsLine keeps three significant digits and drops non-finite values', () => {
  assert.equal(metricsLine({ l0: 1234.5, fvu: Number.POSITIVE_INFINITY, deltaLoss: -0.00123 }), 'L0 1.23e+3 · Δ LM loss -0.00123');
  assert.equal(metricsLine({}), '');
});

const d: JobDefaults = { model: '/m/stories260K.bin', sae: '/saes/default', hook: 'blocks.2.hook_resid_post', dSae: 256, tokens: 4096 };

test('palette specs: model and hook from the loaded SAE, corpus left out unless given, so the daemon defaults it', () => {
  assert.deepEqual(buildJobSpec('train', d, { steps: 200 }), {
    kind: 'train',
    model: '/m/stories260K.bin',
    train: { model: '/m/stories260K.bin', hook: 'blocks.2.hook_resid_post', steps: 200, architecture: 'jumprelu', d_sae: 256 },
  });
  const withCorpus = buildJobSpec('train', { ...d, corpus: '/c/setting.txt' }, { steps: 5, corpus: '/c/picked.txt' });
  assert.equal(withCorpus.train?.corpus, '/c/picked.txt', 'a picked file wins over the setting');
  assert.equal(buildJobSpec('eval', { ...d, corpus: '/c/setting.txt' }, {}).corpus, '/c/setting.txt');
  assert.ok(!('corpus' in buildJobSpec('featureStore', d, {})), 'no corpus key at all');
  assert.deepEqual(buildJobSpec('sweepThreshold', d, { scales: [0.5, 1] }), {
    kind: 'sweepThreshold',
    sae: '/saes/default',
    model: '/m/stories260K.bin',
    tokens: 4096,
    scales: [0.5, 1],
  });
  const ft = buildJobSpec('finetune', d, { steps: 50, thresholdsOnly: true });
  assert.deepEqual([ft.train?.initFrom, ft.train?.thresholdsOnly, ft.train?.d_sae, ft.sae], ['/saes/default', true, undefined, '/saes/default']);
  assert.throws(() => buildJobSpec('eval', { ...d, sae: undefined }, {}), /no SAE is loaded/);
  assert.deepEqual(parseScales('0.5, 1,2'), [0.5, 1, 2]);
  assert.equal(parseScales('1, 0'), undefined);
  assert.equal(parseScales(''), undefined);
});

test('errors are shown whole on one line, without the language client wrapper', () => {
  assert.equal(
    errorText(new Error('Request workspace/executeCommand failed with message: train config: give "activations"\n  (missing hook, corpus)')),
    'train config: give "activations" — (missing hook, corpus)',
  );
  assert.equal(errorText('plain'), 'plain');
});

test('Analyze This Document offers "on" first, so Enter never turns a .jlp file off; arguments decide without asking', () => {
  for (const now of [true, false]) {
    const c = analyzeChoices(now);
    assert.equal(c[0].on, true);
    assert.equal(c[1].on, false);
    assert.match(c[0].label, /on/);
    assert.match(c[1].label, /off/);
  }
  assert.equal(analyzeChoices(true)[0].label, 'Keep analysis on');
  assert.equal(analyzeChoices(false)[0].label, 'Turn analysis on');
  assert.deepEqual([parseAnalyzeArg('on'), parseAnalyzeArg(false), parseAnalyzeArg(undefined), parseAnalyzeArg({})], [true, false, undefined, undefined]);
});
