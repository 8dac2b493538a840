// The webview's pure modules (no DOM): job-form validation and frontier extraction/export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeFields, defaults, validateForm } from '../../../webview/src/job-forms';
import { frontierCsv, frontierPoints, frontierSvg } from '../../../webview/src/frontier-data';
import type { JobInfo } from '../../../protocol';

test('train defaults become a typed TrainConfig once paths are given; JumpReLU θ₀ and ε are left to the data', () => {
  const v = { ...defaults('train'), model: 'm.bin', corpus: 'c.json', out: 'o' };
  const r = validateForm('train', v);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.spec.kind, 'train');
  assert.deepEqual([r.spec.train?.lr, r.spec.train?.batchSize, r.spec.train?.initThreshold, r.spec.train?.bandwidth], [7e-5, 4096, undefined, undefined]);
  const given = validateForm('train', { ...v, initThreshold: '0.03', bandwidth: '0.05' });
  assert.ok(given.ok && given.spec.train?.initThreshold === 0.03 && given.spec.train?.bandwidth === 0.05);
  assert.equal(r.spec.train?.k, undefined, 'k is a TopK field, not sent for JumpReLU');
  const topk = validateForm('train', { ...v, architecture: 'topk' });
  assert.ok(topk.ok && topk.spec.train?.k === 32 && topk.spec.train?.l0Coefficient === undefined);
  assert.ok(activeFields('train', { architecture: 'gated' }).some((f) => f.name === 'l1Coefficient'));
});

test('validation names each bad field and refuses to build a spec', () => {
  const r = validateForm('train', { ...defaults('train'), lr: '0', batchSize: '1e9', steps: 'ten', architecture: 'mlp' });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.errors.lr, /> 0/);
  assert.match(r.errors.batchSize, /≤ 65536/);
  assert.match(r.errors.steps, /must be a number/);
  assert.match(r.errors.architecture, /one of jumprelu/);
  assert.match(r.errors.model, /required/);
  assert.equal(r.errors.out, undefined, "an empty output folder means the job's run folder");
  assert.equal(r.errors.corpus, undefined, "an empty corpus means the daemon's bundled sample");
  const s = validateForm('sweepThreshold', { ...defaults('sweepThreshold'), sae: 's', model: 'm', corpus: 'c', scales: '1, 0, 2' });
  assert.ok(!s.ok && /> 0.*"0"/.test(s.errors.scales));
  const f = validateForm('finetune', { ...defaults('finetune'), initFrom: 's', model: 'm', corpus: 'c', out: 'o' });
  assert.ok(f.ok && f.spec.train?.thresholdsOnly === true && f.spec.train?.initFrom === 's' && f.spec.train?.steps === 500);
  const fs = validateForm('featureStore', { ...defaults('featureStore'), sae: 's', model: 'm', corpus: '/work' });
  assert.deepEqual(fs.ok && fs.spec, { kind: 'featureStore', sae: 's', model: 'm', corpus: '/work', tokens: 100000 });
  const fsBad = validateForm('featureStore', { ...defaults('featureStore'), tokens: '0' });
  assert.ok(!fsBad.ok && /Tokens must be ≥ 1/.test(fsBad.errors.tokens) && /required/.test(fsBad.errors.sae));
});

// The worker tags each result with its job's kind (server/src/jobs/worker.ts), as here.
const job = (id: string, spec: JobInfo['spec'], result: object, extra: Partial<JobInfo> = {}): JobInfo => ({
  id,
  spec,
  state: 'done',
  createdAt: '',
  dir: `/runs/${id}`,
  result: { ...result, kind: spec.kind } as JobInfo['result'],
  ...extra,
});

test("frontier points come from each job kind's one result shape, by the evaluator metric names", () => {
  // The shapes server/src/jobs/run-job.ts returns: sweepThreshold { rows, out }, eval { metrics }, train the run's fields.
  const sweepSpec = { kind: 'sweepThreshold' as const, sae: '/s', scales: [2, 1] };
  const rows = [
    { scale: 2, l0: 10, fvu: 0.2, delta_lm_loss: 0.1, loss_recovered: 0.9, dead: 3 },
    { scale: 1, l0: 20, fvu: 0.1, delta_lm_loss: Number.NaN, loss_recovered: 0.95, dead: 1 },
  ];
  const sweep = frontierPoints(job('a', sweepSpec, { rows, out: '/runs/a' }));
  assert.deepEqual(
    sweep.map((p) => [p.l0, p.fvu, p.deltaLoss, p.scale, p.path, p.architecture]),
    [
      [10, 0.2, 0.1, 2, '/s', 'jumprelu'],
      [20, 0.1, undefined, 1, '/s', 'jumprelu'],
    ],
    'the SAE a sweep rescaled is what a point loads; a NaN metric is left off',
  );
  const trainResult = {
    out: '/o',
    steps: 40,
    tokens: 1000,
    stopped: false,
    scale: 1.5,
    metrics: { 'metrics/l0': 5, 'metrics/explained_variance': 0.75 },
    config: { architecture: 'topk' },
  };
  const train = frontierPoints(job('b', { kind: 'train', train: { architecture: 'jumprelu' } }, trainResult));
  assert.deepEqual(
    train.map((p) => [p.architecture, p.path, p.l0, p.fvu, p.deltaLoss]),
    [['topk', '/o', 5, 0.25, undefined]],
    'architecture is what the run trained; FVU = 1 - EV',
  );
  const ev = frontierPoints(job('e', { kind: 'eval', sae: '/e' }, { metrics: { 'metrics/l0': 7, 'metrics/fvu': 0.3, delta_lm_loss: 0.05 } }));
  assert.deepEqual(
    ev.map((p) => [p.path, p.l0, p.fvu, p.deltaLoss]),
    [['/e', 7, 0.3, 0.05]],
  );
  assert.deepEqual(frontierPoints(job('c', sweepSpec, { rows, out: '/runs/c' }, { state: 'running' })), [], 'only finished jobs');
  assert.deepEqual(
    frontierPoints(job('d', { kind: 'featureStore', sae: '/s' }, { store: '/runs/d/features', tokens: 100 })),
    [],
    'a feature store is no frontier point',
  );
  assert.deepEqual(frontierPoints(job('f', sweepSpec, { rows: [{ ...rows[0], l0: Number.NaN }], out: '/runs/f' })), [], 'no L0, no point');

  const csv = frontierCsv([...sweep, { ...train[0], path: '/o,"x"' }]);
  const lines = csv.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[1], 'jumprelu,/s,a,2,10,0.1,0.2');
  assert.equal(lines[2], 'jumprelu,/s,a,1,20,,0.1');
  assert.equal(lines[3], 'topk,"/o,""x""",b,,5,,0.25');
  const svg = frontierSvg(sweep, 'fvu', { jumprelu: '#123456' }, '/s');
  assert.equal((svg.match(/<circle/g) ?? []).length, 2);
  assert.equal((svg.match(/stroke-width="2"/g) ?? []).length, 2, 'both /s points are the current SAE');
  assert.ok(svg.includes('fill="#123456"'));
});
