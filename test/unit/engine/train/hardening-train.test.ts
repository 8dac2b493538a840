// Training fails loudly: a diverging run (lr 1e12) stops at the first non-finite loss or parameter
// with an error naming the step, keeps the last good checkpoint byte for byte and exports nothing;
// out-of-range numeric fields are refused before training starts, in the engine and on the CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../../server/src/engine/backend';
import { writeNpy } from '../../../../server/src/engine/io/npy';
import { tf } from '../../../../server/src/engine/tf';
import { ArrayActivations } from '../../../../server/src/engine/train/activation-source';
import { NonFiniteTrainingError } from '../../../../server/src/engine/train/finite-guard';
import { CHECKPOINT_FILE, trainSae } from '../../../../server/src/engine/train/trainer';
import type { TrainConfig } from '../../../../server/src/engine/train/types';
import { syntheticActivations } from '../../../helpers/synthetic-acts';
import { REPO_ROOT, tempDir } from '../../../helpers/paths';

const D_IN = 8;
const acts = syntheticActivations(2000, D_IN, 16, 2);
const src = new ArrayActivations(acts, D_IN);
const base = {
  architecture: 'jumprelu',
  d_sae: 16,
  batchSize: 64,
  seed: 1,
  l0Coefficient: 0.05,
  bandwidth: 0.05,
  initThreshold: 0.05,
  lrWarmupSteps: 0,
  checkpointEvery: 10,
  logEvery: 5,
};

before(async () => {
  await initBackend();
});

test('lr 1e12 after a good checkpoint: stops at the first non-finite step, checkpoint intact, nothing exported', async () => {
  const t = tempDir();
  try {
    // A healthy start: 15 steps checkpoint at step 10 (then stop, as Ctrl-C would, writing step 15).
    let n = 0;
    const good = await trainSae({ ...base, lr: 3e-3, steps: 40, out: t.dir } as TrainConfig, src, { shouldStop: () => ++n > 15 });
    assert.equal(good.stopped, true);
    good.dispose();
    const ckpt = path.join(t.dir, CHECKPOINT_FILE);
    const saved = readFileSync(ckpt);
    const n0 = tf.memory().numTensors;
    let err: unknown;
    try {
      await trainSae({ ...base, lr: 1e12, steps: 40, out: t.dir } as TrainConfig, src, { resume: true });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof NonFiniteTrainingError, `expected a NonFiniteTrainingError, got ${err}`);
    assert.ok(err.step > 15 && err.step <= 40, `step ${err.step}`);
    assert.match(
      err.message,
      new RegExp(
        `^training stopped at step ${err.step}: (the loss is (NaN|-?Infinity)|parameter \\w+ holds non-finite values);.*${ckpt.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`,
      ),
    );
    assert.ok(readFileSync(ckpt).equals(saved), 'the last good checkpoint is not overwritten');
    assert.ok(!existsSync(path.join(t.dir, 'sae_weights.safetensors')), 'no SAE exported');
    assert.ok(!existsSync(path.join(t.dir, 'cfg.json')));
    assert.equal(tf.memory().numTensors, n0, 'a failed run frees its tensors');
  } finally {
    t.cleanup();
  }
});

test('out-of-range numeric fields are refused before training, naming the field', async () => {
  const t = tempDir();
  try {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ batchSize: 0 }, /field "batchSize" must be an integer ≥ 1, got 0/],
      [{ batchSize: 2.5 }, /field "batchSize" must be an integer ≥ 1, got 2\.5/],
      [{ lr: -1 }, /field "lr" must be a finite number ≥ 0, got -1/],
      [{ steps: 0 }, /field "steps" must be an integer ≥ 1, got 0/],
      [{ adamBeta2: 1 }, /field "adamBeta2" must be a finite number ≥ 0 and < 1, got 1/],
      [{ logEvery: 0 }, /field "logEvery" must be an integer ≥ 1/],
      [{ bandwidth: 'x' }, /field "bandwidth" must be a finite number > 0, got "x"/],
    ];
    for (const [over, re] of bad) {
      await assert.rejects(
        trainSae({ ...base, lr: 3e-3, steps: 5, out: t.dir, ...over } as TrainConfig, src),
        (e: Error) => e.message.startsWith('train config: ') && re.test(e.message),
      );
    }
    assert.ok(!existsSync(path.join(t.dir, 'checkpoints')));
  } finally {
    t.cleanup();
  }
});

test('jumplens train: --lr 1e12 exits non-zero naming the step; --batch-size 0 is refused as a flag', () => {
  const t = tempDir();
  try {
    const bin = path.join(REPO_ROOT, 'bin', 'jumplens');
    const npy = path.join(t.dir, 'acts.npy');
    writeNpy(npy, acts, [2000, D_IN]);
    const args = ['train', '--activations', npy, '--arch', 'jumprelu', '--d-sae', '16', '--steps', '30', '--out', path.join(t.dir, 'sae'), '--json'];
    const nan = spawnSync(process.execPath, [bin, ...args, '--lr', '1e12', '--batch-size', '64'], { encoding: 'utf8' });
    assert.notEqual(nan.status, 0, nan.stderr);
    assert.match(nan.stderr, /jumplens: training stopped at step \d+: /);
    assert.ok(!existsSync(path.join(t.dir, 'sae', 'sae_weights.safetensors')));
    const zero = spawnSync(process.execPath, [bin, ...args, '--batch-size', '0'], { encoding: 'utf8' });
    assert.notEqual(zero.status, 0);
    assert.match(zero.stderr, /--batch-size.*'0' is invalid.*must be an integer ≥ 1/);
    const junk = spawnSync(process.execPath, [bin, ...args, '--lr', 'fast'], { encoding: 'utf8' });
    assert.notEqual(junk.status, 0);
    assert.match(junk.stderr, /--lr.*'fast' is invalid.*must be a finite number ≥ 0/);
  } finally {
    t.cleanup();
  }
});
