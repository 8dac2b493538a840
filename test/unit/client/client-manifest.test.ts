// The extension manifest agrees with the code: commands have titles in the JumpLens category
// (client-commands.test.ts holds their ids to the command table), settings are documented, the
// grammar classifies prompt-file lines, packaging keeps sources out.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../helpers/paths';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const contributes = pkg.contributes;
const CLIENT_SRC = path.join(REPO_ROOT, 'client', 'src');
const clientSources = (readdirSync(CLIENT_SRC, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(path.join(CLIENT_SRC, f), 'utf8'));

test('every command the palette lists has its title in the JumpLens category', () => {
  for (const t of [
    'Select Model',
    'Select SAE',
    'Analyze This Document',
    'Toggle Decorations',
    'Focus Feature',
    'Train SAE',
    'Fine-tune SAE',
    'Threshold Sweep',
    'Evaluate SAE',
    'Build Feature Store',
    'Open Dashboard',
    'Open Feature Browser',
    'Show Jobs',
    'Restart Daemon',
  ]) {
    const c = contributes.commands.find((x: { title: string }) => x.title === t);
    assert.ok(c, `no command titled "${t}"`);
    assert.equal(c.category, 'JumpLens', `${t} is not in category JumpLens`);
  }
});

test('every setting has a type, a default and a description', () => {
  const props = contributes.configuration.properties ?? contributes.configuration[0].properties;
  assert.ok(props['jumplens.server.nodePath'], 'jumplens.server.nodePath missing');
  for (const [k, v] of Object.entries<Record<string, unknown>>(props)) {
    assert.ok(k.startsWith('jumplens.'), k);
    assert.ok('type' in v, `${k} has no type`);
    assert.ok('default' in v, `${k} has no default`);
    const d = (v.markdownDescription ?? v.description) as string | undefined;
    assert.ok(d && d.length > 20, `${k} has no useful description`);
  }
  // Settings the code reads must be declared.
  // `cfg` / `settings` are the jumplens section, `deco` its jumplens.decorations subsection.
  const reads = (re: RegExp, prefix: string) => clientSources.flatMap((src) => [...src.matchAll(re)].map((m) => `${prefix}.${m[1]}`));
  const read = [...reads(/\b(?:cfg|settings)\.get<[^>]+>\('([\w.]+)'/g, 'jumplens'), ...reads(/\bdeco\.get<[^>]+>\('([\w.]+)'/g, 'jumplens.decorations')];
  assert.ok(read.length >= 10, `only ${read.length} settings reads found in client/src`);
  for (const k of read) assert.ok(props[k], `${k} read but not declared`);
});

test('the feature browser view and its container are declared, walkthrough media exist', () => {
  assert.ok(contributes.viewsContainers.activitybar.some((c: { id: string }) => c.id === 'jumplens'));
  assert.ok(contributes.views.jumplens.some((v: { id: string; type: string }) => v.id === 'jumplens.featureBrowser' && v.type === 'webview'));
  for (const c of contributes.viewsContainers.activitybar) assert.ok(existsSync(path.join(REPO_ROOT, c.icon)), `${c.icon} missing`);
  const steps = contributes.walkthroughs.flatMap((w: { steps: unknown[] }) => w.steps) as { media: { markdown?: string; image?: string } }[];
  assert.ok(steps.length >= 3);
  for (const s of steps) {
    const f = s.media.markdown ?? s.media.image;
    assert.ok(f && existsSync(path.join(REPO_ROOT, f)), `walkthrough media ${f} missing`);
  }
});

test('the grammar tells separators, comments, directives and prompt text apart', () => {
  const lang = contributes.languages.find((l: { id: string }) => l.id === 'jumplens-prompt');
  assert.deepEqual(lang.extensions, ['.jlp']);
  const g = contributes.grammars.find((x: { language: string }) => x.language === 'jumplens-prompt');
  const grammar = JSON.parse(readFileSync(path.join(REPO_ROOT, g.path), 'utf8'));
  assert.equal(grammar.scopeName, g.scopeName);
  JSON.parse(readFileSync(path.join(REPO_ROOT, lang.configuration), 'utf8'));
  // First pattern (in the grammar's order) that matches a line decides its scope.
  const order = (grammar.patterns as { include: string }[]).map((p) => p.include.slice(1));
  const classify = (line: string) => order.find((name) => new RegExp(grammar.repository[name].match).test(line));
  assert.equal(classify('---'), 'separator');
  assert.equal(classify('--- '), 'separator');
  assert.equal(classify('# a comment'), 'comment');
  assert.equal(classify('#'), 'comment');
  assert.equal(classify('#hashtag in a story'), 'prompt');
  assert.equal(classify('@model /m/stories260K.bin'), 'directive');
  assert.equal(classify('@top-k 5'), 'directive');
  assert.equal(classify('@hook blocks.2.hook_resid_post'), 'directive');
  assert.equal(classify('@sae ./sae'), 'directive');
  assert.equal(classify('@someone said hi'), 'prompt');
  assert.equal(classify('Once upon a time --- there was'), 'prompt');
});

test('.vscodeignore ships only bundles, grammar and media', () => {
  const ignore = readFileSync(path.join(REPO_ROOT, '.vscodeignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  assert.equal(ignore[ignore.findIndex((l) => l && !l.startsWith('#'))], '**', 'must exclude everything by default');
  const allowed = ignore.filter((l) => l.startsWith('!'));
  for (const a of allowed) assert.doesNotMatch(a, /src|test|\.tools|node_modules|scripts/, `${a} ships sources or tools`);
  assert.ok(allowed.includes('!dist/client/extension.js'));
  assert.equal(pkg.main, './dist/client/extension.js');
  // The client never pulls tfjs or the engine into the editor.
  const dir = path.join(REPO_ROOT, 'client', 'src');
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    if (!f.endsWith('.ts')) continue;
    const src = readFileSync(path.join(dir, f), 'utf8');
    assert.doesNotMatch(src, /from '(@tensorflow\/|[./]*server\/src\/engine)/, `client/src/${f} imports tfjs or the engine`);
  }
});
