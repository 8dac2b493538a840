// `jumplens sae ...`: inspect, encode, decode and convert SAE files.
import type { Command } from 'commander';
import { initBackend } from '../engine/backend';
import { readNpy, writeNpy } from '../engine/io/npy';
import { existsSync, statSync } from 'node:fs';
import { loadSae, readSparsity, saveSae } from '../engine/sae/io';
import { gatedToJumpRelu } from '../engine/sae/create';
import { sparseTopK } from '../engine/sae/sparse-topk';
import type { Sae, SaeDtype } from '../engine/sae/types';
import { tf, type Tensor2D } from '../engine/tf';
import { positiveInt } from './numeric-flags';

/** Reads an [n, width] float .npy and checks its width. */
function readMatrix(file: string, width: number, what: string): Tensor2D {
  const a = readNpy(file);
  if (a.shape.length !== 2 || a.shape[1] !== width) {
    throw new Error(`${file}: expected ${what} of shape [n, ${width}], got [${a.shape.join(', ')}]`);
  }
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) throw new Error(`${file}: non-finite value at row ${Math.floor(i / width)}, column ${i % width}`);
  }
  return tf.tensor2d(Float32Array.from(a.data), [a.shape[0], width]);
}

function quantiles(v: Float32Array, qs: number[]): number[] {
  const s = Float32Array.from(v).sort();
  return qs.map((q) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))]);
}

/** `sparsity` (log10 densities from sparsity.safetensors, when the folder has one) adds dead/dense counts. */
export async function saeInfo(sae: Sae, logSparsity?: Float32Array): Promise<Record<string, unknown>> {
  const info: Record<string, unknown> = {
    architecture: sae.architecture,
    d_in: sae.dIn,
    d_sae: sae.dSae,
    hook: sae.hookName || '(not recorded)',
    model: sae.cfg.metadata.model_name ?? '(not recorded)',
    dtype: sae.cfg.dtype,
    apply_b_dec_to_input: sae.cfg.apply_b_dec_to_input,
    normalize_activations: sae.cfg.normalize_activations,
  };
  if (sae.cfg.k !== undefined) info.k = sae.cfg.k;
  const th = sae.threshold();
  if (th) {
    const v = (await th.data()) as Float32Array;
    const [min, q25, median, q75, max] = quantiles(v, [0, 0.25, 0.5, 0.75, 1]);
    info.threshold = { min, q25, median, q75, max, mean: v.reduce((a, b) => a + b, 0) / v.length };
  }
  const norms = tf.tidy(() => tf.norm(sae.params().W_dec, 'euclidean', 1));
  const nv = (await norms.data()) as Float32Array;
  norms.dispose();
  const [nmin, nmed, nmax] = quantiles(nv, [0, 0.5, 1]);
  info.decoder_row_norm = { min: nmin, median: nmed, max: nmax };
  if (logSparsity) {
    const [lmin, lmed, lmax] = quantiles(logSparsity, [0, 0.5, 1]);
    // SAELens-style cut-offs: dead below 1e-8 density (log10 −8), dense above 1e-1.
    let dead = 0;
    let dense = 0;
    for (const v of logSparsity) {
      if (v < -8) dead++;
      else if (v > -1) dense++;
    }
    info.log10_density = { min: lmin, median: lmed, max: lmax, dead_below_1e_8: dead, dense_above_1e_1: dense };
  }
  return info;
}

export function registerSae(program: Command): void {
  const sae = program.command('sae').description('inspect, encode, decode and convert sparse autoencoders (SAELens folders, Gemma Scope .npz)');

  sae
    .command('info <sae>')
    .description('architecture, sizes, hook, dtype, threshold and decoder-norm statistics')
    .option('--json', 'print JSON')
    .action(async (p: string, o: { json?: boolean }) => {
      await initBackend();
      const s = await loadSae(p);
      const info = await saeInfo(s, existsSync(p) && statSync(p).isDirectory() ? readSparsity(p, s.dSae) : undefined);
      s.dispose();
      if (o.json) console.log(JSON.stringify(info, null, 2));
      else for (const [k, v] of Object.entries(info)) console.log(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
    });

  sae
    .command('encode')
    .description('feature activations of activations X [n, d_in]: dense .npy, or the top k per token as JSON')
    .requiredOption('--sae <path>', 'SAE folder or params.npz')
    .requiredOption('--in <file>', 'activations .npy [n, d_in]')
    .option('--out <file>', 'dense feature activations .npy [n, d_sae] (float32)')
    .option('--top-k <k>', 'print the k strongest features per token instead', positiveInt)
    .option('--json', 'with --top-k: print JSON')
    .option('--batch <n>', 'rows per batch', positiveInt, 1024)
    .action(async (o: { sae: string; in: string; out?: string; topK?: number; json?: boolean; batch: number }) => {
      if (!o.out && !o.topK) throw new Error('give --out F.npy (dense) or --top-k K (sparse)');
      await initBackend();
      const s = await loadSae(o.sae);
      const x = readMatrix(o.in, s.dIn, 'activations');
      const n = x.shape[0];
      const dense = o.out ? new Float32Array(n * s.dSae) : undefined;
      const rows: { token: number; l0: number; features: { id: number; act: number }[] }[] = [];
      for (let start = 0; start < n; start += o.batch) {
        const len = Math.min(o.batch, n - start);
        const f = tf.tidy(() => s.encode(tf.slice(x, [start, 0], [len, s.dIn])));
        if (dense) dense.set((await f.data()) as Float32Array, start * s.dSae);
        if (o.topK) {
          const sp = await sparseTopK(f, o.topK);
          for (let r = 0; r < len; r++) {
            const features = [];
            for (let j = 0; j < sp.k; j++) if (sp.values[r * sp.k + j] > 0) features.push({ id: sp.indices[r * sp.k + j], act: sp.values[r * sp.k + j] });
            rows.push({ token: start + r, l0: sp.l0[r], features });
          }
        }
        f.dispose();
      }
      if (o.out && dense) writeNpy(o.out, dense, [n, s.dSae]);
      if (o.topK) {
        if (o.json) console.log(JSON.stringify(rows));
        else for (const r of rows) console.log(`${r.token}\tL0=${r.l0}\t${r.features.map((f) => `${f.id}:${f.act.toFixed(3)}`).join(' ')}`);
      }
      x.dispose();
      s.dispose();
    });

  sae
    .command('decode')
    .description('reconstructions X̂ [n, d_in] of feature activations F [n, d_sae]')
    .requiredOption('--sae <path>', 'SAE folder or params.npz')
    .requiredOption('--in <file>', 'feature activations .npy [n, d_sae]')
    .requiredOption('--out <file>', 'reconstructions .npy [n, d_in]')
    .action(async (o: { sae: string; in: string; out: string }) => {
      await initBackend();
      const s = await loadSae(o.sae);
      const f = readMatrix(o.in, s.dSae, 'feature activations');
      const xh = s.decode(f);
      writeNpy(o.out, (await xh.data()) as Float32Array, xh.shape);
      tf.dispose([f, xh]);
      s.dispose();
    });

  sae
    .command('convert <src> <dir>')
    .description('write any SAE (e.g. a Gemma Scope params.npz) as a SAELens folder')
    .option('--hook <name>', 'hook name to record (default: inferred from a Gemma Scope path)')
    .option('--dtype <dtype>', 'float32 | float16 | bfloat16 (default: as loaded)')
    .option('--to-jumprelu', 'write a Gated SAE as the equivalent JumpReLU SAE')
    .action(async (src: string, dir: string, o: { hook?: string; dtype?: SaeDtype; toJumprelu?: boolean }) => {
      if (o.dtype && !['float32', 'float16', 'bfloat16'].includes(o.dtype)) throw new Error(`--dtype ${o.dtype}: use float32, float16 or bfloat16`);
      await initBackend();
      let s = await loadSae(src, { hook: o.hook });
      if (o.toJumprelu) {
        const jr = gatedToJumpRelu(s);
        s.dispose();
        s = jr;
      }
      if (o.hook) s.cfg.metadata.hook_name = o.hook;
      await saveSae(dir, s, { dtype: o.dtype });
      console.log(`wrote ${dir} (${s.architecture}, d_in=${s.dIn}, d_sae=${s.dSae}, hook ${s.hookName || 'not recorded'})`);
      s.dispose();
    });
}
