// The daemon as the .vsix ships it, driven by a plain LSP client: `npm run package` into a temp
// folder, unpack it outside the repository (no node_modules, no `models` link above it), start
// `extension/dist/server/daemon.js --stdio` with only the initializationOptions the extension sends
// with empty settings (client/src/daemon.ts: extensionPath, the plain settings' defaults, the
// bundled SAE), no JUMPLENS_MODELS, and a client that answers `workspace/configuration` with
// nothing. It must colour and hover a `.jlp` document and finish a threshold sweep whose spec names
// no SAE, model or corpus.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { tempDir } from '../helpers/paths';
import { packageVsix, unpackVsix } from '../helpers/package-vsix';
import type { JobEvent, JobInfo, TokenFeaturesParams } from '../../protocol';

const tmp = tempDir('jumplens-unpacked-lsp-');
const ext = path.join(tmp.dir, 'unpacked', 'extension');
const ws = path.join(tmp.dir, 'workspace');
let proc: ChildProcess;
let conn: MessageConnection;
let stderr = '';
const notes: { method: string; params: any }[] = [];

function waitFor(method: string, pred: (p: any) => boolean, timeoutMs: number): Promise<any> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const hit = notes.find((n) => n.method === method && pred(n.params));
      if (hit) return resolve(hit.params);
      if (Date.now() - t0 > timeoutMs) return reject(new Error(`timed out waiting for ${method}; daemon stderr:\n${stderr.slice(-3000)}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

before(async () => {
  const vsix = path.join(tmp.dir, 'jumplens.vsix');
  const r = packageVsix(vsix);
  assert.equal(r.status, 0, `npm run package failed:\n${r.output}`);
  unpackVsix(vsix, path.join(tmp.dir, 'unpacked'));
  mkdirSync(ws, { recursive: true });
  const env = { ...process.env };
  delete env.JUMPLENS_MODELS;
  proc = spawn(process.execPath, [path.join(ext, 'dist', 'server', 'daemon.js'), '--stdio'], { cwd: ws, env, stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  conn.onNotification((method, params) => void notes.push({ method, params }));
  conn.onUnhandledProgress((p) => void notes.push({ method: '$/progress', params: p }));
  conn.onRequest('window/workDoneProgress/create', () => null);
  // Empty user settings: the client's middleware fills in only the bundled SAE.
  conn.onRequest('workspace/configuration', () => [{ sae: path.join(ext, 'assets', 'default-sae') }]);
  conn.listen();
  // What client/src/daemon.ts sends when every jumplens.* setting is at its package.json default.
  const pkg = JSON.parse(readFileSync(path.join(ext, 'package.json'), 'utf8'));
  const props = pkg.contributes.configuration.properties ?? Object.assign({}, ...pkg.contributes.configuration.map((c: any) => c.properties));
  const plain = Object.fromEntries(
    ['model', 'sae', 'hook', 'topK', 'languages', 'maxTokens'].map((k) => [k, props[`jumplens.${k}`]?.default]).filter(([, v]) => v !== undefined && v !== ''),
  );
  const initializationOptions = { extensionPath: ext, ...plain, sae: path.join(ext, 'assets', 'default-sae') };
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: `file://${ws}`,
    workspaceFolders: [{ uri: `file://${ws}`, name: 'workspace' }],
    capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true }, textDocument: { hover: { contentFormat: ['markdown'] } } },
    initializationOptions,
  });
  await conn.sendNotification('initialized', {});
});

after(async () => {
  try {
    await Promise.race([conn?.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 10_000))]);
    await conn?.sendNotification('exit');
  } catch {}
  await new Promise<void>((resolve) => {
    if (!proc || proc.exitCode !== null) return resolve();
    const t = setTimeout(() => (proc.kill('SIGKILL'), resolve()), 5000);
    proc.once('exit', () => (clearTimeout(t), resolve()));
  });
  conn?.dispose();
  tmp.cleanup();
});

test('the unpacked daemon colours and hovers a .jlp document with the bundled model, SAE and store', async () => {
  const uri = `file://${ws}/first.jlp`;
  await conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'jumplens-prompt', version: 1, text: 'Once upon a time, there was a little dog named Max. He liked to run in the park.' },
  });
  const tf = (await waitFor('jumplens/tokenFeatures', (p: TokenFeaturesParams) => p.uri === uri && p.version === 1, 120_000)) as TokenFeaturesParams;
  const t = tf.tokens.find((x) => x.top.length > 0);
  assert.ok(t, `no token has a feature; stderr:\n${stderr.slice(-2000)}`);
  const h = (await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: t.range.start })) as { contents: { value: string } } | null;
  assert.ok(h, 'a hover');
  assert.match(h.contents.value, /of corpus max/);
  assert.match(h.contents.value, /\| #\d+ \|[^|]*\| [\d.]+ \| \d+% \| [\d.]+%/, h.contents.value);
  const diags = notes.filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === uri).flatMap((n) => n.params.diagnostics);
  assert.deepEqual(diags, [], 'no load errors');
});

test('the unpacked daemon finishes a threshold sweep with no sae, model or corpus', async () => {
  const r = (await conn.sendRequest('workspace/executeCommand', {
    command: 'jumplens.job.sweepThreshold',
    arguments: [{ tokens: 2048, scales: [0.5, 1, 2] }],
  })) as { jobId: string };
  const ev = (await waitFor(
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
