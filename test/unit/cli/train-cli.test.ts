// `jumplens train` end to end from a .npy of activations: flags map to the config, the SAELens
// directory, metrics.json and the log come out, and bad flags fail with a named error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeNpy } from '../../../server/src/engine/io/npy';
import { syntheticActivations } from '../../helpers/synthetic-acts';
import { REPO_ROOT, tempDir } from '../../helpers/paths';

const bin = path.join(REPO_ROOT, 'bin', 'jumplens');

test('jumplens train --activations x.npy writes a SAELens directory with metrics', () => {
  const t = tempDir();
  const npy = path.join(t.dir, 'acts.npy');
  writeNpy(npy, syntheticActivations(2000, 8, 16, 2), [2000, 8]);
  const out = path.join(t.dir, 'sae');
  const r = spawnSync(
    process.execPath,
    [
      bin,
      'train',
      '--activations',
      npy,
      '--arch',
      'topk',
      '--k',
      '2',
      '--d-sae',
      '32',
      '--steps',
      '30',
      '--batch-size',
      '128',
      '--lr',
      '0.003',
      '--out',
      out,
      '--json',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(events.at(-1).step, 30);
  assert.ok(events.at(-1)['metrics/l0'] <= 2.01);
  const cfg = JSON.parse(readFileSync(path.join(out, 'cfg.json'), 'utf8'));
  assert.equal(cfg.architecture, 'topk');
  assert.equal(cfg.k, 2);
  assert.equal(cfg.d_sae, 32);
  assert.ok(existsSync(path.join(out, 'sae_weights.safetensors')));
  const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.step, 30);
  const bad = spawnSync(
    process.execPath,
    [bin, 'train', '--activations', npy, '--arch', 'relu6', '--d-sae', '8', '--steps', '2', '--out', path.join(t.dir, 'x')],
    { encoding: 'utf8' },
  );
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /architecture.*relu6/);
  t.cleanup();
});
