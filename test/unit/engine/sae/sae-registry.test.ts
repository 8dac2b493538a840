// The architecture registry is the one list: the CLI accepts exactly its names (plus aliases), every
// entry trains through the shared Trainer, and what its training class exports loads back through
// its inference class (createSae) computing the same latents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { initBackend } from '../../../../server/src/engine/backend';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { ARCHITECTURES, canonicalArchitecture } from '../../../../protocol/train';
import { REGISTRY, architectureNames, architectureOf } from '../../../../server/src/engine/sae/registry';
import { createSae, expectedShapes } from '../../../../server/src/engine/sae/create';
import type { SaeConfig } from '../../../../server/src/engine/sae/types';
import { ArrayActivations } from '../../../../server/src/engine/train/activation-source';
import { resolveTrainConfig } from '../../../../server/src/engine/train/config';
import { Trainer } from '../../../../server/src/engine/train/trainer';
import { ARCH_CHOICES } from '../../../../server/src/cli/train';
import { syntheticActivations } from '../../../helpers/synthetic-acts';
import { REPO_ROOT, tempDir } from '../../../helpers/paths';

const D_IN = 8;
const src = new ArrayActivations(syntheticActivations(2000, D_IN, 24, 5), D_IN);

test("the registry's architectures are protocol/train.ts's and exactly what `jumplens train --arch` accepts", () => {
  assert.deepEqual(architectureNames(), [...ARCHITECTURES]);
  assert.deepEqual(Object.keys(REGISTRY).sort(), [...ARCHITECTURES].sort());
  const help = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'jumplens'), 'train', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  // The option's description, which commander may wrap over several lines, up to the next option.
  const m = /--arch <name>\s+([\s\S]*?)\n\s+--/.exec(help.stdout);
  assert.ok(m, help.stdout);
  const listed = m[1].split('|').map((s) => s.trim());
  assert.deepEqual(listed, [...ARCH_CHOICES]);
  assert.deepEqual([...new Set(listed.map((n) => canonicalArchitecture(n)))].sort(), architectureNames().sort());
  assert.throws(() => architectureOf('relu6'), /unknown SAE architecture "relu6"/);
});

for (const name of architectureNames()) {
  test(`${name}: trains through the registry, and its export loads as a ${name} SAE with the same latents`, async () => {
    await initBackend();
    const t = tempDir();
    const before = tf.memory().numTensors;
    const cfg = resolveTrainConfig(
      { architecture: name, d_sae: 16, lr: 3e-3, batchSize: 64, steps: 30, seed: 1, out: t.dir, k: 2, checkpointEvery: 0, logEvery: 1, deadTokensWindow: 128 },
      D_IN,
    );
    const tr = new Trainer(cfg, src, t.dir, { noExport: true });
    assert.ok(tr.sae instanceof REGISTRY[name].training, `${name} uses its registered training class`);
    const losses: number[] = [];
    while (!tr.done()) {
      const x = tr.batchTensor(tr.stepIndex);
      const ev = tr.step(x);
      x.dispose();
      if (ev) losses.push(ev['losses/overall_loss']);
    }
    assert.equal(losses.length, 30);
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)), `${name} loss did not fall: ${losses}`);
    const { params, architecture, cfgFields } = tr.sae.exportParams(tr.scale);
    const saeCfg: SaeConfig = {
      architecture,
      d_in: D_IN,
      d_sae: 16,
      dtype: 'float32',
      apply_b_dec_to_input: false,
      normalize_activations: 'none',
      metadata: {},
      ...cfgFields,
    };
    assert.deepEqual(Object.keys(params).sort(), Object.keys(expectedShapes(saeCfg)).sort());
    const sae = createSae(saeCfg, Object.fromEntries(Object.entries(params).map(([n, p]) => [n, tf.tensor(p.data, p.shape)])));
    assert.ok(sae instanceof architectureOf(architecture).inference);
    const diff = tf.tidy(() => {
      const x = tf.tensor2d(src.batch(0, 32, 2), [32, D_IN]) as Tensor2D;
      return tf.max(tf.abs(tf.sub(sae.encode(x), tr.sae.asRaw(tr.scale).encode(x))));
    });
    const d = diff.dataSync()[0];
    diff.dispose();
    assert.ok(d < 1e-4 * tr.scale, `${name}: loaded latents differ by ${d}`);
    sae.dispose();
    tr.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    t.cleanup();
  });
}
