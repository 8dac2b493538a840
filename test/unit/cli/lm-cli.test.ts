// The lm CLI end to end on the real stories260K: tokenize JSON, generate equals run.c's ids,
// run writes .npy files numpy can read (header checked here), eval prints a plausible loss.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, sharedFile, tempDir } from '../../helpers/paths';

const bin = path.join(REPO_ROOT, 'bin', 'jumplens');
const model = () => sharedFile('models', 'stories260K.bin');
function cli(...args: string[]): { out: string; err: string; code: number } {
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd: REPO_ROOT });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

test('lm tokenize --json and lm generate', () => {
  const t = cli('lm', 'tokenize', model(), 'The little dog', '--json');
  assert.equal(t.code, 0, t.err);
  const j = JSON.parse(t.out);
  assert.deepEqual(j.ids, [1, 291, 376, 400, 428]);
  assert.deepEqual(j.offsets, [
    [0, 0],
    [0, 3],
    [3, 10],
    [10, 13],
    [13, 14],
  ]);
  const g = cli('lm', 'generate', model(), '--text', 'The little dog', '--steps', '26', '--json');
  assert.equal(g.code, 0, g.err);
  assert.equal(
    JSON.parse(g.out).ids.join(' '),
    '1 291 376 400 428 286 261 376 298 315 421 395 317 426 338 401 396 267 337 335 311 267 422 419 269 311 267 422 419 426 385',
  );
});

test('lm run writes activation and logits .npy; lm eval prints the loss; bad hook fails clearly', () => {
  const { dir, cleanup } = tempDir();
  try {
    const acts = path.join(dir, 'acts.npy');
    const logits = path.join(dir, 'logits.npy');
    const r = cli('lm', 'run', model(), '--text', 'Once upon a time', '--hook', 'blocks.3.hook_resid_post', '--out', acts, '--logits', logits);
    assert.equal(r.code, 0, r.err);
    const a = readFileSync(acts);
    assert.equal(a.subarray(1, 6).toString('latin1'), 'NUMPY');
    const hlen = a.readUInt16LE(8);
    assert.match(a.toString('latin1', 10, 10 + hlen), /'descr': '<f4', 'fortran_order': False, 'shape': \(5, 64\)/);
    assert.equal(a.length, 10 + hlen + 5 * 64 * 4);
    assert.match(readFileSync(logits).toString('latin1', 10, 128), /'shape': \(5, 512\)/);
    const e = cli('lm', 'eval', model(), '--corpus', sharedFile('data', 'tinystories-train-first1000.json'), '--docs', '3', '--max-tokens', '600');
    assert.equal(e.code, 0, e.err);
    const ce = Number(/cross-entropy: ([\d.]+) nats/.exec(e.out)![1]);
    // A uniform guess over 512 tokens is ln 512 = 6.24 nats; the trained model is far better.
    assert.ok(ce > 0.5 && ce < 3, `loss ${ce}`);
    const bad = cli('lm', 'run', model(), '--text', 'x', '--hook', 'blocks.7.hook_resid_post');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /layer 7 out of range/);
  } finally {
    cleanup();
  }
});
