// The ws frontierResults op's logic: the bundled reference is found under the package root (the
// .vsix's assets/frontier/, else a checkout's docs/results/frontier/), a path the fs policy does not
// allow is refused before it is read, and a missing, non-JSON or wrongly shaped file is named in
// the error with what is wrong.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { bundledFrontierPath, frontierResults } from '../../../server/src/session/frontier-results';
import { FsPolicy } from '../../../server/src/session/fs-policy';
import { REPO_ROOT, tempDir } from '../../helpers/paths';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'frontier', 'probe-frontier.json');
const fixtureRows = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { rows: unknown[] }).rows;
const tmp = tempDir('jumplens-frontier-');
after(() => tmp.cleanup());

test('the bundled reference is assets/frontier/frontier.json, else docs/results/frontier/frontier.json, else none', () => {
  const root = path.join(tmp.dir, 'pkg');
  mkdirSync(root, { recursive: true });
  assert.equal(bundledFrontierPath(root), undefined);
  const docs = path.join(root, 'docs', 'results', 'frontier');
  mkdirSync(docs, { recursive: true });
  copyFileSync(FIXTURE, path.join(docs, 'frontier.json'));
  assert.equal(bundledFrontierPath(root), path.join(docs, 'frontier.json'), 'a source checkout before a build');
  const assets = path.join(root, 'assets', 'frontier');
  mkdirSync(assets, { recursive: true });
  copyFileSync(FIXTURE, path.join(assets, 'frontier.json'));
  assert.equal(bundledFrontierPath(root), path.join(assets, 'frontier.json'), 'the packaged copy wins');

  const r = frontierResults({}, { bundled: bundledFrontierPath(root) });
  assert.equal(r.bundled, true);
  assert.equal(r.path, path.join(assets, 'frontier.json'));
  assert.equal(r.results.rows.length, fixtureRows.length);
  assert.equal(r.results.rows[0].hook, 'blocks.2.hook_resid_post');
  // Extra row fields (tokens, ce_clean, ...) survive for the view's tooltips and exports.
  assert.equal(typeof (r.results.rows[0] as Record<string, unknown>).tokens, 'number');

  assert.throws(() => frontierResults({}, {}), /no reference frontier is bundled .*assets\/frontier\/frontier\.json.*load a frontier\.json by path/);
});

test('a path outside the allowed folders is refused before it is read; one inside is read', () => {
  const allowed = path.join(tmp.dir, 'workspace');
  const outside = path.join(tmp.dir, 'elsewhere');
  mkdirSync(allowed, { recursive: true });
  mkdirSync(outside, { recursive: true });
  const secret = path.join(outside, 'frontier.json');
  writeFileSync(secret, 'TOPSECRET not json');
  const policy = new FsPolicy(() => [allowed]);
  assert.throws(
    () => frontierResults({ path: secret }, { policy }),
    (e: Error) =>
      /frontierResults "path" ".*elsewhere\/frontier\.json" is outside the folders JumpLens may use/.test(e.message) && !/TOPSECRET/.test(e.message),
  );
  assert.throws(() => frontierResults({ path: '../elsewhere/frontier.json' }, { policy }), /must be an absolute path/);
  const mine = path.join(allowed, 'frontier.json');
  copyFileSync(FIXTURE, mine);
  const r = frontierResults({ path: mine }, { policy });
  assert.equal(r.bundled, false);
  assert.equal(r.path, mine);
  assert.equal(r.results.rows.length, fixtureRows.length);
});

test('a missing, non-JSON or wrongly shaped file is named with its problem', () => {
  const f = (name: string, text?: string) => {
    const p = path.join(tmp.dir, name);
    if (text !== undefined) writeFileSync(p, text);
    return p;
  };
  const missing = f('missing.json');
  assert.throws(
    () => frontierResults({ path: missing }, {}),
    (e: Error) => e.message.startsWith(`${missing}: no such file`),
  );
  const garbage = f('garbage.json', '{"rows": [');
  assert.throws(
    () => frontierResults({ path: garbage }, {}),
    (e: Error) => e.message.startsWith(`${garbage}: not valid JSON`),
  );
  const noRows = f('no-rows.json', JSON.stringify({ config: {} }));
  assert.throws(
    () => frontierResults({ path: noRows }, {}),
    (e: Error) => e.message.startsWith(`${noRows}: not a frontier sweep's results`) && /"rows"/.test(e.message),
  );
  const row = { ...(fixtureRows[0] as Record<string, unknown>), 'metrics/l0': 'many' };
  const badRow = f('bad-row.json', JSON.stringify({ config: {}, rows: [row] }));
  assert.throws(
    () => frontierResults({ path: badRow }, {}),
    (e: Error) => e.message.startsWith(`${badRow}:`) && /field "rows\.0\.metrics\/l0"/.test(e.message),
  );
});
