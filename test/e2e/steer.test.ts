// End-to-end (issue #15): hover a token in a .jlp prompt, click its first feature's *Steer…* link,
// and the steer panel beside the editor shows the unsteered and steered continuations, differing.
// Skips with a message when code-server is not installed (scripts/setup-e2e.sh).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { REPO_ROOT, SHARED_MODELS } from '../helpers/paths';
import { missingTools, openFile, packageExtension, shot, startSession, waitForColours, type Session } from './code-server';

const missing = missingTools();
if (missing) console.log(`# e2e skipped: ${missing}`);
const noSae = existsSync(path.join(REPO_ROOT, 'assets', 'default-sae', 'cfg.json'))
  ? undefined
  : 'the default SAE (assets/default-sae) is not in this checkout';
const PROMPT = '# steer e2e\nOnce upon a time, there was a little girl named Lily. She\n';

let s: Session | undefined;

before(async () => {
  if (missing || noSae) return;
  const vsix = packageExtension(mkdtempSync(path.join(tmpdir(), 'jumplens-vsix-')));
  s = await startSession({ vsix, files: { 'steer.jlp': PROMPT }, settings: { 'jumplens.model': path.join(SHARED_MODELS, 'stories260K.bin') } });
});

after(async () => {
  await s?.close();
});

/** The steer panel's page: code-server nests each webview's document in an inner iframe. */
function steerFrame(): FrameLocator {
  return s!.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

test('hover -> Steer… opens the steer panel with two continuations that differ', { skip: missing ?? noSae }, async () => {
  const page = s!.page;
  await openFile(page, 'steer.jlp');
  // Wait for the prompt line's colours; hover the last coloured token on it.
  const decos = await waitForColours(page, 120_000);
  assert.ok(decos.length >= 5, `only ${decos.length} decorated tokens\n${s!.extensionLog()}`);
  const last = decos.filter((d) => d.w > 4).sort((a, b) => b.y - a.y || b.x - a.x)[0];
  const hover = page.locator('.monaco-hover:visible, .monaco-resizable-hover:visible').first();
  for (let i = 0; i < 3; i++) {
    await page.mouse.move(last.x - 2, last.y);
    await page.mouse.move(last.x, last.y);
    if (
      await hover.waitFor({ timeout: 10_000 }).then(
        () => true,
        () => false,
      )
    )
      break;
  }
  const steerLink = hover.locator('a', { hasText: 'Steer…' }).first();
  await steerLink.waitFor({ timeout: 10_000 });
  await shot(page, 'steer-01-hover');
  await steerLink.click();
  // The hover would cover the panel in the screenshot.
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');

  const frame = steerFrame();
  const status = frame.locator('.status');
  const settled = () => status.filter({ hasNotText: 'running…' }).waitFor({ timeout: 60_000 });
  await settled();
  // A clamp at 2x the feature's max may leave a greedy continuation unchanged; the slider goes further.
  for (const x of ['6', '10']) {
    if (/differ/.test(await status.innerText())) break;
    await frame.locator('input[type=number]').fill(x);
    // The page re-runs 200 ms after the edit and says "running…" until the result comes.
    await page.waitForTimeout(400);
    await settled();
  }
  const statusText = await status.innerText();
  const unsteered = await frame.locator('.unsteered').innerText();
  const steered = await frame.locator('.steered').innerText();
  assert.match(statusText, /continuations differ/, `status: ${statusText}\n${s!.extensionLog()}`);
  assert.ok(unsteered.length > 0 && steered.length > 0, `empty continuation: ${JSON.stringify({ unsteered, steered })}`);
  assert.notEqual(unsteered, steered);
  assert.ok((await frame.locator('.steered .tok.diff').count()) > 0, 'no differing token highlighted');
  // The prompt runs up to the end of the hovered token (the last coloured one on the line).
  const shown = await frame.locator('.prompt').innerText();
  assert.ok(shown.length > 20 && PROMPT.split('\n')[1].startsWith(shown), `prompt shown: ${JSON.stringify(shown)}`);
  assert.match(await frame.locator('h2').innerText(), /Steer feature #\d+/);
  const file = await shot(page, 'steer-02-panel');
  mkdirSync(path.join(REPO_ROOT, 'docs', 'images'), { recursive: true });
  copyFileSync(file, path.join(REPO_ROOT, 'docs', 'images', 'steer-panel.png'));
});
