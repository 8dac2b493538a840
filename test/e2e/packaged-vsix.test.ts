// End-to-end, as a new user gets it: `npm run package`, the .vsix installed into code-server with
// an empty user-data-dir (no settings.json at all), a workspace outside the repository, no
// `models` link and no JUMPLENS_* variables in the environment. Everything the defaults need must
// come from the .vsix. Screenshots go to test-output/e2e/packaged-*.png (docs/images/ holds chosen
// copies). Skips with a message when code-server is not installed (scripts/setup-e2e.sh).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/paths';
import {
  hoverStrongestToken,
  missingTools,
  newUserEnv,
  openFile,
  packageExtension,
  runCommand,
  type Session,
  shot,
  SHOTS,
  startSession,
  statusText,
  waitForColours,
} from './code-server';

const missing = missingTools();
if (missing) console.log(`# e2e skipped: ${missing}`);

const PROMPT = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.';

let s: Session | undefined;

before(async () => {
  if (missing) return;
  const out = mkdtempSync(path.join(tmpdir(), 'jumplens-vsix-'));
  const vsix = packageExtension(out);
  // An empty prompt file: the test types the prompt as a user would.
  s = await startSession({ vsix, files: { 'story.jlp': '' }, settings: null, env: newUserEnv(), timeoutMs: 180_000 });
});

after(async () => {
  await s?.close();
});

/** Error notifications JumpLens showed, for failure messages. */
async function errorToasts(page: Page): Promise<string[]> {
  return page.locator('.notification-toast', { hasText: /JumpLens/ }).allInnerTexts();
}

/** Shows the hover of the most strongly coloured token; returns its text. */
async function strongestTokenHover(page: Page): Promise<string> {
  const hover = await hoverStrongestToken(page, 4);
  // The table rows arrive with the hover; wait for one.
  await hover.locator('text=/#\\d+/').first().waitFor({ timeout: 20_000 });
  return hover.innerText();
}

test('the new user setup: workspace outside the repository, no JUMPLENS_* variables, no settings', { skip: missing }, () => {
  assert.ok(!s!.workspace.startsWith(REPO_ROOT), `workspace ${s!.workspace} is inside the repository`);
  assert.ok(!existsSync(path.join(s!.workspace, 'models')));
  assert.deepEqual(
    Object.keys(newUserEnv()).filter((k) => k.startsWith('JUMPLENS_')),
    [],
  );
  assert.ok(!readdirSync(s!.workspace).includes('.vscode'), 'workspace settings exist');
});

test('a new .jlp file: typed text is coloured by the bundled model and SAE', { skip: missing }, async () => {
  const page = s!.page;
  // No settings means the Welcome page may be open; close it so Quick Open and typing reach the file.
  await runCommand(page, 'View: Close All Editors').catch(() => undefined);
  await page.keyboard.press('Escape');
  await openFile(page, 'story.jlp');
  await shot(page, 'packaged-opened');
  // Quick Open leaves the focus in the editor. No click: an empty editor shows a "select a
  // language" hint over its first line, and typing dismisses it.
  await page.keyboard.type(PROMPT, { delay: 15 });
  await page.locator('.editor-instance .view-line', { hasText: 'Lily' }).first().waitFor({ timeout: 30_000 });
  const decos = await waitForColours(page, 180_000, (d) => d.length >= 5 && new Set(d.map((x) => x.bg)).size >= 2);
  if (decos.length < 5) await shot(page, 'packaged-colours-failed');
  assert.ok(
    decos.length >= 5,
    `only ${decos.length} decorated tokens; status: ${await statusText(page)}\n${(await errorToasts(page)).join('\n')}\n${s!.extensionLog()}`,
  );
  assert.ok(new Set(decos.map((d) => d.bg)).size >= 2, 'every token has the same colour');
  // The status item names the bundled model and the default SAE (1,024 features).
  const st = await statusText(page);
  assert.match(st, /stories260K/, `status: ${st}`);
  assert.match(st, /SAE 1024/, `status: ${st}`);
  const errors = (await errorToasts(page)).filter((t) => /not found|error|fail|cannot/i.test(t));
  assert.deepEqual(errors, []);
  // For the screenshot: hide both side bars, wrap long lines, and scroll back to the line start.
  await page.keyboard.press('Control+B');
  await page.keyboard.press('Control+Alt+B');
  await page.keyboard.press('Alt+Z');
  await page.keyboard.press('Home');
  await page.mouse.move(5, 5);
  await page.waitForTimeout(1000);
  await shot(page, 'packaged-colours');
});

test('hovering a token lists feature ids with activation, % of the max over the bundled store, and density', { skip: missing }, async () => {
  const page = s!.page;
  const text = await strongestTokenHover(page);
  assert.match(text, /#\d+/, `hover lists no feature: ${text}`);
  assert.match(text, /\d+\.\d{3}/, `hover shows no activation: ${text}`);
  // With the shipped feature store the scale is the feature's max over the corpus, not the document's.
  assert.match(text, /of corpus max/, `the default SAE's feature store was not loaded: ${text}`);
  assert.doesNotMatch(text, /of doc max/, text);
  // What the token's colour stands for, added by the extension (its decorations carry no hovers);
  // the hover's markdown renders its spaces as no-break spaces.
  // The shipped SAE has its feature store: the colour is relative to each feature's max over its corpus.
  assert.match(text, /JumpLens\scolour:\s#\d+\s.*at\s\d+%\sof\sthe\sfeature's\smax\sover\sthe\sfeature\sstore's\scorpus/, text);
  // Table rows start with the feature id (the "Focus: #..." links line does not).
  const rows = text.split('\n').filter((l) => /^#\d+\t/.test(l));
  // The last cell is the density over the store's corpus ("0.12%", or "0"); "–" means no store.
  const densities = rows.map((r) => r.trim().split(/\s+/).at(-1) ?? '');
  assert.ok(rows.length > 0 && densities.every((d) => /^(0|[\d.]+%)$/.test(d)), `a row has no density: ${rows.join(' / ')}`);
  await shot(page, 'packaged-hover');
  const box = await page.locator('.monaco-hover:visible, .monaco-resizable-hover:visible').first().boundingBox();
  if (box) {
    // The hover and the line it belongs to, for the README.
    const x = Math.max(0, box.x - 40);
    const y = Math.max(0, box.y - 60);
    await page.screenshot({
      path: path.join(SHOTS, 'packaged-hover-crop.png'),
      clip: { x, y, width: Math.min(1400 - x, box.width + 80), height: Math.min(900 - y, box.height + 120) },
    });
  }
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');
});

// Palette jobs on defaults and the feature browser: packaged-jobs.test.ts.
