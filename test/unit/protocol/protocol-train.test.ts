// protocol/train.ts is the one home of the training config: its schema accepts every committed run
// config, rejects bad fields by name, and package.json's mirrored defaults cannot drift from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ARCHITECTURE_INFO, ARCHITECTURES, RUN_SIZE_DEFAULTS, TRAIN_DEFAULTS, architecturesUsing, parseTrainConfig } from '../../../protocol/train';
import { expandRuns } from '../../../server/src/engine/train/sweep';
import { parseSweepConfig, sweepHooks } from '../../../protocol/sweep';
import { defaults } from '../../../webview/src/job-forms';
import { REPO_ROOT } from '../../helpers/paths';

const readJson = (rel: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, rel), 'utf8'));

test("package.json's jumplens.jobs defaults equal protocol/train.ts's quick-job run sizes", () => {
  const props = readJson('package.json').contributes.configuration.properties as Record<string, { default: unknown }>;
  assert.equal(props['jumplens.jobs.trainSteps'].default, RUN_SIZE_DEFAULTS.quick.steps);
  assert.equal(props['jumplens.jobs.dSae'].default, RUN_SIZE_DEFAULTS.quick.d_sae);
});

test('the webview train form starts from protocol/train.ts defaults', () => {
  const d = defaults('train');
  assert.equal(Number(d.steps), RUN_SIZE_DEFAULTS.form.steps);
  assert.equal(Number(d.d_sae), RUN_SIZE_DEFAULTS.form.d_sae);
  assert.equal(Number(d.lr), TRAIN_DEFAULTS.lr);
  assert.equal(Number(d.l0Coefficient), ARCHITECTURE_INFO.jumprelu.sparsityCoefficient);
  assert.equal(Number(d.k), TRAIN_DEFAULTS.k);
  assert.deepEqual(architecturesUsing('k'), ['topk', 'batchtopk']);
  assert.deepEqual(architecturesUsing('l1Coefficient'), ['standard', 'gated']);
});

test('committed run configs (default SAE, frontier sweep) parse unchanged', () => {
  const run = readJson('docs/results/default-sae/run.json');
  const parsed = parseTrainConfig({ ...run, out: '/tmp/x' }, 'run.json');
  for (const [k, v] of Object.entries(run)) assert.deepEqual((parsed as Record<string, unknown>)[k], v, k);
  const sweep = parseSweepConfig(readJson('docs/results/frontier/sweep.json'), 'sweep.json');
  // The frontier: five sites, four architectures, at least four sparsity levels each.
  assert.equal(sweepHooks(sweep).length, 5);
  const runs = expandRuns(sweep);
  for (const a of ['jumprelu', 'gated', 'topk', 'batchtopk']) assert.ok(runs.filter((r) => r.architecture === a).length >= 4, a);
  for (const r of runs) {
    const p = parseTrainConfig({ ...r.train, out: '/tmp/x' }, r.name);
    assert.ok(ARCHITECTURES.includes(p.architecture));
    assert.equal((p as Record<string, unknown>)[r.param], r.value);
  }
});

test('parseTrainConfig names the source and the field, fills lr / batch size / seed, keeps unknown keys', () => {
  const ok = parseTrainConfig({ architecture: 'topk', d_sae: 8, steps: 3, out: 'o', label: 'TopK' });
  assert.equal(ok.lr, TRAIN_DEFAULTS.lr);
  assert.equal(ok.batchSize, TRAIN_DEFAULTS.batchSize);
  assert.equal(ok.seed, TRAIN_DEFAULTS.seed);
  assert.equal((ok as Record<string, unknown>).label, 'TopK');
  const base = { architecture: 'jumprelu', d_sae: 8, steps: 3, out: 'o' };
  assert.throws(() => parseTrainConfig({ ...base, architecture: 'relu6' }, 'a.json'), /^Error: a\.json: field "architecture": unknown architecture "relu6"/);
  assert.throws(() => parseTrainConfig({ ...base, lr: 'fast' }, 'b.json'), /b\.json: field "lr"/);
  assert.throws(() => parseTrainConfig({ ...base, d_sae: 2.5 }, 'c.json'), /c\.json: field "d_sae": must be an integer ≥ 1/);
  assert.throws(() => parseTrainConfig({ ...base, thresholdParam: 'exp' }, 'd.json'), /d\.json: field "thresholdParam"/);
  assert.throws(() => parseTrainConfig({ ...base, bandwidth: Infinity }), /train config: field "bandwidth"/);
  assert.throws(() => parseTrainConfig([1, 2], 'e.json'), /e\.json/);
});

test('parseSweepConfig names the file and the field of the first problem', () => {
  const ok = { model: 'm', corpus: 'c', hooks: ['h'], out: 'o', runs: [{ architecture: 'topk', k: [4, 8] }] };
  assert.deepEqual(sweepHooks(parseSweepConfig(ok, 's.json')), ['h']);
  assert.throws(() => parseSweepConfig({ ...ok, hooks: undefined }, 's.json'), /^Error: s\.json: give "hook" or "hooks"/);
  assert.throws(
    () => parseSweepConfig({ ...ok, runs: [{ architecture: 'relu6', k: 4 }] }, 's.json'),
    /s\.json: field "runs\.0\.architecture": unknown architecture "relu6"/,
  );
  assert.throws(() => parseSweepConfig({ ...ok, common: { batchSize: 0 } }, 's.json'), /s\.json: field "common\.batchSize": must be an integer ≥ 1/);
  assert.throws(() => parseSweepConfig({ ...ok, lrSearch: { hook: 'h', lrs: [0.01] } }, 's.json'), /field "lrSearch\.lrs"/);
});
