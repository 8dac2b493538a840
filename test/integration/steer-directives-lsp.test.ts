// `.jlp` steering directives in the language server on stories260K and the shipped default SAE: the
// analysed features are the steered model's at the SAE's hook. Steering at that hook changes only
// the intervened features there (the hook's input does not depend on the splice: splice.ts), so
// `@ablate F` zeroes F and leaves every other feature of the token as it was, `@steer F=5` reads 5
// at every token after BOS, removing the directive gives the clean analysis back exactly, and the
// hover of a steered token lists the interventions with their clean and steered values and the
// next-token KL. Feature F is the one firing most strongly on the prompt, found here, not assumed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenFeatures } from '../../protocol';
import type { LspServer } from '../../server/src/lsp/lsp-server';
import { startInProcessLsp, type InProcessLsp } from '../helpers/in-process-lsp';
import { RecordingLspClient } from '../helpers/recording-lsp-client';

const PROMPT = 'Once upon a time, there was a little girl named Lily. She loved to play';
// Top-k 100 lists every feature that fires on a token (the default SAE's L0 is far below 100).
const HEAD = '@top-k 100';
const URI = 'file:///steer-directives-test/story.jlp';

let lsp: InProcessLsp;
let server: LspServer;
let client: RecordingLspClient;
let version = 1;
let clean: TokenFeatures[];
/** The feature with the largest activation anywhere in the prompt, and the token it has it on. */
let F: number;
let at: number;

/** Replaces the document's text; resolves with its analysed tokens. */
async function setText(text: string): Promise<TokenFeatures[]> {
  version++;
  server.didChange({ textDocument: { uri: URI, version }, contentChanges: [{ text }] });
  return (await client.tokenFeatures(URI, version)).tokens;
}

async function hoverText(position: { line: number; character: number }): Promise<string> {
  const h = await server.hover({ textDocument: { uri: URI }, position });
  assert.ok(h, `a hover at ${JSON.stringify(position)}`);
  return (h.contents as { value: string }).value;
}

const actOf = (t: TokenFeatures, f: number) => t.top.find((x) => x.id === f)?.act ?? 0;

before(async () => {
  client = new RecordingLspClient();
  lsp = startInProcessLsp(client);
  server = lsp.server;
  server.didOpen({ textDocument: { uri: URI, languageId: 'jumplens-prompt', version, text: `${HEAD}\n${PROMPT}` } });
  clean = (await client.tokenFeatures(URI, version)).tokens;
  let best = 0;
  clean.forEach((t, i) => {
    if (t.top[0] && t.top[0].act > best) [best, F, at] = [t.top[0].act, t.top[0].id, i];
  });
  assert.ok(best > 0.5, `some feature fires strongly on the prompt (best ${best})`);
  assert.ok(
    clean.every((t) => t.top.length < 100 && t.top.length + (t.hidden ?? 0) === t.l0),
    `top-k 100 lists every firing feature: ${JSON.stringify(clean.map((t) => [t.top.length, t.hidden, t.l0]))}`,
  );
});
after(() => lsp.stop());

test('@ablate F: F reads 0 where it fired, every other feature of every token is unchanged', async () => {
  const steered = await setText(`${HEAD}\n@ablate ${F}\n${PROMPT}`);
  assert.equal(steered.length, clean.length);
  assert.equal(actOf(steered[at], F), 0, `#${F} is ablated on token ${at} (${JSON.stringify(clean[at].text)}), where it read ${actOf(clean[at], F)}`);
  let fired = 0;
  steered.forEach((t, i) => {
    const c = clean[i];
    assert.equal(t.id, c.id);
    if (actOf(c, F) > 0) fired++;
    assert.equal(actOf(t, F), 0, `token ${i}`);
    assert.equal(t.l0, c.l0 - (actOf(c, F) > 0 ? 1 : 0), `token ${i}: L0 counts the steered features`);
    const others = (x: TokenFeatures) => x.top.filter((f) => f.id !== F).map((f) => [f.id, f.act]);
    const [a, b] = [others(t), others(c)];
    assert.deepEqual(
      a.map((p) => p[0]),
      b.map((p) => p[0]),
      `token ${i}: the same other features`,
    );
    // The clean path may use the native fused encoder; the steered one encodes on tfjs: equal to float precision.
    a.forEach((p, j) => assert.ok(Math.abs(p[1] - b[j][1]) <= 1e-4 * Math.max(1, b[j][1]), `token ${i} #${p[0]}: ${p[1]} vs ${b[j][1]}`));
  });
  assert.ok(fired >= 1);
});

test('@steer F=5 reads 5 at every token after BOS; removing the directive gives the clean analysis back exactly', async () => {
  const steered = await setText(`${HEAD}\n@steer ${F}=5\n${PROMPT}`);
  assert.ok(steered.length > 5);
  for (const [i, t] of steered.entries()) assert.equal(actOf(t, F), 5, `token ${i} ${JSON.stringify(t.text)}`);
  // Scaling by 2: twice the clean activation where it fired, still 0 elsewhere.
  const doubled = await setText(`${HEAD}\n@steer ${F}=2x\n${PROMPT}`);
  doubled.forEach((t, i) => assert.ok(Math.abs(actOf(t, F) - 2 * actOf(clean[i], F)) <= 1e-3, `token ${i}: ${actOf(t, F)} vs 2 × ${actOf(clean[i], F)}`));
  // Back to no directive: the interventions are part of the analysis key, so this re-analyses.
  const back = await setText(`${HEAD}\n${PROMPT}`);
  assert.deepEqual(back, clean);
});

test('the hover of a steered token lists the interventions, clean vs steered values and a next-token KL > 0', async () => {
  const pos = (await setText(`${HEAD}\n@ablate ${F}\n${PROMPT}`))[at].range.start;
  const md = await hoverText(pos);
  assert.match(md, new RegExp(`\\*\\*Steered file\\*\\* .*#${F} ablated`));
  const row = new RegExp(`\\| #${F} \\| ([\\d.]+) \\| ([\\d.]+) \\|`).exec(md);
  assert.ok(row, md);
  assert.ok(Math.abs(Number(row[1]) - actOf(clean[at], F)) < 2e-3, `clean ${row[1]} vs ${actOf(clean[at], F)}`);
  assert.equal(Number(row[2]), 0);
  const kl = /KL\(clean ‖ steered\) \*\*([\d.e+-]+)\*\* nats/.exec(md);
  assert.ok(kl && Number(kl[1]) > 0, md);
  // The same hover again comes from the per-version cache, unchanged.
  assert.equal(await hoverText(pos), md);
  // An unsteered file's hover says nothing about steering.
  await setText(`${HEAD}\n${PROMPT}`);
  assert.doesNotMatch(await hoverText(clean[at].range.start), /Steered file/);
});

test("an id beyond the SAE's 1024 features is a diagnostic on its item and is left out; the steer request adds the file's interventions", async () => {
  const text = `${HEAD}\n@steer 5000=1 ${F}=5\n${PROMPT}`;
  const steered = await setText(text);
  const ds = client.diagnostics.get(URI) ?? [];
  const d = ds.find((x) => /feature 5000 is out of range/.test(x.message as string));
  assert.ok(d, JSON.stringify(ds));
  assert.deepEqual([d.range.start.line, d.range.start.character, d.range.end.character], [1, 7, 13]);
  assert.match(d.message as string, /has 1024 features \(0\.\.1023\)/);
  assert.equal(actOf(steered[0], F), 5, 'the good item of the line still applies');
  const r = await server.steer({ uri: URI, position: { line: 2, character: PROMPT.length }, interventions: [{ feature: 3, mode: 'ablate' }], steps: 4 });
  assert.deepEqual(r.interventions, [
    { feature: F, mode: 'clamp', value: 5 },
    { feature: 3, mode: 'ablate' },
  ]);
});
