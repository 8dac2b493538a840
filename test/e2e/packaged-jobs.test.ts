// End-to-end, as a new user gets it (the same conditions as packaged-vsix.test.ts: the .vsix in
// code-server with no settings.json, a workspace outside the repository, no models link, no
// JUMPLENS_* variables): every palette job on its defaults, pressing Enter through each prompt, ends
// with its result shown; then the feature browser lists features and a card shows top contexts.
// Screenshots go to test-output/e2e/packaged-job-*.png. Skips when code-server is not installed.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import {
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

const PROMPT = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.\n';

let s: Session | undefined;

before(async () => {
  if (missing) return;
  const vsix = packageExtension(mkdtempSync(path.join(tmpdir(), 'jumplens-vsix-')));
  s = await startSession({ vsix, files: { 'story.jlp': PROMPT }, settings: null, env: newUserEnv(), timeoutMs: 180_000 });
  const page = s.page;
  // No settings: the Welcome page may be open.
  await runCommand(page, 'View: Close All Editors').catch(() => undefined);
  await page.keyboard.press('Escape');
  await openFile(page, 'story.jlp');
  // The Chat side bar a new code-server shows takes room the screenshots need.
  if (await page.locator('.part.auxiliarybar').isVisible()) await page.keyboard.press('Control+Alt+B');
  // The daemon is up with the bundled model and SAE once the prompt is coloured.
  assert.ok((await waitForColours(page, 180_000)).length >= 5, `the prompt was not coloured; status: ${await statusText(page)}\n${s.extensionLog()}`);
});

after(async () => {
  await s?.close();
});

/** What a quick pick or input box asks (its placeholder, prompt and first row), or undefined when none is open. */
function openPrompt(page: Page): Promise<string | undefined> {
  return page.evaluate(() => {
    const w = document.querySelector<HTMLElement>('.quick-input-widget');
    if (!w || w.style.display === 'none' || w.offsetParent === null) return undefined;
    const input = w.querySelector<HTMLInputElement>('input');
    const msg = w.querySelector('.quick-input-message')?.textContent ?? '';
    const row = w.querySelector('.quick-input-list .monaco-list-row')?.textContent ?? '';
    return `${input?.placeholder ?? ''} | ${input?.value ?? ''} | ${msg} | ${row}`;
  });
}

/** Presses Enter through every prompt the command opens (each prefilled with its default); returns what they asked. */
async function acceptDefaults(page: Page): Promise<string[]> {
  const asked: string[] = [];
  for (let i = 0; i < 8; i++) {
    let p: string | undefined;
    // The next prompt opens a moment after the last one closes.
    for (let t = 0; t < 20 && p === undefined; t++) {
      p = await openPrompt(page);
      if (p === undefined) await page.waitForTimeout(150);
    }
    if (p === undefined) break;
    // The palette itself, still closing after the command's Enter.
    if (/^[^|]*\| >/.test(p)) {
      await page.waitForTimeout(150);
      continue;
    }
    asked.push(p);
    await page.keyboard.press('Enter');
    for (let t = 0; t < 50 && (await openPrompt(page)) === p; t++) await page.waitForTimeout(100);
  }
  return asked;
}

/** JumpLens notifications showing now (toasts), newest first. */
function toasts(page: Page): Promise<string[]> {
  return page.locator('.notification-toast', { hasText: /JumpLens/ }).allInnerTexts();
}

/**
 * Runs a job command on its defaults and waits for its outcome notification (the line matching
 * `done`, or a failure); screenshots it as packaged-job-<name>.png; returns the line.
 */
async function runJob(title: string, name: string, done: RegExp, timeoutMs: number): Promise<string> {
  const page = s!.page;
  await page.keyboard.press('Escape');
  await runCommand(page, `JumpLens: ${title}`);
  const asked = await acceptDefaults(page);
  const failed = /JumpLens: [\w ]+ failed|JumpLens daemon|Error|cannot|not found/i;
  const deadline = Date.now() + timeoutMs;
  let line: string | undefined;
  while (!line && Date.now() < deadline) {
    const t = await toasts(page);
    line =
      t.find((x) => done.test(x)) ??
      t.find((x) => failed.test(x) && !/^JumpLens: (Training SAE|Threshold sweep|Evaluating SAE|Building feature store)\b/.test(x));
    if (!line) await page.waitForTimeout(1000);
  }
  await shot(page, `packaged-job-${name}`);
  // The notification alone, for docs/images/.
  await page
    .locator('.notification-toast', { hasText: done })
    .first()
    .screenshot({ path: path.join(SHOTS, `packaged-job-${name}-toast.png`), timeout: 5000 })
    .catch(() => undefined);
  assert.ok(line, `${title}: no outcome in ${timeoutMs} ms (asked: ${asked.join(' / ')}); toasts: ${(await toasts(page)).join('\n')}\n${s!.extensionLog()}`);
  assert.match(line, done, `${title} (asked: ${asked.join(' / ')}): ${line}\n${s!.extensionLog()}`);
  await runCommand(page, 'Notifications: Clear All Notifications');
  return line;
}

const num = '[\\d.]+(?:e[+-]?\\d+)?';

test('Train SAE on defaults: finishes with its L0 and FVU', { skip: missing }, async () => {
  const line = await runJob('Train SAE', 'train', new RegExp(`Training finished after 150 steps: L0 ${num} · FVU ${num}`), 300_000);
  assert.match(line, /SAE in .*\.jumplens[\\/]runs/, `the trained SAE goes to the workspace's run folder: ${line}`);
});

test('Threshold Sweep on defaults: one L0 / FVU / Δ LM loss row per scale', { skip: missing }, async () => {
  const line = await runJob('Threshold Sweep', 'sweep', /Threshold sweep finished \(5 scales\)/, 300_000);
  for (const scale of [0.5, 0.75, 1, 1.25, 1.5]) assert.match(line, new RegExp(`θ×${scale}: L0 ${num} · FVU ${num} · Δ LM loss -?${num}`), line);
});

test('Evaluate SAE on defaults: L0, FVU and Δ LM loss of the bundled SAE', { skip: missing }, async () => {
  await runJob('Evaluate SAE', 'eval', new RegExp(`Evaluation of the bundled default SAE: L0 ${num} · FVU ${num} · Δ LM loss -?${num}`), 300_000);
});

test('Build Feature Store on defaults: built from about jumplens.jobs.evalTokens tokens into the run folder', { skip: missing }, async () => {
  // The token count is the corpus's whole context windows within jumplens.jobs.evalTokens (4,096).
  const line = await runJob('Build Feature Store', 'store', /Feature store built from [\d,]+ tokens/, 300_000);
  const tokens = Number(/from ([\d,]+) tokens/.exec(line)![1].replace(/,/g, ''));
  assert.ok(tokens > 2048 && tokens <= 4096, line);
  assert.match(line, /— .*\.jumplens[/]runs[/].*feature_store\.safetensors/, line);
});

/** The frame (inside the webview's iframes) that shows the feature browser. */
async function browserFrame(page: Page): Promise<Frame> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    for (const f of page.frames())
      if (
        await f
          .locator('.vlist')
          .count()
          .catch(() => 0)
      )
        return f;
    await page.waitForTimeout(500);
  }
  throw new Error(
    `the feature browser did not open; frames: ${page
      .frames()
      .map((f) => f.url())
      .join(', ')}`,
  );
}

test('the feature browser lists the features and a card shows top contexts', { skip: missing }, async () => {
  const page = s!.page;
  await runCommand(page, 'JumpLens: Open Feature Browser');
  const f = await browserFrame(page);
  await f.locator('.vlist .row').first().waitFor({ timeout: 60_000 });
  const total = Number(await f.locator('.list').getAttribute('data-total'));
  assert.ok(total > 10, `${total} features listed`);
  await f.locator('.vlist .row').first().click();
  await f.locator('.card .context').first().waitFor({ timeout: 30_000 });
  const contexts = await f.locator('.card .context').allInnerTexts();
  assert.ok(contexts.length >= 1 && contexts.every((c) => c.trim().length > 0), `top contexts: ${contexts.join(' / ')}`);
  assert.ok((await f.locator('.card .context .tok.centre').count()) >= 1, 'each context marks the token it peaks on');
  // Widen the side bar so the card is readable in the screenshot: drag the sash at its right edge.
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (bar) {
    await page.mouse.move(bar.x + bar.width + 1, bar.y + 200);
    await page.mouse.down();
    await page.mouse.move(1000, bar.y + 200, { steps: 5 });
    await page.mouse.up();
  }
  await page.waitForTimeout(500);
  await shot(page, 'packaged-job-feature-card');
  const b = await page.locator('.part.sidebar').boundingBox();
  if (b) await page.screenshot({ path: path.join(SHOTS, 'packaged-job-feature-card-crop.png'), clip: b });
  // The editor's text is unchanged: no Enter meant for a prompt reached it.
  // Monaco renders spaces as no-break spaces.
  assert.equal((await page.locator('.editor-instance .view-line').first().innerText()).replace(/\u00a0/g, ' '), PROMPT.trim());
});
