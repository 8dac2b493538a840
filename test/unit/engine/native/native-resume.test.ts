// Checkpoints are path-independent: a run checkpointed on the native step resumes on tfjs (and the
// reverse) and ends where an uninterrupted run on either path ends, to float32 tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { initBackend } from '../../../../server/src/engine/backend';
import { readSafetensors } from '../../../../server/src/engine/io/safetensors';
import { nativeTrainUnavailable } from '../../../../server/src/engine/native/native-train-step';
import { ArrayActivations } from '../../../../server/src/engine/train/activation-source';
import { trainSae } from '../../../../server/src/engine/train/trainer';
import type { TrainConfig } from '../../../../server/src/engine/train/types';
import { syntheticActivations } from '../../../helpers/synthetic-acts';
import { tempDir } from '../../../helpers/paths';

const D_IN = 16;
const src = new ArrayActivations(syntheticActivations(4096, D_IN, 40, 3, 9), D_IN);
// Float noise between the paths can flip an Adam update (±lr = 1e-3) where a gradient is ~0; a lost
// moment or step count moves most entries by several lr.
const TOL = 2.5e-3;

async function run(raw: TrainConfig, native: boolean, opts: { resume?: boolean; stopAfter?: number }) {
  const prev = process.env.JUMPLENS_NATIVE;
  process.env.JUMPLENS_NATIVE = native ? '1' : '0';
  let steps = 0;
  try {
    const r = await trainSae(raw, src, { resume: opts.resume, shouldStop: () => opts.stopAfter !== undefined && steps++ >= opts.stopAfter });
    r.dispose();
  } finally {
    if (prev === undefined) delete process.env.JUMPLENS_NATIVE;
    else process.env.JUMPLENS_NATIVE = prev;
  }
}

for (const [first, second] of [
  [true, false],
  [false, true],
] as const) {
  test(`checkpoint on ${first ? 'native' : 'tfjs'}, resume on ${second ? 'native' : 'tfjs'}: same final SAE`, async (t) => {
    await initBackend();
    const why = nativeTrainUnavailable();
    if (why) return t.skip(`native step unavailable: ${why}`);
    const base = {
      architecture: 'jumprelu',
      d_sae: 48,
      lr: 1e-3,
      batchSize: 128,
      steps: 12,
      seed: 4,
      logEvery: 4,
      checkpointEvery: 0,
      l0Coefficient: 0.05,
      bandwidth: 0.05,
      initThreshold: 0.05,
    } as const;
    const whole = tempDir();
    await run({ ...base, out: whole.dir } as TrainConfig, second, {});
    const split = tempDir();
    await run({ ...base, out: split.dir } as TrainConfig, first, { stopAfter: 6 });
    await run({ ...base, out: split.dir } as TrainConfig, second, { resume: true });
    const a = readSafetensors(path.join(whole.dir, 'sae_weights.safetensors'));
    const b = readSafetensors(path.join(split.dir, 'sae_weights.safetensors'));
    for (const [name, ta] of a) {
      const tb = b.get(name)!;
      let max = 0;
      for (let i = 0; i < ta.data.length; i++) max = Math.max(max, Math.abs(ta.data[i] - tb.data[i]));
      assert.ok(max <= TOL, `${name}: resumed run differs by ${max}`);
    }
    whole.cleanup();
    split.cleanup();
  });
}
