// Training throughput of one JumpReLU SAE step (forward, STE backward, Adam, decoder projection)
// at the paper-scale shape d_in=768, d_sae=16384, batch 4096, plus the stories260K-scale shape the
// committed runs use. GFLOP/s counts the six B·d_in·d_sae matmuls of a step (2 forward, 4 backward),
// 12·B·d_in·d_sae FLOPs; elementwise work is not counted.
import type { BenchRow } from './index';
import { resolveTrainConfig } from '../server/src/engine/train/config';
import { Trainer } from '../server/src/engine/train/trainer';
import { ArrayActivations } from '../server/src/engine/train/activation-source';
import { tempDir } from '../test/helpers/paths';

async function measure(dIn: number, dSae: number, batch: number, steps: number): Promise<BenchRow[]> {
  const data = new Float32Array(batch * dIn);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 0.5;
  const src = new ArrayActivations(data, dIn, 'bench');
  const t = tempDir('jumplens-bench-');
  const cfg = resolveTrainConfig(
    {
      architecture: 'jumprelu',
      d_sae: dSae,
      lr: 1e-3,
      batchSize: batch,
      steps: steps + 1,
      seed: 0,
      out: t.dir,
      bandwidth: 0.03,
      initThreshold: 0.03,
      checkpointEvery: 0,
      logEvery: 1_000_000,
    },
    dIn,
  );
  const tr = new Trainer(cfg, src, t.dir, { noExport: true });
  const x = tr.batchTensor(0);
  tr.step(x); // warm-up: kernel compilation and first allocations
  tr.sae.v('W_dec').dataSync(); // a sync point; not inside tf.tidy, which would walk the 12.6M-element array
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) tr.step(x);
  tr.sae.v('W_dec').dataSync(); // a sync point; not inside tf.tidy, which would walk the 12.6M-element array
  const sec = (performance.now() - t0) / 1000 / steps;
  x.dispose();
  tr.dispose();
  t.cleanup();
  const gflops = (12 * batch * dIn * dSae) / sec / 1e9;
  const label = `jumprelu train step d_in=${dIn} d_sae=${dSae} batch=${batch}`;
  return [{ bench: 'train', case: label, value: batch / sec, unit: 'tokens/s', extra: `${gflops.toFixed(1)} GFLOP/s, ${(sec * 1000).toFixed(0)} ms/step` }];
}

/** A case that fails (WASM's 4 GB heap cannot hold the [4096, 16384] activations of a step) is a row, not a crash. */
async function attempt(dIn: number, dSae: number, batch: number, steps: number): Promise<BenchRow[]> {
  try {
    return await measure(dIn, dSae, batch, steps);
  } catch (e) {
    return [
      {
        bench: 'train',
        case: `jumprelu train step d_in=${dIn} d_sae=${dSae} batch=${batch}`,
        value: NaN,
        unit: 'tokens/s',
        extra: `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      },
    ];
  }
}

export async function run(): Promise<BenchRow[]> {
  // Smallest first: a failed WASM allocation can leave the backend unusable for later cases.
  return [...(await attempt(64, 1024, 4096, 5)), ...(await attempt(768, 16384, 1024, 1)), ...(await attempt(768, 16384, 4096, 1))];
}
