// JumpLens against numpy on this machine, measured ALTERNATELY in one run so both see the same load
// and the same environment (OPENBLAS_CORETYPE included): the numpy recipe (numpy_sae_step.py, a
// persistent python3 child) and JumpLens's production path (Trainer.step; encodeTopK), one round
// each in turn, medians over JUMPLENS_BENCH_ROUNDS rounds (default 3). The ratio is numpy's time over
// JumpLens's: ≥ 1 means JumpLens is at least as fast. Cases: JumpReLU training at B = 1024 and 4096,
// encode + top-32 at B = 256 (d_in 768, d_sae 16384). JUMPLENS_BENCH_CASES=train1024,encode picks some.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchRow } from './index';
import { tf, type Tensor2D } from '../server/src/engine/tf';
import { createSae } from '../server/src/engine/sae/create';
import { encodeTopK, nativeEncodeUnavailable } from '../server/src/engine/native/encode-topk';
import { nativeTrainUnavailable } from '../server/src/engine/native/native-train-step';
import { resolveTrainConfig } from '../server/src/engine/train/config';
import { Trainer } from '../server/src/engine/train/trainer';
import { ArrayActivations } from '../server/src/engine/train/activation-source';
import { tempDir } from '../test/helpers/paths';

const [D_IN, D_SAE] = [768, 16384];
const ROUNDS = Math.max(1, Number(process.env.JUMPLENS_BENCH_ROUNDS ?? 3));
const CASES = (process.env.JUMPLENS_BENCH_CASES ?? 'train1024,train4096,encode').split(',');

class Numpy {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static start(): Numpy | string {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) return 'python3 with numpy not found';
    return new Numpy(spawn('python3', [path.join(__dirname, 'numpy_sae_step.py')], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Seconds per rep of `reps` reps (after one warm-up rep). */
  async time(kind: 'train' | 'encode', batch: number, reps: number): Promise<number> {
    this.child.stdin.write(`${kind} ${batch} ${D_IN} ${D_SAE} ${reps}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error('numpy_sae_step.py exited');
    return median(r.value.trim().split(/\s+/).map(Number));
  }

  stop(): void {
    this.child.stdin.end();
  }
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

/** The numpy recipe's batch: sin(i · 12.9898) / 2. */
function benchData(batch: number): Float32Array {
  const data = new Float32Array(batch * D_IN);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 0.5;
  return data;
}

function row(bench: string, c: string, np: number[], jl: number[], tokens: number, path: string): BenchRow {
  const [n, j] = [median(np), median(jl)];
  return {
    bench,
    case: c,
    value: n / j,
    unit: '× numpy',
    extra: `JumpLens ${(tokens / j).toFixed(0)} tok/s (${path}), numpy ${(tokens / n).toFixed(0)} tok/s, ${ROUNDS} alternating rounds`,
  };
}

async function train(np: Numpy, batch: number): Promise<BenchRow> {
  const t = tempDir('jumplens-bench-');
  // The recipe's settings: JumpReLU, log θ, ε = θ₀ = 0.03, λ = 6e-4, Adam β1 = 0, no warm-ups.
  const cfg = resolveTrainConfig(
    {
      architecture: 'jumprelu',
      d_sae: D_SAE,
      lr: 1e-3,
      batchSize: batch,
      steps: 1_000_000,
      seed: 0,
      out: t.dir,
      bandwidth: 0.03,
      initThreshold: 0.03,
      l0Coefficient: 6e-4,
      lrWarmupSteps: 0,
      l0WarmupSteps: 0,
      normalize: false,
      checkpointEvery: 0,
      logEvery: 1_000_000,
    },
    D_IN,
  );
  const tr = new Trainer(cfg, new ArrayActivations(benchData(batch), D_IN, 'bench'), t.dir, { noExport: true });
  const x = tr.batchTensor(0);
  const jlStep = () => {
    const t0 = performance.now();
    tr.step(x);
    tr.sae.v('b_dec').dataSync(); // a sync point for the tfjs path (the native step is synchronous)
    return (performance.now() - t0) / 1000;
  };
  const label = `jumprelu train step d_in=${D_IN} d_sae=${D_SAE} batch=${batch}`;
  try {
    jlStep(); // warm-up
    const [a, b]: number[][] = [[], []];
    for (let r = 0; r < ROUNDS; r++) {
      a.push(await np.time('train', batch, 1));
      b.push(jlStep());
    }
    return row('vs numpy: train', label, a, b, batch, nativeTrainUnavailable() ? 'tfjs' : 'native');
  } catch (e) {
    return {
      bench: 'vs numpy: train',
      case: label,
      value: NaN,
      unit: '× numpy',
      extra: `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
    };
  } finally {
    x.dispose();
    tr.dispose();
    t.cleanup();
  }
}

async function encode(np: Numpy, batch: number): Promise<BenchRow> {
  const W = tf.randomNormal([D_IN, D_SAE], 0, 0.05, 'float32', 1);
  const sae = createSae(
    { architecture: 'jumprelu', d_in: D_IN, d_sae: D_SAE, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', metadata: {} },
    { W_enc: W, W_dec: tf.transpose(W), b_enc: tf.zeros([D_SAE]), b_dec: tf.zeros([D_IN]), threshold: tf.fill([D_SAE], 0.03) },
  );
  const x = tf.tensor2d(benchData(batch), [batch, D_IN]) as Tensor2D;
  const reps = 5;
  const jl = async () => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await encodeTopK(sae, x, 32);
    return (performance.now() - t0) / 1000 / reps;
  };
  await jl();
  const [a, b]: number[][] = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(await np.time('encode', batch, reps));
    b.push(await jl());
  }
  const p = nativeEncodeUnavailable(sae) ? 'tfjs' : 'native';
  x.dispose();
  sae.dispose();
  return row('vs numpy: encode+top-32', `jumprelu d_in=${D_IN} d_sae=${D_SAE} batch=${batch}`, a, b, batch, p);
}

export async function run(): Promise<BenchRow[]> {
  const np = Numpy.start();
  if (typeof np === 'string') return [{ bench: 'vs numpy', case: 'all', value: NaN, unit: '× numpy', extra: np }];
  const rows: BenchRow[] = [];
  try {
    if (CASES.includes('encode')) rows.push(await encode(np, 256));
    if (CASES.includes('train1024')) rows.push(await train(np, 1024));
    if (CASES.includes('train4096')) rows.push(await train(np, 4096));
  } finally {
    np.stop();
  }
  return rows;
}
