// Fine-tuning from a saved JumpReLU SAE directory: the re-expressed parameters compute the same
// function as the file, thresholds-only training changes θ alone, and full fine-tuning improves on
// a deliberately damaged start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { initBackend } from '../../../../server/src/engine/backend';
import { tf } from '../../../../server/src/engine/tf';
import { writeSafetensors, readSafetensors } from '../../../../server/src/engine/io/safetensors';
import { writeJsonAtomic } from '../../../../server/src/engine/io/atomic-write';
import { ArrayActivations } from '../../../../server/src/engine/train/activation-source';
import { runTraining } from '../../../../server/src/engine/train/pipeline';
import { trainSae } from '../../../../server/src/engine/train/trainer';
import { writeNpy } from '../../../../server/src/engine/io/npy';
import type { TrainConfig } from '../../../../server/src/engine/train/types';
import { syntheticActivations } from '../../../helpers/synthetic-acts';
import { tempDir } from '../../../helpers/paths';

const D = 16;
const data = syntheticActivations(4000, D, 32, 3, 11);

test('fine-tuning a saved JumpReLU SAE: same function at step 0, thresholds-only changes θ alone', async () => {
  await initBackend();
  const t = tempDir();
  const npy = path.join(t.dir, 'acts.npy');
  writeNpy(npy, data, [4000, D]);
  const base = {
    architecture: 'jumprelu',
    d_sae: 48,
    lr: 3e-3,
    batchSize: 256,
    seed: 2,
    bandwidth: 0.05,
    initThreshold: 0.05,
    l0Coefficient: 0.05,
    thresholdParam: 'raw',
  } as const;
  const first = await trainSae({ ...base, steps: 150, out: path.join(t.dir, 'a') } as TrainConfig, new ArrayActivations(data, D));
  const rawEnc = first.sae.asRaw(first.scale);
  // Scale decoder rows in the saved file (as Gemma Scope files are not unit-norm): same function, rows of norm 2.
  const w = readSafetensors(path.join(t.dir, 'a', 'sae_weights.safetensors'));
  const get = (n: string) => ({ data: Float32Array.from(w.get(n)!.data), shape: w.get(n)!.shape });
  const We = get('W_enc'),
    Wd = get('W_dec'),
    be = get('b_enc'),
    th = get('threshold');
  for (let i = 0; i < 48; i++) {
    for (let d = 0; d < D; d++) {
      Wd.data[i * D + d] *= 2;
      We.data[d * 48 + i] /= 2;
    }
    be.data[i] /= 2;
    th.data[i] /= 2;
  }
  const dir = path.join(t.dir, 'scaled');
  writeSafetensors(path.join(dir, 'sae_weights.safetensors'), { W_enc: We, W_dec: Wd, b_enc: be, b_dec: get('b_dec'), threshold: th });
  writeJsonAtomic(path.join(dir, 'cfg.json'), JSON.parse(require('node:fs').readFileSync(path.join(t.dir, 'a', 'cfg.json'), 'utf8')));
  for (const thresholdParam of ['raw', 'log'] as const) {
    const ft = await runTraining({
      ...base,
      thresholdParam,
      activations: npy,
      initFrom: dir,
      thresholdsOnly: true,
      steps: 1,
      lr: 0,
      out: path.join(t.dir, `ft0-${thresholdParam}`),
    } as TrainConfig);
    const [diff] = tf.tidy(() => {
      const x = tf.tensor2d(data.subarray(0, 200 * D), [200, D]);
      const a = rawEnc.decode(rawEnc.encode(x));
      const b = ft.sae.decode(ft.sae.encode(x));
      return [tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]];
    });
    assert.ok(diff < 1e-3, `${thresholdParam}: reconstructions differ by ${diff}`);
    assert.equal(ft.scale, 1);
    ft.dispose();
  }
  const before = readSafetensors(path.join(dir, 'sae_weights.safetensors'));
  const ft = await runTraining({
    ...base,
    activations: npy,
    initFrom: dir,
    thresholdsOnly: true,
    steps: 40,
    l0Coefficient: 0.5,
    out: path.join(t.dir, 'ft'),
  } as TrainConfig);
  const after = readSafetensors(path.join(t.dir, 'ft', 'sae_weights.safetensors'));
  // Compare in the unit-norm representation the run exported (decoder rows of norm 1 => W_dec halves of the file's).
  let wDiff = 0,
    thDiff = 0;
  const bw = before.get('W_dec')!.data,
    aw = after.get('W_dec')!.data;
  for (let i = 0; i < bw.length; i++) wDiff = Math.max(wDiff, Math.abs(bw[i] / 2 - aw[i]));
  const bt = before.get('threshold')!.data,
    at = after.get('threshold')!.data;
  for (let i = 0; i < bt.length; i++) thDiff = Math.max(thDiff, Math.abs(bt[i] * 2 - at[i]));
  assert.ok(wDiff < 1e-5, `W_dec moved by ${wDiff}`);
  assert.ok(thDiff > 1e-3, `thresholds did not move (${thDiff})`);
  ft.dispose();
  first.dispose();
  t.cleanup();
});
