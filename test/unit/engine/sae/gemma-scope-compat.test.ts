// Gemma Scope's params.npz as `np.savez` writes it (Fortran-order members included), loaded and
// encoded against a plain-JS reference; embedding SAEs map to hook_embed as SAELens's
// gemma_2_sae_huggingface_loader maps them, and model names come from the path.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { initBackend } from '../../../../server/src/engine/backend';
import { loadSae } from '../../../../server/src/engine/sae/io';
import { fortranToC, npyBytes } from '../../../../server/src/engine/io/npy';
import { assertClose, encodeHost, fill, refJumpRelu, refPre, rng } from '../../../helpers/sae-reference';
import { tempDir } from '../../../helpers/paths';

before(async () => {
  await initBackend();
});

/** A .npy member as `np.savez` writes a Fortran-ordered array: header fortran_order True, column-major body. */
function fortranNpy(cOrder: Float32Array, shape: [number, number]): Uint8Array {
  const [a, b] = shape;
  const colMajor = new Float32Array(a * b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) colMajor[i + j * a] = cOrder[i * b + j];
  assert.deepEqual(Array.from(fortranToC(colMajor, shape)), Array.from(cOrder));
  const out = Uint8Array.from(npyBytes(colMajor, shape));
  const hlen = out[8] | (out[9] << 8);
  // Same length, so the header keeps its padding: only the flag changes.
  const header = new TextDecoder().decode(out.subarray(10, 10 + hlen)).replace("'fortran_order': False", "'fortran_order': True ");
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

test('Gemma Scope params.npz (np.savez, Fortran-order members) loads; embedding SAEs map to hook_embed with W_enc / √d_in as SAELens does; model names from the path', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [dIn, dSae, n] = [9, 12, 4];
    const r = rng(4);
    const W = fill(dIn * dSae, r),
      Wd = fill(dSae * dIn, r),
      bEnc = fill(dSae, r, 0.1),
      bDec = fill(dIn, r, 0.1);
    const th = Float32Array.from(fill(dSae, r), (v) => Math.abs(v) * 0.05);
    const members = {
      'W_enc.npy': fortranNpy(W, [dIn, dSae]),
      'W_dec.npy': fortranNpy(Wd, [dSae, dIn]),
      'b_enc.npy': npyBytes(bEnc, [dSae]),
      'b_dec.npy': npyBytes(bDec, [dIn]),
      'threshold.npy': npyBytes(th, [dSae]),
    };
    const write = (rel: string) => {
      const d = path.join(dir, rel);
      mkdirSync(d, { recursive: true });
      writeFileSync(path.join(d, 'params.npz'), zipSync(members));
      return path.join(d, 'params.npz');
    };
    const x = fill(n * dIn, r, 3);
    const res = await loadSae(write('gemma-scope-9b-pt-res/layer_20/width_16k/average_l0_68'));
    assert.equal(res.hookName, 'blocks.20.hook_resid_post');
    assert.equal(res.cfg.metadata.model_name, 'gemma-2-9b');
    assertClose(
      encodeHost(res, x, n),
      refJumpRelu(refPre(x, n, dIn, dSae, W, bEnc, bDec, false), (j) => th[j], dSae),
      1e-5,
      'res f',
    );
    res.dispose();

    const emb = await loadSae(write('gemma-scope-2b-pt-res/embedding/width_4k/average_l0_6'));
    assert.equal(emb.hookName, 'hook_embed');
    assert.equal(emb.cfg.metadata.model_name, 'gemma-2-2b');
    // The model's hook_embed is e·√d; the SAE was trained on e. Same features for e·√d here as for e in the file.
    const scaled = Float32Array.from(x, (v) => v * Math.sqrt(dIn));
    assertClose(
      encodeHost(emb, scaled, n),
      refJumpRelu(refPre(x, n, dIn, dSae, W, bEnc, bDec, false), (j) => th[j], dSae),
      1e-4,
      'embedding f',
    );
    emb.dispose();

    const it = await loadSae(write('gemma-scope-27b-it-res/layer_5/width_131k/average_l0_30'));
    assert.equal(it.cfg.metadata.model_name, 'gemma-2-27b-it');
    it.dispose();
  } finally {
    cleanup();
  }
});
