// The training loop on synthetic sparse activations: every architecture learns, JumpReLU's L0
// responds to λ, checkpoint + resume reproduces an uninterrupted run, the export folds the input
// normalisation correctly, and nothing leaks tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../../../server/src/engine/backend';
import { tf } from '../../../../server/src/engine/tf';
import { readSafetensors } from '../../../../server/src/engine/io/safetensors';
import { ArrayActivations } from '../../../../server/src/engine/train/activation-source';
import { CHECKPOINT_FILE, trainSae } from '../../../../server/src/engine/train/trainer';
import type { TrainConfig } from '../../../../server/src/engine/train/types';
import { syntheticActivations } from '../../../helpers/synthetic-acts';
import { tempDir } from '../../../helpers/paths';

const D_IN = 16;
const src = new ArrayActivations(syntheticActivations(8000, D_IN, 48, 3), D_IN);
const base = { d_sae: 64, lr: 3e-3, batchSize: 256, seed: 3, logEvery: 50 };

for (const [arch, extra] of [
  ['jumprelu', { l0Coefficient: 0.05, bandwidth: 0.05, initThreshold: 0.05 }],
  ['standard', { l1Coefficient: 0.1 }],
  ['gated', { l1Coefficient: 0.1 }],
  ['topk', { k: 3 }],
  ['batchtopk', { k: 3 }],
] as const) {
  test(`${arch}: explained variance rises well above its start and outputs a SAELens directory`, async () => {
    await initBackend();
    const t = tempDir();
    const events: number[] = [];
    const before = tf.memory().numTensors;
    const run = await trainSae({ architecture: arch, steps: 300, out: t.dir, ...base, ...extra } as TrainConfig, src, {
      onProgress: (e) => events.push(e['metrics/explained_variance']),
    });
    assert.ok(events[0] < 0.5, `first EV ${events[0]}`);
    assert.ok(events.at(-1)! > 0.7, `final EV ${events.at(-1)}`);
    const cfg = JSON.parse(readFileSync(path.join(t.dir, 'cfg.json'), 'utf8'));
    assert.equal(cfg.architecture, arch === 'batchtopk' ? 'jumprelu' : arch);
    assert.equal(cfg.d_in, D_IN);
    assert.equal(cfg.apply_b_dec_to_input, false);
    const w = readSafetensors(path.join(t.dir, 'sae_weights.safetensors'));
    assert.deepEqual(w.get('W_enc')!.shape, [D_IN, 64]);
    assert.deepEqual(w.get('W_dec')!.shape, [64, D_IN]);
    if (arch === 'topk' || arch === 'batchtopk') assert.ok(run.metrics['metrics/l0'] <= 3.2);
    const log = readFileSync(path.join(t.dir, 'train-log.jsonl'), 'utf8').trim().split('\n');
    assert.equal(JSON.parse(log.at(-1)!).step, 300);
    run.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    t.cleanup();
  });
}

test('jumprelu: a larger λ gives a smaller L0', async () => {
  await initBackend();
  const l0s: number[] = [];
  for (const lambda of [0.01, 0.3]) {
    const t = tempDir();
    const run = await trainSae(
      { architecture: 'jumprelu', steps: 300, out: t.dir, ...base, l0Coefficient: lambda, bandwidth: 0.05, initThreshold: 0.05 } as TrainConfig,
      src,
    );
    l0s.push(run.metrics['metrics/l0']);
    run.dispose();
    t.cleanup();
  }
  assert.ok(l0s[1] < 0.7 * l0s[0], `L0 at λ=0.01: ${l0s[0]}, at λ=0.3: ${l0s[1]}`);
});

test('jumprelu with the quadratic L0 penalty lands near its target L0', async () => {
  await initBackend();
  const t = tempDir();
  const run = await trainSae(
    {
      architecture: 'jumprelu',
      steps: 300,
      out: t.dir,
      ...base,
      sparsityPenalty: 'quadratic_l0',
      targetL0: 4,
      l0Coefficient: 0.05,
      bandwidth: 0.05,
      initThreshold: 0.05,
      thresholdParam: 'raw',
    } as TrainConfig,
    src,
  );
  const l0 = run.metrics['metrics/l0'];
  assert.ok(l0 > 2.5 && l0 < 6, `L0 ${l0}, target 4`);
  run.dispose();
  t.cleanup();
});

test('decoder rows stay at unit norm after training', async () => {
  await initBackend();
  const t = tempDir();
  const run = await trainSae({ architecture: 'standard', steps: 50, out: t.dir, ...base } as TrainConfig, src);
  const norms = tf.tidy(() => tf.norm(run.sae.v('W_dec'), 'euclidean', 1).dataSync());
  for (const n of norms) assert.ok(Math.abs(n - 1) < 1e-4, `row norm ${n}`);
  run.dispose();
  t.cleanup();
});

test('exported weights take raw activations: x̂_raw = C·x̂_train and latents = C·f_train', async () => {
  await initBackend();
  const t = tempDir();
  for (const arch of ['jumprelu', 'gated', 'topk'] as const) {
    const run = await trainSae(
      { architecture: arch, steps: 60, out: t.dir, ...base, k: 3, l0Coefficient: 0.05, bandwidth: 0.05, initThreshold: 0.05 } as TrainConfig,
      src,
      { noExport: true },
    );
    const C = run.scale;
    assert.ok(C > 0 && C !== 1);
    const { params } = run.sae.exportParams(C);
    const rows = src.batch(0, 64, 9);
    const [fErr, xErr] = tf.tidy(() => {
      const xRaw = tf.tensor2d(rows, [64, D_IN]);
      const fTrain = run.sae.encode(tf.div(xRaw, C) as never);
      const xTrain = run.sae.decode(fTrain);
      const P = (n: string) => tf.tensor(params[n].data, params[n].shape);
      let f: tf.Tensor;
      if (arch === 'gated') {
        const g = tf.matMul(xRaw, P('W_enc'));
        f = tf.mul(tf.cast(tf.greater(tf.add(g, P('b_gate')), 0), 'float32'), tf.relu(tf.add(tf.mul(g, tf.exp(P('r_mag'))), P('b_mag'))));
      } else {
        const pi = tf.add(tf.matMul(xRaw, P('W_enc')), P('b_enc'));
        if (arch === 'jumprelu') f = tf.mul(pi, tf.cast(tf.greater(pi, P('threshold')), 'float32'));
        else {
          const kth = tf.slice(tf.topk(pi, 3).values, [0, 2], [-1, 1]);
          f = tf.mul(tf.relu(pi), tf.cast(tf.greaterEqual(pi, kth), 'float32'));
        }
      }
      const xHat = tf.add(tf.matMul(f, P('W_dec')), P('b_dec'));
      return [tf.max(tf.abs(tf.sub(f, tf.mul(fTrain, C)))).dataSync()[0], tf.max(tf.abs(tf.sub(xHat, tf.mul(xTrain, C)))).dataSync()[0]];
    });
    assert.ok(fErr < 1e-3 * C, `${arch} latents differ by ${fErr}`);
    assert.ok(xErr < 1e-3 * C, `${arch} reconstructions differ by ${xErr}`);
    run.dispose();
  }
  t.cleanup();
});

test('resume after a stop reproduces the uninterrupted run exactly', async () => {
  await initBackend();
  const a = tempDir(),
    b = tempDir();
  const cfg = (out: string) =>
    ({ architecture: 'jumprelu', steps: 40, out, ...base, l0Coefficient: 0.05, bandwidth: 0.05, initThreshold: 0.05, checkpointEvery: 10 }) as TrainConfig;
  const straight = await trainSae(cfg(a.dir), src);
  let calls = 0;
  const half = await trainSae(cfg(b.dir), src, { shouldStop: () => ++calls > 25 });
  assert.equal(half.stopped, true);
  assert.equal(half.steps, 25);
  assert.ok(existsSync(path.join(b.dir, CHECKPOINT_FILE)));
  assert.ok(!existsSync(path.join(b.dir, 'cfg.json')));
  half.dispose();
  const resumed = await trainSae(cfg(b.dir), src, { resume: true });
  assert.equal(resumed.steps, 40);
  assert.equal(resumed.tokens, straight.tokens);
  const s1 = straight.sae.snapshot(),
    s2 = resumed.sae.snapshot();
  for (const k of Object.keys(s1)) {
    let maxDiff = 0;
    for (let i = 0; i < s1[k].data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(s1[k].data[i] - s2[k].data[i]));
    assert.ok(maxDiff < 1e-6, `${k} differs by ${maxDiff}`);
  }
  const steps = readFileSync(path.join(b.dir, 'train-log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).step);
  assert.deepEqual(
    steps,
    [...new Set(steps)].sort((x, y) => x - y),
    'log has repeated or unordered steps',
  );
  straight.dispose();
  resumed.dispose();
  a.cleanup();
  b.cleanup();
});

test('bad configuration and activations raise errors naming the field', async () => {
  await initBackend();
  await assert.rejects(trainSae({ architecture: 'relu6' as never, d_sae: 8, lr: 1e-3, batchSize: 8, steps: 1, seed: 0, out: '/tmp/x' }, src), /architecture/);
  await assert.rejects(trainSae({ architecture: 'topk', k: 0, d_sae: 8, lr: 1e-3, batchSize: 8, steps: 1, seed: 0, out: '/tmp/x' }, src), /"k"/);
  await assert.rejects(trainSae({ architecture: 'jumprelu', d_sae: 8, lr: 1e-3, batchSize: 8, steps: 1.5, seed: 0, out: '/tmp/x' }, src), /"steps"/);
  assert.throws(() => new ArrayActivations(new Float32Array([1, NaN, 0, 0]), 2, 'acts.npy'), /acts\.npy.*non-finite.*row 0/);
});
