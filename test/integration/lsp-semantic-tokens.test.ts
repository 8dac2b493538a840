// Issue #13 in process: an LspServer (real stories260K + the shipped default SAE) whose client
// declares refreshSupport and opts into tokenFeatures deltas. Semantic tokens carry each firing
// token's level; refreshes follow each analysis; an edit sends a delta the client merges back to the
// full list; `jumplens/jobs` summarises jobs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Commands, DRAWS_TOKEN_FEATURES_OPTION, SEMANTIC_TOKEN_TYPES, TOKEN_FEATURES_DELTA_OPTION, type TokenFeaturesMessage } from '../../protocol';
import type { LspServer } from '../../server/src/lsp/lsp-server';
import { activationLevel } from '../../server/src/lsp/semantic-tokens';
import { TokenState } from '../../client/src/token-state';
import { startInProcessLsp, type InProcessLsp } from '../helpers/in-process-lsp';
import { RecordingLspClient } from '../helpers/recording-lsp-client';

/** A client that supports refresh requests, and records them. */
class Recorder extends RecordingLspClient {
  readonly refreshes: string[] = [];
  refresh = (what: 'semanticTokens' | 'inlayHint'): void => void this.refreshes.push(what);
}

let lsp: InProcessLsp;
let server: LspServer;
const client = new Recorder();

before(() => {
  lsp = startInProcessLsp(client, {
    capabilities: { workspace: { semanticTokens: { refreshSupport: true }, inlayHint: { refreshSupport: true } } },
    options: { [TOKEN_FEATURES_DELTA_OPTION]: true, inlayHints: { enabled: true } },
  });
  server = lsp.server;
  assert.deepEqual(lsp.init.capabilities.semanticTokensProvider?.legend.tokenTypes, [...SEMANTIC_TOKEN_TYPES]);
});
after(() => lsp.stop());

test('semantic tokens carry levels, refreshes follow analysis, an edit arrives as a delta the client merges', async () => {
  const uri = 'file:///st.jlp';
  const text = 'Once upon a time, there was a little girl named Lily.\nShe loved to play in the park with her dog.';
  const state = new TokenState();
  server.didOpen({ textDocument: { uri, languageId: 'jumplens-prompt', version: 1, text } });
  const first = state.update(await client.tokenFeatures<TokenFeaturesMessage>(uri, 1));
  assert.ok(client.refreshes.includes('semanticTokens') && client.refreshes.includes('inlayHint'), 'refreshes after the analysis');
  const st = await server.semanticTokensFull({ textDocument: { uri } });
  // Semantic tokens are single-line: a token spanning lines is cut at its first line's end (a bare newline leaves nothing).
  const lines = text.split('\n');
  const lenOf = (t: (typeof first.tokens)[number]) =>
    (t.range.start.line === t.range.end.line ? t.range.end.character : lines[t.range.start.line].length) - t.range.start.character;
  const firing = first.tokens.filter((t) => activationLevel(t) >= 0 && lenOf(t) > 0);
  assert.equal(st.data.length, 5 * firing.length, 'one semantic token per firing token');
  // Decode the relative positions and compare each level with the token's rel.
  let line = 0;
  let ch = 0;
  for (let i = 0; i < firing.length; i++) {
    const [dl, dc, len, type] = st.data.slice(5 * i, 5 * i + 4);
    line += dl;
    ch = dl === 0 ? ch + dc : dc;
    assert.deepEqual({ line, character: ch }, firing[i].range.start);
    assert.equal(len, lenOf(firing[i]));
    assert.equal(type, activationLevel(firing[i]));
  }
  // A one-character edit on line 1: a delta against version 1, merged to the full list.
  server.didChange({
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } }, text: 'He' }],
  });
  const msg = await client.tokenFeatures<TokenFeaturesMessage>(uri, 2);
  assert.equal(msg.delta?.baseVersion, 1);
  // The first line's tokens (before the edit, so unchanged) are not re-sent.
  const line0 = first.tokens.filter((t) => t.range.end.line === 0).length;
  assert.ok(
    msg.delta!.start >= line0 && msg.tokens.length < first.tokens.length,
    `delta from ${msg.delta!.start} holds ${msg.tokens.length} of ${first.tokens.length} tokens`,
  );
  const merged = state.update(msg);
  const st2 = await server.semanticTokensDelta({ textDocument: { uri }, previousResultId: st.resultId! });
  assert.ok('edits' in st2, 'a delta answer');
  // The merged list is what the server analysed for version 2: the same semantic tokens.
  const again = await server.semanticTokensFull({ textDocument: { uri } });
  assert.equal(
    again.data.length,
    5 *
      merged.tokens.filter((t) => activationLevel(t) >= 0 && t.range.start.line === t.range.end.line && t.range.end.character > t.range.start.character)
        .length +
      5 * merged.tokens.filter((t) => activationLevel(t) >= 0 && t.range.start.line !== t.range.end.line && lenOf(t) > 0).length,
  );
  // The merged list equals a fresh full analysis of the edited text.
  const uri2 = 'file:///st-fresh.jlp';
  server.didOpen({ textDocument: { uri: uri2, languageId: 'jumplens-prompt', version: 1, text: text.replace('\nShe', '\nHe') } });
  const fresh = await client.tokenFeatures<TokenFeaturesMessage>(uri2, 1);
  assert.equal(fresh.delta, undefined);
  // Same tokens, ranges and feature ids; activations to float32 noise (the cached run and a fresh
  // one sum in different orders, and the wire rounds to 5 significant digits).
  const shape = (ts: typeof fresh.tokens) => ts.map((t) => ({ ...t, top: t.top.map((f) => f.id), act: undefined }));
  assert.deepEqual(shape(merged.tokens), shape(fresh.tokens));
  merged.tokens.forEach((t, i) =>
    t.top.forEach((f, j) =>
      assert.ok(
        Math.abs(f.act - fresh.tokens[i].top[j].act) <= 1e-3 * Math.max(1, Math.abs(f.act)),
        `token ${i} feature ${f.id}: ${f.act} vs ${fresh.tokens[i].top[j].act}`,
      ),
    ),
  );
});

test('a client that draws tokenFeatures itself (VS Code) gets no semantic tokens, and no hint refresh with hints off', async () => {
  const c = new Recorder();
  const other = startInProcessLsp(c, {
    capabilities: { workspace: { semanticTokens: { refreshSupport: true }, inlayHint: { refreshSupport: true } } },
    options: { [DRAWS_TOKEN_FEATURES_OPTION]: true },
  });
  const s = other.server;
  try {
    assert.equal(other.init.capabilities.semanticTokensProvider, undefined);
    const uri = 'file:///draws.jlp';
    s.didOpen({ textDocument: { uri, languageId: 'jumplens-prompt', version: 1, text: 'Once upon a time, there was a little girl.' } });
    const tf = await c.tokenFeatures<TokenFeaturesMessage>(uri, 1);
    assert.ok(tf.tokens.length > 5);
    assert.deepEqual(c.refreshes, [], 'no refresh asks the editor to re-request anything per analysis');
  } finally {
    await other.stop();
  }
});

test('jumplens/jobs lists each job with state, outcome and output path', async () => {
  // An eval of an SAE that does not exist fails fast: its outcome names the failure.
  const { jobId } = await server.executeCommand({
    command: Commands.evaluate,
    arguments: [{ sae: path.join(lsp.dir, 'no-such-sae'), model: 'stories260K', corpus: path.join(lsp.dir, 'none.txt') }],
  });
  const deadline = Date.now() + 60_000;
  let job = server.jobSummaries().find((j) => j.id === jobId);
  while (job && !['done', 'failed', 'cancelled', 'interrupted'].includes(job.state) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    job = server.jobSummaries().find((j) => j.id === jobId);
  }
  assert.ok(job, 'the job is listed');
  assert.equal(job.kind, 'eval');
  assert.equal(job.state, 'failed');
  assert.match(job.outcome, /^failed: .*no-such-sae/);
  assert.equal(job.outputPath, server.listJobs().find((j) => j.id === jobId)!.dir);
});
