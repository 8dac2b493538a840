// `.jlp` prompt files in the real daemon (stdio JSON-RPC, real stories260K): comments, directives and
// `---` are not analysed, each prompt is encoded on its own from BOS, directives override the
// settings for their file only, and bad directives come back as diagnostics on their lines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { startDaemon, writeRandomSae, type Daemon } from '../helpers/daemon-client';
import { tempDir } from '../helpers/paths';
import { writeTinyGpt2 } from '../helpers/lm-fixtures';
import { randomSae } from '../helpers/sae-fixtures';
import { saveSae } from '../../server/src/engine/sae/io';
import type { StatusResult, TokenFeatures, TokenFeaturesParams } from '../../protocol';

const tmp = tempDir('jumplens-daemon-jlp-');
let d: Daemon;
const versions = new Map<string, number>();
const docs = new Map<string, TextDocument>();

interface Diag {
  range: { start: { line: number } };
  severity: number;
  message: string;
}

before(async () => {
  const sae = await writeRandomSae(path.join(tmp.dir, 'sae'));
  // A second model and an SAE that fits it, next to the prompt files (found through relative directives).
  writeTinyGpt2(path.join(tmp.dir, 'gpt2'));
  const small = randomSae('jumprelu', 16, 32, 3, { metadata: { hook_name: 'blocks.1.hook_resid_post', model_name: 'tiny-gpt2' } });
  await saveSae(path.join(tmp.dir, 'sae16'), small);
  small.dispose();
  // jumplens.saes: an SAE for one hook (d_sae 128, told apart from the settings SAE's 256 by its width).
  const layer3 = await writeRandomSae(path.join(tmp.dir, 'sae-layer3'), 128);
  d = await startDaemon(
    { sae, saes: { 'blocks.3.hook_resid_post': layer3, 'blocks.0.hook_resid_post': 42 }, debounceMs: 0, runsDir: path.join(tmp.dir, 'runs') },
    tmp.dir,
  );
});
after(async () => {
  await d?.close();
  tmp.cleanup();
});

const uriOf = (name: string) => pathToFileURL(path.join(tmp.dir, name)).toString();

function open(name: string, text: string, languageId = 'jumplens-prompt'): string {
  const uri = uriOf(name);
  versions.set(uri, 1);
  docs.set(uri, TextDocument.create(uri, languageId, 1, text));
  void d.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  return uri;
}

/** Replaces the whole text (a full-document change); returns the new version. */
function change(uri: string, text: string): number {
  const v = versions.get(uri)! + 1;
  versions.set(uri, v);
  const old = docs.get(uri)!;
  const range = { start: { line: 0, character: 0 }, end: old.positionAt(old.getText().length) };
  docs.set(uri, TextDocument.update(old, [{ text }], v));
  void d.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ range, text }] });
  return v;
}

const features = (uri: string, version = versions.get(uri)!): Promise<TokenFeaturesParams> =>
  d.waitFor('jumplens/tokenFeatures', (p: TokenFeaturesParams) => p.uri === uri && p.version === version);

/** The newest diagnostics published for `uri` that satisfy `pred`. */
async function diagnostics(uri: string, pred: (ds: Diag[]) => boolean): Promise<Diag[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const mine = d.notes.filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === uri);
    const last = mine[mine.length - 1]?.params.diagnostics as Diag[] | undefined;
    if (last && pred(last)) return last;
    if (Date.now() > deadline) throw new Error(`diagnostics for ${uri}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const textOf = (uri: string, t: TokenFeatures) => {
  const doc = docs.get(uri)!;
  return doc.getText(t.range);
};

function assertSameFeatures(a: TokenFeatures, b: TokenFeatures, what: string): void {
  assert.equal(a.id, b.id, `${what}: token id`);
  assert.deepEqual(
    a.top.map((f) => f.id),
    b.top.map((f) => f.id),
    `${what}: top feature ids`,
  );
  for (let j = 0; j < a.top.length; j++) assert.ok(Math.abs(a.top[j].act - b.top[j].act) < 1e-3 * (1 + Math.abs(b.top[j].act)), `${what}: act`);
}

const P1 = 'Once upon a time, there was a little girl named Lily.';
const P2 = 'She loved to play in the park with her dog.';

test('comments, directives and --- lines get no tokens; each prompt is encoded on its own from BOS', async () => {
  const text = ['# two prompts', '@top-k 5', P1, '# between the lines', '---', '', P2, ''].join('\n');
  const uri = open('two.jlp', text);
  const tf = await features(uri);
  const promptLines = new Set([2, 6]);
  for (const t of tf.tokens) {
    assert.ok(promptLines.has(t.range.start.line) && promptLines.has(t.range.end.line), `token ${JSON.stringify(t.text)} on line ${t.range.start.line}`);
    assert.ok(t.text.endsWith(textOf(uri, t).replace(/^ /, '')), `token ${JSON.stringify(t.text)} vs ${JSON.stringify(textOf(uri, t))}`);
  }
  const second = tf.tokens.filter((t) => t.range.start.line === 6);
  assert.ok(second.length > 5);

  // Prompt 2 alone, as a plain document, gives the same features: nothing of prompt 1 leaks in.
  const alone = open('alone.jlp', P2);
  const a = await features(alone);
  assert.equal(a.tokens.length, second.length);
  for (let i = 0; i < second.length; i++) assertSameFeatures(second[i], a.tokens[i], `prompt 2 token ${i}`);

  // Whereas read as one text (no separator), prompt 2's tokens see prompt 1 and their features change.
  const joined = open('joined.jlp', `${P1}\n${P2}`);
  const j = await features(joined);
  // Compare the last 8 tokens, the same ids in both (the line break changes how " She" starts).
  const tail = j.tokens.slice(-8);
  const mine = second.slice(-8);
  assert.deepEqual(
    tail.map((t) => t.id),
    mine.map((t) => t.id),
  );
  assert.ok(
    tail.some((t, i) => t.top[0]?.id !== mine[i].top[0]?.id || Math.abs(t.max - mine[i].max) > 1e-3),
    'features with and without the preceding prompt are identical: the test cannot tell them apart',
  );

  // A hover on a comment line finds no token; on prompt 2 it does.
  assert.equal(await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 3 } }), null);
  const h = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: second[2].range.start })) as { range: unknown } | null;
  assert.deepEqual(h?.range, second[2].range);

  // Commenting everything out leaves no tokens (and no stale hovers).
  const v = change(
    uri,
    text
      .split('\n')
      .map((l) => (l.startsWith('#') || l.startsWith('@') || l === '---' || l === '' ? l : `# ${l}`))
      .join('\n'),
  );
  const none = await features(uri, v);
  assert.deepEqual(none.tokens, []);
  assert.equal(await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 6, character: 5 } }), null);
});

test('@top-k and @hook apply to their file only; the hover names the hook, a note says the SAE was trained elsewhere', async () => {
  const uri = open('k2.jlp', ['@top-k 2', '@hook blocks.1.hook_resid_post', P1].join('\n'));
  const plain = open('k5.jlp', P1);
  const [a, b] = await Promise.all([features(uri), features(plain)]);
  assert.ok(a.tokens.every((t) => t.top.length <= 2) && a.tokens.some((t) => t.top.length === 2), 'top-k 2 in k2.jlp');
  assert.ok(
    b.tokens.some((t) => t.top.length > 2),
    'the settings top-k (5) in k5.jlp',
  );
  const t = a.tokens.find((x) => x.top.length > 0)!;
  const h = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: t.range.start })) as { contents: { value: string } };
  assert.match(h.contents.value, /blocks\.1\.hook_resid_post/);
  const hp = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri: plain }, position: b.tokens[3].range.start })) as {
    contents: { value: string };
  };
  assert.match(hp.contents.value, /blocks\.2\.hook_resid_post/);
  const ds = await diagnostics(uri, (x) => x.length > 0);
  assert.equal(ds[0].range.start.line, 1);
  assert.match(ds[0].message, /trained on blocks\.2\.hook_resid_post; it encodes blocks\.1\.hook_resid_post/);
  const st = (await d.conn.sendRequest('jumplens/status', { uri })) as StatusResult;
  assert.equal(st.sae?.hook, 'blocks.1.hook_resid_post');

  // Directive help: a hover on a directive says what it resolved to; completion offers names and hooks.
  const hd = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 2 } })) as {
    contents: { value: string };
  };
  assert.match(hd.contents.value, /\*\*@hook\*\*/);
  assert.match(hd.contents.value, /Encoding `blocks\.1\.hook_resid_post`/);
  const names = (await d.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 0, character: 2 } })) as { label: string }[];
  assert.ok(names.some((c) => c.label === '@top-k') && names.some((c) => c.label === '@sae'), JSON.stringify(names.map((c) => c.label)));
  const hooks = (await d.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 1, character: '@hook '.length } })) as {
    label: string;
  }[];
  assert.ok(
    hooks.some((c) => c.label === 'blocks.4.hook_resid_post'),
    JSON.stringify(hooks.map((c) => c.label).slice(0, 8)),
  );
  // Nothing is offered in prompt text.
  const none = (await d.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 2, character: 4 } })) as unknown[];
  assert.deepEqual(none, []);
});

test('@hook picks the SAE jumplens.saes names for that hook; @sae still wins', async () => {
  const status = (uri: string) => d.conn.sendRequest('jumplens/status', { uri }) as Promise<StatusResult>;
  const l3 = open('layer3.jlp', ['@hook blocks.3.hook_resid_post', P1].join('\n'));
  const own = open('layer3-own.jlp', ['@hook blocks.3.hook_resid_post', '@sae ./sae', P1].join('\n'));
  await Promise.all([features(l3), features(own)]);
  const [a, b] = await Promise.all([status(l3), status(own)]);
  assert.equal(a.sae?.dSae, 128);
  assert.equal(a.sae?.path, path.join(tmp.dir, 'sae-layer3'));
  assert.equal(b.sae?.dSae, 256);
  assert.equal(b.sae?.hook, 'blocks.3.hook_resid_post');
});

test('an edit in one prompt recomputes that prompt only, and equals a fresh analysis', async () => {
  const P3 = 'The sun was warm and the birds sang.';
  const base = [P1, '---', P2, '---', P3].join('\n');
  const uri = open('three.jlp', base);
  const v1 = await features(uri);
  const edited = base.replace(P2, `${P2} They ran`);
  change(uri, edited);
  const v2 = await features(uri);
  const n1 = v1.tokens.filter((t) => t.range.start.line === 0).length;
  const n2 = v1.tokens.filter((t) => t.range.start.line === 2).length;
  assert.ok(v2.recomputedFrom >= n1 + n2 - 1 && v2.recomputedFrom <= n1 + n2, `recomputed from ${v2.recomputedFrom}; prompt 2 ends at ${n1 + n2}`);
  assert.ok(v2.recomputed > 0 && v2.recomputed <= 4, `typing at the end of prompt 2 recomputed ${v2.recomputed} tokens`);
  // Prompts 1 and 3 keep their features (prompt 3 moved on its line, not in content).
  const p3 = (p: TokenFeaturesParams) => p.tokens.filter((t) => t.range.start.line === 4);
  assert.equal(p3(v2).length, p3(v1).length);
  p3(v2).forEach((t, i) => assertSameFeatures(t, p3(v1)[i], `prompt 3 token ${i}`));
  const fresh = open('three-fresh.jlp', edited);
  const f = await features(fresh);
  assert.equal(f.tokens.length, v2.tokens.length);
  f.tokens.forEach((t, i) => assertSameFeatures(v2.tokens[i], t, `token ${i}`));
});

test('@max-tokens: over the budget the daemon analyses the edited prompt and its neighbours, and says so', async () => {
  const lines = [P1, '---', P2, '---', P1, '---', P2];
  const uri = open('budget.jlp', ['@max-tokens 40', ...lines].join('\n'));
  const tf = await features(uri);
  assert.ok(tf.partial, 'marked partial');
  assert.match(tf.partial!.reason, /prompts 1\.\.\d of 4/);
  assert.ok(tf.tokens.length <= 40 && tf.tokens.length > 10, `${tf.tokens.length} tokens analysed`);
  // An edit in the last prompt moves the analysed prompts there.
  const v = change(uri, ['@max-tokens 40', ...lines.slice(0, 6), `${P2} Yes`].join('\n'));
  const t2 = await features(uri, v);
  assert.match(t2.partial!.reason, /prompts \d\.\.4 of 4/);
  assert.ok(t2.tokens.some((t) => t.range.start.line === 7));
  assert.ok(!t2.tokens.some((t) => t.range.start.line === 1));
});

test('@model/@sae relative to the file; a failing directive is a diagnostic on its line; fixing it recovers', async () => {
  // A model whose d_model (16) does not fit the settings SAE (64): an error on the @model line, no colours.
  const uri = open('gpt2.jlp', ['# tiny GPT-2', '@model ./gpt2', 'hello world'].join('\n'));
  const bad = await diagnostics(uri, (x) => x.some((g) => g.severity === 1));
  assert.equal(bad[0].range.start.line, 1);
  assert.match(bad[0].message, /d_in 64 does not match model .* d_model 16/);
  const st1 = (await d.conn.sendRequest('jumplens/status', { uri })) as StatusResult;
  assert.match(st1.error ?? '', /does not match/);

  // With an SAE that fits, next to the file: tokens and features flow and the status follows the file.
  const v = change(uri, ['# tiny GPT-2', '@model ./gpt2', '@sae ./sae16', 'hello world'].join('\n'));
  const tf = await features(uri, v);
  assert.ok(tf.tokens.length >= 5, `${tf.tokens.length} tokens`);
  assert.ok(tf.tokens.every((t) => t.range.start.line === 3));
  await diagnostics(uri, (x) => x.length === 0);
  const hs = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 1 } })) as {
    contents: { value: string };
  };
  assert.ok(hs.contents.value.includes(path.join(tmp.dir, 'sae16')), hs.contents.value);
  assert.match(hs.contents.value, /jumprelu, d_sae 32, trained on `blocks\.1\.hook_resid_post`/);
  const st2 = (await d.conn.sendRequest('jumplens/status', { uri })) as StatusResult;
  assert.equal(st2.model?.dModel, 16);
  assert.equal(st2.sae?.dSae, 32);
  assert.equal(st2.error, undefined);
  // Other files keep the settings' model.
  const other = (await d.conn.sendRequest('jumplens/status', { uri: uriOf('two.jlp') })) as StatusResult;
  assert.equal(other.model?.name, 'stories260K');

  // A missing SAE folder: the error names it, on the @sae line; a malformed value is flagged where it is.
  mkdirSync(path.join(tmp.dir, 'empty-sae'), { recursive: true });
  change(uri, ['@model ./gpt2', '@sae ./empty-sae', '@top-k many', 'hello world'].join('\n'));
  const ds = await diagnostics(uri, (x) => x.length === 2);
  const byLine = new Map(ds.map((g) => [g.range.start.line, g.message]));
  assert.match(byLine.get(1) ?? '', /empty-sae/);
  assert.match(byLine.get(2) ?? '', /@top-k must be an integer/);
  // @sae none: tokens only, no features, no errors.
  const v4 = change(uri, ['@model ./gpt2', '@sae none', 'hello world'].join('\n'));
  const t4 = await features(uri, v4);
  assert.ok(t4.tokens.length >= 5 && t4.tokens.every((t) => t.top.length === 0));
  await diagnostics(uri, (x) => x.length === 0);
});

test('switching engines back and forth leaks no tensors', async () => {
  const uri = open('switch.jlp', ['@model ./gpt2', '@sae ./sae16', 'hello'].join('\n'));
  const withSae = () => change(uri, ['@model ./gpt2', '@sae ./sae16', 'hello'].join('\n'));
  const without = () => change(uri, ['@sae none', 'Once upon a time'].join('\n'));
  await features(uri);
  const tensors = async () => ((await d.conn.sendRequest('jumplens/status')) as StatusResult).memory.numTensors;
  await features(uri, without());
  await features(uri, withSae());
  const t1 = await tensors();
  for (let i = 0; i < 4; i++) {
    await features(uri, without());
    await features(uri, withSae());
  }
  assert.equal(await tensors(), t1);
});
