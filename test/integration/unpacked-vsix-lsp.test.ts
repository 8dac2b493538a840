// The daemon as the .vsix ships it, driven by a plain LSP client: `npm run package` into a temp
// folder, unpack it outside the repository (no node_modules, no `models` link above it), and start
// it as the extension does for a user with no settings (test/helpers/unpacked-daemon.ts: only the
// initializationOptions the extension sends, no JUMPLENS_* variables, the manifest's defaults as
// the configuration). It must colour and hover a `.jlp` document and finish a threshold sweep
// whose spec names no SAE, model or corpus.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/paths';
import type { Daemon } from '../helpers/daemon-client';
import { packageVsix, unpackVsix } from '../helpers/package-vsix';
import { startUnpackedDaemon } from '../helpers/unpacked-daemon';
import type { JobEvent, JobInfo, TokenFeaturesParams } from '../../protocol';

const tmp = tempDir('jumplens-unpacked-lsp-');
const ext = path.join(tmp.dir, 'unpacked', 'extension');
const ws = path.join(tmp.dir, 'workspace');
let d: Daemon;

before(async () => {
  const vsix = path.join(tmp.dir, 'jumplens.vsix');
  const r = packageVsix(vsix);
  assert.equal(r.status, 0, `npm run package failed:\n${r.output}`);
  unpackVsix(vsix, path.join(tmp.dir, 'unpacked'));
  mkdirSync(ws, { recursive: true });
  d = await startUnpackedDaemon(ext, ws);
});

after(async () => {
  await d?.close();
  tmp.cleanup();
});

test('the unpacked daemon colours and hovers a .jlp document with the bundled model, SAE and store', async () => {
  const uri = `file://${ws}/first.jlp`;
  await d.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'jumplens-prompt', version: 1, text: 'Once upon a time, there was a little dog named Max. He liked to run in the park.' },
  });
  const tf = (await d.waitFor('jumplens/tokenFeatures', (p: TokenFeaturesParams) => p.uri === uri && p.version === 1, 120_000)) as TokenFeaturesParams;
  const t = tf.tokens.find((x) => x.top.length > 0);
  assert.ok(t, `no token has a feature; stderr:\n${d.stderr().slice(-2000)}`);
  const h = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: t.range.start })) as { contents: { value: string } } | null;
  assert.ok(h, 'a hover');
  assert.match(h.contents.value, /of corpus max/);
  assert.match(h.contents.value, /\| #\d+ \|[^|]*\| [\d.]+ \| \d+% \| [\d.]+%/, h.contents.value);
  const diags = d.notes.filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === uri).flatMap((n) => n.params.diagnostics);
  assert.deepEqual(diags, [], 'no load errors');
});

test('the unpacked daemon finishes a threshold sweep with no sae, model or corpus', async () => {
  const r = (await d.conn.sendRequest('workspace/executeCommand', {
    command: 'jumplens.job.sweepThreshold',
    arguments: [{ tokens: 2048, scales: [0.5, 1, 2] }],
  })) as { jobId: string };
  const ev = (await d.waitFor(
    'jumplens/jobEvent',
    (e: JobEvent) => e.type === 'state' && e.job.id === r.jobId && ['done', 'failed', 'cancelled'].includes(e.job.state),
    300_000,
  )) as { job: JobInfo };
  assert.equal(ev.job.state, 'done', ev.job.error);
  assert.equal(ev.job.spec.sae, path.join(ext, 'assets', 'default-sae'));
  assert.equal(ev.job.spec.corpus, path.join(ext, 'assets', 'corpus', 'tinystories-train-700-999.json'));
  assert.ok(ev.job.result?.kind === 'sweepThreshold' && ev.job.result.rows.length === 3);
  assert.ok(ev.job.dir.startsWith(path.join(ws, '.jumplens', 'runs')), ev.job.dir);
});
