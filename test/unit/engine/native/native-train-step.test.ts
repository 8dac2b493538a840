// The native fused step (native/, engine/native/) against the tfjs autodiff step, which stays the
// reference: from one init on the same batches, every architecture's gradients (Adam's first moment
// after step 1, since β1 = 0 makes it the gradient), losses, metrics and parameters agree to float32
// tolerance. Skips with the reason when the addon is not built or cannot run on this backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../server/src/engine/backend';
import { tf } from '../../../../server/src/engine/tf';
import { nativeTrainUnavailable } from '../../../../server/src/engine/native/native-train-step';
import { ArrayActivations } from '../../../../server/src/engine/train/activation-source';
import { resolveTrainConfig } from '../../../../server/src/engine/train/config';
import { Trainer } from '../../../../server/src/engine/train/trainer';
import type { TrainConfig, TrainProgressEvent } from '../../../../server/src/engine/train/types';
import type { HostTensors } from '../../../../server/src/engine/sae/training-sae-base';
import { syntheticActivations } from '../../../helpers/synthetic-acts';
import { tempDir } from '../../../helpers/paths';

const D_IN = 16;
const D_SAE = 64;
const STEPS = 5;
const LR = 1e-3;
const src = new ArrayActivations(syntheticActivations(4096, D_IN, 40, 3, 7), D_IN);
// deadTokensWindow of one batch: latents silent on a batch are dead at the next, so AuxK and the pre-act loss run.
const base = {
  d_sae: D_SAE,
  lr: LR,
  batchSize: 256,
  steps: 50,
  seed: 5,
  logEvery: 1,
  checkpointEvery: 0,
  lrWarmupSteps: 0,
  l0WarmupSteps: 0,
  deadTokensWindow: 256,
};

const CASES: [string, Partial<TrainConfig>][] = [
  ['jumprelu', { architecture: 'jumprelu', l0Coefficient: 0.05, bandwidth: 0.05, initThreshold: 0.05 }],
  [
    'jumprelu raw θ, pre-act loss',
    { architecture: 'jumprelu', l0Coefficient: 0.05, bandwidth: 0.05, initThreshold: 0.6, thresholdParam: 'raw', preActLossCoefficient: 0.3 },
  ],
  [
    'jumprelu quadratic_l0',
    { architecture: 'jumprelu', l0Coefficient: 0.05, bandwidth: 0.05, initThreshold: 0.05, sparsityPenalty: 'quadratic_l0', targetL0: 4 },
  ],
  ['jumprelu thresholds only', { architecture: 'jumprelu', l0Coefficient: 0.05, bandwidth: 0.1, initThreshold: 0.05, thresholdsOnly: true }],
  ['standard', { architecture: 'standard', l1Coefficient: 0.1 }],
  ['gated', { architecture: 'gated', l1Coefficient: 0.1 }],
  ['topk + AuxK', { architecture: 'topk', k: 3 }],
  ['batchtopk + AuxK', { architecture: 'batchtopk', k: 3 }],
];

function trainer(raw: TrainConfig, init: HostTensors, native: boolean): Trainer {
  const prev = process.env.JUMPLENS_NATIVE;
  if (!native) process.env.JUMPLENS_NATIVE = '0';
  try {
    return new Trainer(resolveTrainConfig(raw, D_IN), src, raw.out, { initParams: init, noExport: true });
  } finally {
    if (prev === undefined) delete process.env.JUMPLENS_NATIVE;
    else process.env.JUMPLENS_NATIVE = prev;
  }
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function diff(a: Float32Array, b: Float32Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

function close(name: string, a: number, b: number, rtol: number, atol = 1e-6): void {
  assert.ok(Math.abs(a - b) <= atol + rtol * Math.abs(b), `${name}: native ${a} vs tfjs ${b}`);
}

const METRICS = [
  'losses/mse_loss',
  'losses/sparsity_loss',
  'losses/auxiliary_loss',
  'losses/overall_loss',
  'metrics/explained_variance',
  'metrics/l0',
  'sparsity/dead_features',
] as const;

for (const [name, extra] of CASES) {
  test(`native step = tfjs step: ${name}`, async (t) => {
    await initBackend();
    const why = nativeTrainUnavailable();
    if (why) return t.skip(`native step unavailable: ${why}`);
    const dir = tempDir();
    const raw = { ...base, ...extra, out: dir.dir } as TrainConfig;
    // One paper initialisation, handed to both trainers as their initParams.
    const seedTrainer = trainer(raw, undefined as unknown as HostTensors, false);
    const init = seedTrainer.sae.snapshot();
    if (init.threshold && raw.thresholdParam !== 'raw') init.threshold = { data: init.threshold.data.map(Math.exp), shape: init.threshold.shape };
    seedTrainer.dispose();
    const before = tf.memory().numTensors;
    const nat = trainer(raw, init, true);
    const ref = trainer(raw, init, false);
    assert.notEqual((nat as unknown as { native?: unknown }).native, undefined, 'native trainer picked the native step');
    assert.equal((ref as unknown as { native?: unknown }).native, undefined, 'JUMPLENS_NATIVE=0 keeps tfjs');
    let maxAux = 0;
    for (let s = 0; s < STEPS; s++) {
      const x = nat.batchTensor(s);
      const en = nat.step(x) as TrainProgressEvent;
      const er = ref.step(x) as TrainProgressEvent;
      x.dispose();
      maxAux = Math.max(maxAux, er['losses/auxiliary_loss'] as number);
      const rtol = s === 0 ? 2e-4 : 5e-3;
      for (const k of METRICS) close(`step ${s + 1} ${k}`, en[k] as number, er[k] as number, rtol, k === 'metrics/l0' ? 0.05 : 1e-6);
      if (s === 0) {
        // β1 = 0: Adam's first moment after one step is the (projected) gradient itself.
        const mn = nat.adam.snapshot();
        const mr = ref.adam.snapshot();
        assert.deepEqual(Object.keys(mn).sort(), Object.keys(mr).sort(), 'same Adam state keys');
        for (const key of Object.keys(mr).filter((k) => k.startsWith('adam_m.'))) {
          const d = diff(mn[key].data, mr[key].data);
          assert.ok(d.max <= 2e-3 * maxAbs(mr[key].data) + 1e-7, `${key}: gradient differs by ${d.max} (max |g| ${maxAbs(mr[key].data)})`);
        }
      }
    }
    // The aux terms (AuxK, the pre-act loss, Gated's frozen-decoder loss) really ran and were compared.
    if (/AuxK|pre-act|gated/.test(name)) assert.ok(maxAux > 0, `${name}: the auxiliary loss never ran`);
    const pn = nat.sae.snapshot();
    const pr = ref.sae.snapshot();
    assert.deepEqual(Object.keys(pn).sort(), Object.keys(pr).sort());
    for (const key of Object.keys(pr)) {
      const d = diff(pn[key].data, pr[key].data);
      // Adam's update is ±lr wherever a gradient is tiny, so a float-noise sign flip moves one entry by up to 2·lr;
      // the mean difference stays far below lr.
      assert.ok(d.max <= 2 * LR * STEPS + 1e-5 * maxAbs(pr[key].data), `${key}: max difference ${d.max}`);
      assert.ok(d.mean <= 0.02 * LR + 1e-6 * maxAbs(pr[key].data), `${key}: mean difference ${d.mean}`);
    }
    nat.dispose();
    ref.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    dir.cleanup();
  });
}
