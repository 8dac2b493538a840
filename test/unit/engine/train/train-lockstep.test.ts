// Lockstep training (engine/train/lockstep.ts): SAEs stepped together on one batch stream end exactly
// where each would alone, stop + resume in lockstep equals an uninterrupted run, the held-out curve
// measures the weights of the step it names (not stale ones), and mismatched SAEs are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../server/src/engine/backend';
import { tf } from '../../../../server/src/engine/tf';
import { ArrayActivations } from '../../../../server/src/engine/train/activation-source';
import { resolveTrainConfig } from '../../../../server/src/engine/train/config';
import { assertLockstepCompatible, trainLockstep, type CurvePoint } from '../../../../server/src/engine/train/lockstep';
import { Trainer, trainSae, type HostTensors } from '../../../../server/src/engine/train/trainer';
import type { TrainConfig } from '../../../../server/src/engine/train/types';
import { evaluateSae } from '../../../../server/src/engine/eval/sae-metrics';
import { loadSaeLensDir } from '../../../../server/src/engine/sae/io/saelens-dir';
import { syntheticActivations } from '../../../helpers/synthetic-acts';
import { tempDir } from '../../../helpers/paths';

const D_IN = 16;
const src = new ArrayActivations(syntheticActivations(6000, D_IN, 48, 3), D_IN);
const held = syntheticActivations(2000, D_IN, 48, 3, 7);
const base = { d_sae: 64, lr: 3e-3, batchSize: 256, seed: 5, steps: 60, logEvery: 10, checkpointEvery: 0 };
// JumpReLU with θ₀/ε from the data, an L1 SAE and a TopK one: three different native/tfjs steps.
const RUNS: Partial<TrainConfig>[] = [
  { architecture: 'jumprelu', l0Coefficient: 0.02 },
  { architecture: 'gated', l1Coefficient: 0.1 },
  { architecture: 'topk', k: 3 },
];

function trainers(dir: string, resume = false): Trainer[] {
  return RUNS.map((r, i) => {
    const cfg = { ...base, ...r, out: `${dir}/${i}` } as TrainConfig;
    return new Trainer(resolveTrainConfig(cfg, D_IN), src, cfg.out, { resume });
  });
}

function assertSameParams(a: HostTensors, b: HostTensors, what: string): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), what);
  for (const k of Object.keys(a)) {
    let worst = 0;
    for (let i = 0; i < a[k].data.length; i++) worst = Math.max(worst, Math.abs(a[k].data[i] - b[k].data[i]));
    assert.equal(worst, 0, `${what}: ${k} differs by up to ${worst}`);
  }
}

test('SAEs trained in lockstep on one stream end with exactly the parameters each gets alone', async () => {
  await initBackend();
  const t = tempDir();
  const before = tf.memory().numTensors;
  const alone: HostTensors[] = [];
  for (const [i, r] of RUNS.entries()) {
    const run = await trainSae({ ...base, ...r, out: `${t.dir}/alone-${i}` } as TrainConfig, src, { noExport: true });
    alone.push(run.sae.snapshot());
    run.dispose();
  }
  const ts = trainers(`${t.dir}/lock`);
  const r = await trainLockstep(ts);
  assert.equal(r.stopped, false);
  for (const [i, tr] of ts.entries()) {
    assert.equal(tr.stepIndex, base.steps);
    assertSameParams(tr.sae.snapshot(), alone[i], RUNS[i].architecture!);
    tr.dispose();
  }
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  t.cleanup();
});

test('a lockstep run stopped part-way and resumed ends where an uninterrupted one does', async () => {
  await initBackend();
  const t = tempDir();
  const whole = trainers(`${t.dir}/whole`);
  await trainLockstep(whole);
  const first = trainers(`${t.dir}/split`);
  let polls = 0;
  const r1 = await trainLockstep(first, { shouldStop: () => ++polls > 23 });
  assert.equal(r1.stopped, true);
  assert.deepEqual(
    first.map((x) => x.stepIndex),
    [23, 23, 23],
  );
  for (const x of first) x.dispose();
  const resumed = trainers(`${t.dir}/split`, true);
  assert.deepEqual(
    resumed.map((x) => x.stepIndex),
    [23, 23, 23],
    'resumed from the checkpoints written on stop',
  );
  await trainLockstep(resumed);
  for (const [i, x] of resumed.entries()) {
    assertSameParams(x.sae.snapshot(), whole[i].sae.snapshot(), `resumed ${RUNS[i].architecture}`);
    x.dispose();
    whole[i].dispose();
  }
  t.cleanup();
});

test('the held-out curve measures the weights of its own step, equal to the exported SAE at the end', async () => {
  await initBackend();
  const t = tempDir();
  const ts = trainers(t.dir);
  const curves: CurvePoint[][] = ts.map(() => []);
  await trainLockstep(ts, { heldOut: { data: held, dIn: D_IN }, evalEvery: 20, onEval: (i, p) => curves[i].push(p) });
  for (const [i, tr] of ts.entries()) {
    const what = RUNS[i].architecture!;
    assert.deepEqual(
      curves[i].map((p) => p.step),
      [20, 40, 60],
      what,
    );
    // Training keeps improving the reconstruction here, so a curve read from cached (stale) weights
    // would stay flat after its first point.
    assert.ok(curves[i][2]['metrics/fvu'] < curves[i][0]['metrics/fvu'], `${what}: FVU ${curves[i].map((p) => p['metrics/fvu'])}`);
    tr.finish({ ...base, ...RUNS[i], out: tr.out } as TrainConfig);
    const exported = loadSaeLensDir(tr.out);
    const m = evaluateSae(exported, held, D_IN).metrics;
    exported.dispose();
    assert.ok(
      Math.abs(m['metrics/fvu'] - curves[i][2]['metrics/fvu']) < 1e-4,
      `${what}: exported FVU ${m['metrics/fvu']} vs curve ${curves[i][2]['metrics/fvu']}`,
    );
    assert.ok(Math.abs(m['metrics/l0'] - curves[i][2]['metrics/l0']) < 1e-3, `${what}: L0`);
    tr.dispose();
  }
  t.cleanup();
});

test('SAEs that cannot share batches are refused with the run and the reason', async () => {
  await initBackend();
  const t = tempDir();
  const a = new Trainer(resolveTrainConfig({ ...base, architecture: 'topk', k: 3, out: `${t.dir}/a` } as TrainConfig, D_IN), src, `${t.dir}/a`);
  const b = new Trainer(resolveTrainConfig({ ...base, batchSize: 128, architecture: 'topk', k: 3, out: `${t.dir}/b` } as TrainConfig, D_IN), src, `${t.dir}/b`);
  assert.throws(() => assertLockstepCompatible([a, b]), /lockstep: .*\/b has batch size 128 \(not 256\)/);
  a.dispose();
  b.dispose();
  t.cleanup();
});

test('a trainer that diverges is reported and dropped; the others finish as they would alone', async () => {
  await initBackend();
  const t = tempDir();
  const ts = trainers(`${t.dir}/ok`);
  const alone = trainers(`${t.dir}/alone`);
  await trainLockstep(alone);
  const cfg = { ...base, architecture: 'topk', k: 3, lr: 1e30, out: `${t.dir}/bad` } as TrainConfig;
  const bad = new Trainer(resolveTrainConfig(cfg, D_IN), src, cfg.out);
  const errors: [number, string][] = [];
  await trainLockstep([ts[0], bad, ts[1], ts[2]], { onError: (i, e) => errors.push([i, e.message]) });
  assert.equal(errors.length, 1);
  assert.equal(errors[0][0], 1);
  assert.match(errors[0][1], /non-finite|NaN|Infinity/i);
  assert.ok(bad.stepIndex < base.steps);
  for (const [i, x] of ts.entries()) {
    assertSameParams(x.sae.snapshot(), alone[i].sae.snapshot(), `${RUNS[i].architecture} beside a diverging run`);
    x.dispose();
    alone[i].dispose();
  }
  bad.dispose();
  t.cleanup();
});
