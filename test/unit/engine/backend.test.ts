import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';

// Each case runs in a child process: the backend is chosen once per process.
function doctor(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'jumplens'), 'doctor', '--json'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return r;
}

test('picks the best backend that loads and says why better ones were skipped', () => {
  const r = doctor({});
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(rep.kind));
  // Everything ranked above the chosen backend appears in `skipped` with a reason.
  const order = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu'];
  const above = order.slice(0, order.indexOf(rep.pkg));
  assert.deepEqual(
    rep.skipped.map((s: { pkg: string }) => s.pkg),
    above,
  );
  for (const s of rep.skipped) assert.ok(s.reason.length > 0);
});

test('JUMPLENS_BACKEND forces a backend', () => {
  const r = doctor({ JUMPLENS_BACKEND: 'cpu' });
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.kind, 'cpu');
  assert.equal(rep.forcedBy, 'JUMPLENS_BACKEND');
});

test('an unknown JUMPLENS_BACKEND is a clear error, not a silent fallback', () => {
  const r = doctor({ JUMPLENS_BACKEND: 'cuda9' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /JUMPLENS_BACKEND=cuda9: unknown backend/);
});
