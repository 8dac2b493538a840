// The JumpReLU / step straight-through estimators against the closed forms of spec §1.3, on tiny
// hand-made inputs with points inside and outside the kernel window (and on its open edges).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../server/src/engine/backend';
import { tf } from '../../../../server/src/engine/tf';
import { makeJumpRelu, makeStep } from '../../../../server/src/engine/train/jumprelu-ste';

const eps = 0.1;
// theta = [0.5, 1.0, 0.2]; rows are tokens. Distances z-θ chosen relative to ε/2 = 0.05:
// inside (|z-θ| < 0.05), outside, and exactly on the open edge (excluded).
const theta = [0.5, 1.0, 0.2];
const z = [
  [0.52, 0.9, 0.2], // inside (+0.02), outside (-0.1), inside (0)
  [0.47, 1.2, 0.3], // inside (-0.03), outside, outside (+0.1)
  [0.75, 1.04, 0.1], // outside, inside (+0.04), outside
];
const w = [
  [1.5, -2.0, 0.5],
  [-0.7, 3.0, 1.1],
  [0.3, -1.2, 2.0],
];

function closeTo(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
}

const K = (zz: number, th: number) => (Math.abs((zz - th) / eps) < 0.5 ? 1 : 0);

test('JumpReLU forward is z·H(z-θ) and its gradients follow Eq. 11 (θ) and H (z)', async () => {
  await initBackend();
  const jr = makeJumpRelu(eps);
  const zt = tf.tensor2d(z),
    tht = tf.tensor1d(theta),
    wt = tf.tensor2d(w);
  const out = jr(zt, tht);
  closeTo(
    out.dataSync(),
    z.flat().map((v, i) => (v > theta[i % 3] ? v : 0)),
  );
  const g = tf.grads((a, b) => tf.sum(tf.mul(jr(a as never, b as never), wt)));
  const [dz, dth] = g([zt, tht]);
  closeTo(
    dz.dataSync(),
    z.flat().map((v, i) => (v > theta[i % 3] ? w[Math.floor(i / 3)][i % 3] : 0)),
  );
  const expected = theta.map((th, j) => z.reduce((s, row, n) => s + w[n][j] * (-th / eps) * K(row[j], th), 0));
  closeTo(dth.dataSync(), expected);
  // The window really is hit and missed: at least one non-zero and the edge row/col contributes nothing.
  assert.ok(expected.some((v) => v !== 0));
  tf.dispose([zt, tht, wt, out, dz, dth]);
});

test('step forward is H(z-θ); gradient to θ is -(1/ε)K summed over batch, to z is zero', async () => {
  await initBackend();
  const st = makeStep(eps);
  const zt = tf.tensor2d(z),
    tht = tf.tensor1d(theta),
    wt = tf.tensor2d(w);
  const out = st(zt, tht);
  closeTo(
    out.dataSync(),
    z.flat().map((v, i) => (v > theta[i % 3] ? 1 : 0)),
  );
  const [dz, dth] = tf.grads((a, b) => tf.sum(tf.mul(st(a as never, b as never), wt)))([zt, tht]);
  closeTo(dz.dataSync(), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  closeTo(
    dth.dataSync(),
    theta.map((th, j) => z.reduce((s, row, n) => s + w[n][j] * (-1 / eps) * K(row[j], th), 0)),
  );
  tf.dispose([zt, tht, wt, out, dz, dth]);
});

test('a point on the kernel edge (|z-θ| = ε/2) gets no threshold gradient (open interval)', async () => {
  await initBackend();
  const e = 0.5; // exact in binary: z-θ = 0.25 = ε/2
  const st = makeStep(e);
  const zt = tf.tensor2d([[1.25, 0.75, 1.2]]),
    tht = tf.tensor1d([1, 1, 1]);
  const dth = tf.grad((b) => tf.sum(st(zt, b as never)))(tht);
  closeTo(dth.dataSync(), [0, 0, -1 / e]);
  tf.dispose([zt, tht, dth]);
});

test('log θ parameterisation multiplies the θ pseudo-gradient by θ (chain rule through exp)', async () => {
  await initBackend();
  const jr = makeJumpRelu(eps);
  const zt = tf.tensor2d(z),
    logTh = tf.log(tf.tensor1d(theta)),
    wt = tf.tensor2d(w);
  const dlog = tf.grad((lt) => tf.sum(tf.mul(jr(zt, tf.exp(lt) as never), wt)))(logTh);
  const expected = theta.map((th, j) => th * z.reduce((s, row, n) => s + w[n][j] * (-th / eps) * K(row[j], th), 0));
  closeTo(dlog.dataSync(), expected, 1e-4);
  tf.dispose([zt, logTh, wt, dlog]);
});

test('the JumpReLU training loss matches the closed-form θ gradient of spec §1.3', async () => {
  // L = mean_n ||x - f W_dec - b||² + λ mean_n Σ H(π-θ); ∂L/∂θᵢ = (1/N) Σₙ (1/ε)K(...)[2θᵢ(dᵢ·eₙ) - λ]
  await initBackend();
  const jr = makeJumpRelu(eps),
    st = makeStep(eps);
  const lambda = 0.3;
  const pi = tf.tensor2d(z),
    tht = tf.tensor1d(theta);
  const Wdec = tf.tensor2d([
    [0.6, 0.8],
    [1, 0],
    [0, -1],
  ]);
  const x = tf.tensor2d([
    [0.2, -0.4],
    [1.0, 0.3],
    [-0.5, 0.9],
  ]);
  const lossFn = (th: tf.Tensor) => {
    const f = jr(pi, th as never);
    const xh = tf.matMul(f, Wdec);
    const mse = tf.mean(tf.sum(tf.square(tf.sub(x, xh)), 1));
    return tf.add(mse, tf.mul(lambda, tf.mean(tf.sum(st(pi, th as never), 1)))) as tf.Scalar;
  };
  const dth = tf.grad(lossFn)(tht);
  const f = z.map((row) => row.map((v, j) => (v > theta[j] ? v : 0)));
  const Wd = [
    [0.6, 0.8],
    [1, 0],
    [0, -1],
  ];
  const X = [
    [0.2, -0.4],
    [1.0, 0.3],
    [-0.5, 0.9],
  ];
  const e = X.map((xr, n) => xr.map((v, d) => v - f[n].reduce((s, fi, i) => s + fi * Wd[i][d], 0)));
  const expected = theta.map(
    (th, i) => z.reduce((s, row, n) => s + (1 / eps) * K(row[i], th) * (2 * th * (Wd[i][0] * e[n][0] + Wd[i][1] * e[n][1]) - lambda), 0) / 3,
  );
  closeTo(dth.dataSync(), expected, 1e-4);
  tf.dispose([pi, tht, Wdec, x, dth]);
});

test('repeated STE gradient calls do not leak tensors', async () => {
  await initBackend();
  const jr = makeJumpRelu(eps);
  const zt = tf.tensor2d(z),
    tht = tf.tensor1d(theta);
  const once = () =>
    tf.tidy(() =>
      tf
        .grads((a, b) => tf.sum(jr(a as never, b as never)))([zt, tht])
        .map((t) => t.dataSync()),
    );
  once();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) once();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([zt, tht]);
});

test('the STE θ gradient of the training loss matches a finite difference of the kernel-smoothed loss', async () => {
  // Smoothing the (exact, discontinuous) loss in θ with the rectangle kernel, L_ε(θ) = ∫ L(θ + εu) K(u) du,
  // gives dL_ε/dθ = [L(θ + ε/2) − L(θ − ε/2)] / ε: a finite difference of the real loss, with no STE in it.
  // [JR] §4 reads the STE as a kernel estimate of this same expected-loss gradient, so on many tokens
  // from a smooth distribution the two must agree (they differ per token by ±θ² on either side of
  // the jump, which cancels on average).
  await initBackend();
  const { mulberry32 } = await import('../../../../server/src/engine/train/prng');
  const rnd = mulberry32(7);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const N = 100_000,
    D = 4,
    S = 3,
    e = 0.02;
  const th = [0.4, 0.6, 0.5];
  // Decoder rows: unit norm. x = Σ z_i·d_i·c_i + noise, so the reconstruction term really depends on θ.
  const Wd = [
    [0.6, 0.8, 0, 0],
    [0, 0, 1, 0],
    [0.5, -0.5, 0.5, 0.5],
  ];
  const piArr = new Float32Array(N * S),
    xArr = new Float32Array(N * D);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < S; i++) {
      const zi = 0.5 + 0.3 * gauss();
      piArr[n * S + i] = zi;
      for (let d = 0; d < D; d++) xArr[n * D + d] += 0.7 * zi * Wd[i][d];
    }
    for (let d = 0; d < D; d++) xArr[n * D + d] += 0.2 * gauss();
  }
  const pi = tf.tensor2d(piArr, [N, S]),
    x = tf.tensor2d(xArr, [N, D]),
    W = tf.tensor2d(Wd);
  const jr = makeJumpRelu(e),
    st = makeStep(e);
  const lossWith = (t: tf.Tensor, lambda: number) =>
    tf.add(tf.mean(tf.sum(tf.square(tf.sub(x, tf.matMul(jr(pi, t as never), W))), 1)), tf.mul(lambda, tf.mean(tf.sum(st(pi, t as never), 1)))) as tf.Scalar;
  const tht = tf.tensor1d(th);
  // Exact forward only (no gradients): the real loss at θ ± ε/2 in one coordinate.
  const exactLoss = (t: number[], lambda: number) => tf.tidy(() => lossWith(tf.tensor1d(t), lambda).dataSync()[0]);
  const smoothedGrad = (i: number, lambda: number) => {
    const up = th.slice(),
      dn = th.slice();
    up[i] += e / 2;
    dn[i] -= e / 2;
    return (exactLoss(up, lambda) - exactLoss(dn, lambda)) / e;
  };
  // λ = 0 isolates the reconstruction term (the STE's θ factor); λ = 0.05 nearly balances it.
  const mseScale = [0, 1, 2].map((i) => Math.abs(smoothedGrad(i, 0)));
  for (const lambda of [0, 0.05]) {
    const ste = tf.tidy(() =>
      Array.from(
        tf
          .grad((t) => lossWith(t, lambda))(tht)
          .dataSync(),
      ),
    );
    for (let i = 0; i < S; i++) {
      const fd = smoothedGrad(i, lambda);
      assert.ok(mseScale[i] > 0.02, `latent ${i}: the smoothed reconstruction gradient ${mseScale[i]} is not trivially 0`);
      // Tolerance: 10% of the reconstruction term (the ±θ² per-token noise is ~4% of it at N = 100k).
      assert.ok(Math.abs(ste[i] - fd) < 0.1 * mseScale[i], `λ ${lambda}, latent ${i}: STE ${ste[i]} vs finite difference ${fd}`);
    }
  }
  tf.dispose([pi, x, W, tht]);
});
