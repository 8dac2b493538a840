// The data-driven JumpReLU init (jumprelu-init.ts): θ₀ is each latent's quantile for the target
// initial L0, ε scales with the pre-activations, given values win, and the trainer records what it
// chose in cfg.json and keeps it across a resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../../../server/src/engine/backend';
import { ArrayActivations } from '../../../../server/src/engine/train/activation-source';
import { chooseJumpReluInit } from '../../../../server/src/engine/train/jumprelu-init';
import { mulberry32 } from '../../../../server/src/engine/train/prng';
import { trainSae } from '../../../../server/src/engine/train/trainer';
import type { TrainConfig } from '../../../../server/src/engine/train/types';
import { syntheticActivations } from '../../../helpers/synthetic-acts';
import { tempDir } from '../../../helpers/paths';

// pi: [B, d], latent i ~ scale_i · N(0, 1), so the per-latent quantiles differ.
function preActs(B: number, d: number): Float32Array {
  const rnd = mulberry32(5);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const pi = new Float32Array(B * d);
  for (let n = 0; n < B; n++) for (let i = 0; i < d; i++) pi[n * d + i] = (0.05 + 0.1 * i) * gauss();
  return pi;
}

test('θ₀ per latent gives the target initial L0, and ε is bandwidthScale × std of π', () => {
  const B = 2000,
    d = 20;
  const pi = preActs(B, d);
  const r = chooseJumpReluInit(pi, B, { d_sae: d, initL0: 2, bandwidthScale: 0.5 });
  let active = 0;
  const perLatent = new Array(d).fill(0);
  for (let n = 0; n < B; n++) {
    for (let i = 0; i < d; i++) {
      if (pi[n * d + i] > r.initThreshold[i]) {
        active++;
        perLatent[i]++;
      }
    }
  }
  assert.ok(Math.abs(active / B - 2) < 0.02, `initial L0 ${active / B}`);
  // Every latent fires on the same share (no latent starts dead), whatever its scale.
  for (const c of perLatent) assert.ok(Math.abs(c / B - 0.1) < 0.01, `share ${c / B}`);
  assert.ok(r.initThreshold[d - 1] > 5 * r.initThreshold[0], 'θ₀ follows each latent’s own scale');
  let sq = 0;
  let s = 0;
  for (const v of pi) {
    s += v;
    sq += v * v;
  }
  const std = Math.sqrt(sq / pi.length - (s / pi.length) ** 2);
  assert.ok(Math.abs(r.bandwidth - 0.5 * std) < 1e-6);
  assert.equal(r.summary.initThreshold.source, 'data');
  assert.equal(r.summary.bandwidthSource, 'data');
});

test('given θ₀ and ε are used as they are; bad inputs name the field', () => {
  const pi = preActs(100, 4);
  const r = chooseJumpReluInit(pi, 100, { d_sae: 4, initL0: 1, bandwidthScale: 0.5, initThreshold: 0.03, bandwidth: 0.07 });
  assert.deepEqual(Array.from(r.initThreshold), [0.03, 0.03, 0.03, 0.03].map(Math.fround));
  assert.equal(r.bandwidth, 0.07);
  assert.equal(r.summary.initThreshold.source, 'config');
  assert.throws(() => chooseJumpReluInit(pi, 100, { d_sae: 4, initL0: 4, bandwidthScale: 0.5 }), /"initL0"/);
  assert.throws(() => chooseJumpReluInit(pi, 100, { d_sae: 4, initL0: 1, bandwidthScale: 0 }), /"bandwidthScale"/);
  assert.throws(() => chooseJumpReluInit(pi, 99, { d_sae: 4, initL0: 1, bandwidthScale: 0.5 }), /expected batch 99/);
});

test('the trainer starts at L0 ≈ initL0, states θ₀/ε in cfg.json, and a resume keeps the chosen ε', async () => {
  await initBackend();
  const src = new ArrayActivations(syntheticActivations(4000, 16, 48, 3), 16);
  const a = tempDir(),
    b = tempDir();
  const cfg = (out: string) =>
    ({
      architecture: 'jumprelu',
      d_sae: 64,
      steps: 30,
      lr: 3e-3,
      batchSize: 256,
      seed: 3,
      l0Coefficient: 0.05,
      logEvery: 1,
      checkpointEvery: 10,
      out,
    }) as TrainConfig;
  const first: number[] = [];
  const straight = await trainSae(cfg(a.dir), src, { onProgress: (e) => first.push(e['metrics/l0']) });
  assert.ok(Math.abs(first[0] - 2) < 0.5, `step-1 L0 ${first[0]} (initL0 = 64/32 = 2)`);
  const meta = JSON.parse(readFileSync(path.join(a.dir, 'cfg.json'), 'utf8')).metadata.jumplens_training;
  assert.equal(meta.config.thresholdParam, 'raw');
  assert.equal(meta.config.initL0, 2);
  assert.ok(meta.config.bandwidth > 0 && meta.config.bandwidth === meta.jumprelu_init.bandwidth);
  assert.equal(meta.jumprelu_init.initThreshold.source, 'data');
  let calls = 0;
  (await trainSae(cfg(b.dir), src, { shouldStop: () => ++calls > 15 })).dispose();
  const resumed = await trainSae(cfg(b.dir), src, { resume: true });
  assert.equal(resumed.config.bandwidth, straight.config.bandwidth);
  const s1 = straight.sae.snapshot(),
    s2 = resumed.sae.snapshot();
  for (const k of Object.keys(s1)) for (let i = 0; i < s1[k].data.length; i++) assert.ok(Math.abs(s1[k].data[i] - s2[k].data[i]) < 1e-6, `${k}[${i}]`);
  straight.dispose();
  resumed.dispose();
  a.cleanup();
  b.cleanup();
});
