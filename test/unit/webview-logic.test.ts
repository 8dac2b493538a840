// The webview's pure modules (no DOM): job-form validation and frontier extraction/export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeFields, defaults, validateForm } from '../../webview/src/job-forms';
import { frontierCsv, frontierPoints, frontierSvg } from '../../webview/src/frontier-data';
import type { JobInfo } from '../../protocol';

test('train defaults follow the paper recipe and become a typed TrainConfig once paths are given', () => {
  const v = { ...defaults('train'), model: 'm.bin', corpus: 'c.json', out: 'o' };
  const r = validateForm('train', v);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.spec.kind, 'train');
  assert.deepEqual([r.spec.train?.lr, r.spec.train?.batchSize, r.spec.train?.initThreshold, r.spec.train?.bandwidth], [7e-5, 4096, 0.001, 0.001]);
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
  assert.match(r.errors.out, /required/);
  const s = validateForm('sweepThreshold', { ...defaults('sweepThreshold'), sae: 's', model: 'm', corpus: 'c', scales: '1, 0, 2' });
  assert.ok(!s.ok && /> 0.*"0"/.test(s.errors.scales));
  const f = validateForm('finetune', { ...defaults('finetune'), initFrom: 's', model: 'm', corpus: 'c', out: 'o' });
  assert.ok(f.ok && f.spec.train?.thresholdsOnly === true && f.spec.train?.initFrom === 's' && f.spec.train?.steps === 500);
  const fs = validateForm('featureStore', { ...defaults('featureStore'), sae: 's', model: 'm', corpus: '/work' });
  assert.deepEqual(fs.ok && fs.spec, { kind: 'featureStore', sae: 's', model: 'm', corpus: '/work', tokens: 100000 });
  const fsBad = validateForm('featureStore', { ...defaults('featureStore'), tokens: '0' });
  assert.ok(!fsBad.ok && /Tokens must be ≥ 1/.test(fsBad.errors.tokens) && /required/.test(fsBad.errors.sae));
});

const job = (id: string, result: unknown, extra: Partial<JobInfo> = {}): JobInfo => ({ id, spec: { kind: 'sweepThreshold', sae: '/s' }, state: 'done', createdAt: '', dir: `/runs/${id}`, result: result as JobInfo['result'], ...extra });

test('frontier points come from sweep lists and single evaluations, by the evaluator metric names', () => {
  const sweep = frontierPoints(job('a', { points: [{ scale: 2, 'metrics/l0': 10, 'metrics/fvu': 0.2, delta_lm_loss: 0.1 }, { scale: 1, metrics: { 'metrics/l0': 20, 'metrics/explained_variance': 0.9 } }] }));
  assert.equal(sweep.length, 2);
  assert.deepEqual([sweep[0].l0, sweep[0].fvu, sweep[0].deltaLoss, sweep[0].scale, sweep[0].path, sweep[0].architecture], [10, 0.2, 0.1, 2, '/s', 'jumprelu']);
  assert.ok(Math.abs(sweep[1].fvu! - 0.1) < 1e-12, 'FVU = 1 - explained variance');
  const train = frontierPoints(job('b', { out: '/o', metrics: { 'metrics/l0': 5 } }, { spec: { kind: 'train', train: { architecture: 'topk' } } }));
  assert.deepEqual(train.map((p) => [p.architecture, p.path, p.l0]), [['topk', '/o', 5]]);
  assert.deepEqual(frontierPoints(job('c', { points: [{ 'metrics/l0': 1 }] }, { state: 'running' })), []);
  assert.deepEqual(frontierPoints(job('d', { note: 'no metrics' })), []);

  const csv = frontierCsv([...sweep, { ...train[0], path: '/o,"x"' }]);
  const lines = csv.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[1], 'jumprelu,/s,a,2,10,0.1,0.2');
  assert.equal(lines[3], 'topk,"/o,""x""",b,,5,,');
  const svg = frontierSvg(sweep, 'fvu', { jumprelu: '#123456' }, '/s');
  assert.equal((svg.match(/<circle/g) ?? []).length, 2);
  assert.equal((svg.match(/stroke-width="2"/g) ?? []).length, 2, 'both /s points are the current SAE');
  assert.ok(svg.includes('fill="#123456"'));
});
