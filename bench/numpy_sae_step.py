"""The numpy reference for `npm run bench`: one JumpReLU SAE training step (forward, STE backward,
decoder-gradient projection, Adam with beta1 = 0, unit-norm renorm), the 30-line recipe in float32.
Protocol: reads lines "train B D S reps" or "encode B D S reps" on stdin, answers each with the
seconds of every rep on one line, so the caller can alternate it with its own measurement."""
import sys, time
import numpy as np

def train_state(D, S, rng):
    W_dec = rng.uniform(-np.sqrt(6 / D), np.sqrt(6 / D), (S, D)).astype(np.float32)
    W_dec /= np.linalg.norm(W_dec, axis=1, keepdims=True)
    p = dict(W_enc=W_dec.T.copy(), b_enc=np.zeros(S, np.float32), W_dec=W_dec, b_dec=np.zeros(D, np.float32), log_th=np.full(S, np.log(0.03), np.float32))
    return p, {k: np.zeros_like(v) for k, v in p.items()}

def train_step(p, v, x, t, lam=6e-4, eps=0.03, lr=1e-3, b2=0.999):
    B = x.shape[0]
    xc = x - p['b_dec']
    pi = xc @ p['W_enc'] + p['b_enc']
    th = np.exp(p['log_th'])
    on = pi > th
    f = pi * on
    err = (f @ p['W_dec'] + p['b_dec']) - x
    dx = (2.0 / B) * err
    K = (np.abs((pi - th) / eps) < 0.5).astype(np.float32)
    df = dx @ p['W_dec'].T
    dpi = df * on
    g = dict(W_dec=f.T @ dx, b_enc=dpi.sum(0), W_enc=xc.T @ dpi)
    g['b_dec'] = dx.sum(0) - p['W_enc'] @ g['b_enc']
    g['log_th'] = ((df * K).sum(0) * (-th / eps) + K.sum(0) * (-lam / (B * eps))) * th
    g['W_dec'] -= (g['W_dec'] * p['W_dec']).sum(1, keepdims=True) * p['W_dec']
    for k, gk in g.items():
        v[k] = b2 * v[k] + (1 - b2) * gk * gk
        p[k] -= lr * gk / (np.sqrt(v[k] / (1 - b2 ** t)) + 1e-8)
    p['W_dec'] /= np.linalg.norm(p['W_dec'], axis=1, keepdims=True)
    return float((err * err).sum() / B + lam * on.sum() / B)

def data(B, D):
    return (np.sin(np.arange(B * D, dtype=np.float64) * 12.9898) * 0.5).astype(np.float32).reshape(B, D)

def main():
    rng = np.random.default_rng(0)
    for line in sys.stdin:
        kind, B, D, S, reps = line.split()
        B, D, S, reps = int(B), int(D), int(S), int(reps)
        x = data(B, D)
        p, v = train_state(D, S, rng)
        times = []
        for t in range(1, reps + 2):
            t0 = time.perf_counter()
            if kind == 'train':
                train_step(p, v, x, t)
            else:
                pi = (x - p['b_dec']) @ p['W_enc'] + p['b_enc']
                f = pi * (pi > np.exp(p['log_th']))
                np.argpartition(-f, 32, axis=1)[:, :32]
            if t > 1:  # the first rep warms up allocations
                times.append(time.perf_counter() - t0)
        print(' '.join(f'{s:.6f}' for s in times), flush=True)

main()
