// `jumplens pull` offline parts: name resolution, target paths, skipping present files without
// touching the network, and a clear error when the Hub cannot be reached.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { pull, resolvePull } from '../../../../server/src/engine/hub/pull';
import { candidatePaths, modelsDir, resolveHfCacheFolder } from '../../../../server/src/engine/lm/models-dir';
import { tempDir } from '../../../helpers/paths';

const noNetwork = (async () => {
  throw new TypeError('fetch failed: getaddrinfo ENOTFOUND huggingface.co');
}) as unknown as typeof fetch;

test('known names resolve to repos and target paths', () => {
  const s = resolvePull('stories260K');
  assert.equal(s.repo, 'karpathy/tinyllamas');
  assert.deepEqual(
    s.files.map((f) => f.target),
    ['stories260K.bin', 'tok512.bin'],
  );
  const g = resolvePull('gpt2');
  assert.equal(g.repo, 'openai-community/gpt2');
  assert.ok(g.files.some((f) => f.target === path.join('gpt2', 'model.safetensors') || f.target === 'gpt2/model.safetensors'));
  assert.equal(resolvePull('gemma-2-2b').repo, 'google/gemma-2-2b');
  const sae = resolvePull('gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82');
  assert.equal(sae.repo, 'google/gemma-scope-2b-pt-res');
  assert.deepEqual(sae.listUnder, {
    prefix: 'layer_12/width_16k/average_l0_82',
    targetDir: path.join('gemma-scope-2b-pt-res', 'layer_12/width_16k/average_l0_82'),
  });
  assert.throws(() => resolvePull('llama-9000'), /unknown name "llama-9000"; known: .*stories15M/);
  assert.throws(() => resolvePull('gemma-scope-2b-pt-res/../../etc'), /bad path/);
});

test('files already present are skipped without any network access', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'stories260K.bin'), 'x');
    writeFileSync(path.join(dir, 'tok512.bin'), 'y');
    let calls = 0;
    const counting = (async (...a: Parameters<typeof fetch>) => (calls++, noNetwork(...a))) as typeof fetch;
    const r = await pull('stories260K', { dir, fetch: counting });
    assert.deepEqual(
      r.map((x) => x.status),
      ['present', 'present'],
    );
    assert.equal(calls, 0);
  } finally {
    cleanup();
  }
});

test('offline: a clear error naming the repo and file, and no partial file left behind', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'stories260K.bin'), 'x');
    await assert.rejects(
      pull('stories260K', { dir, fetch: noNetwork }),
      /could not fetch stories260K\/tok512\.bin from karpathy\/tinyllamas .*ENOTFOUND.*needs network access/,
    );
    assert.deepEqual(readdirSync(dir), ['stories260K.bin']);
    await assert.rejects(
      pull('gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82', { dir, fetch: noNetwork }),
      /could not fetch the file list of layer_12/,
    );
  } finally {
    cleanup();
  }
});

test('models folder and name resolution: JUMPLENS_MODELS, .bin names, hub-cache folders', () => {
  assert.equal(modelsDir({ JUMPLENS_MODELS: '/x/models' }), '/x/models');
  assert.ok(modelsDir({}).endsWith(`${path.sep}models`));
  const c = candidatePaths('google/gemma-2-2b', { env: { JUMPLENS_MODELS: '/m', HF_HOME: '/h' } });
  const underM = c.filter((p) => p.startsWith('/m/'));
  assert.deepEqual(underM, ['/m/google/gemma-2-2b', '/m/google/gemma-2-2b.bin', '/m/models--google--gemma-2-2b']);
  assert.equal(c.at(-1), '/h/hub/models--google--gemma-2-2b');
  const { dir, cleanup } = tempDir();
  try {
    const repo = path.join(dir, 'models--org--m');
    mkdirSync(path.join(repo, 'snapshots', 'r1'), { recursive: true });
    assert.equal(resolveHfCacheFolder(repo), path.join(repo, 'snapshots', 'r1'));
    mkdirSync(path.join(repo, 'snapshots', 'r2'));
    assert.throws(() => resolveHfCacheFolder(repo), /2 snapshots and no refs\/main/);
    mkdirSync(path.join(repo, 'refs'));
    writeFileSync(path.join(repo, 'refs', 'main'), 'r2\n');
    assert.equal(resolveHfCacheFolder(repo), path.join(repo, 'snapshots', 'r2'));
    assert.ok(existsSync(resolveHfCacheFolder(repo)));
  } finally {
    cleanup();
  }
});
