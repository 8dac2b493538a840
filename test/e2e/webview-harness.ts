// Standalone harness for the webview bundles: a loopback http server serves dist/webview/* and the
// same strict-CSP page the extension builds (webviewHtml), and Debian Chromium opens it through
// playwright-core. The test plays the extension: the page's acquireVsCodeApi().postMessage lands
// in `onHostMessage`, and whatever that returns is posted back to the page as the extension would.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { webviewHtml } from '../../client/src/panels/webview-html';
import { REPO_ROOT } from '../helpers/paths';

export const CHROMIUM = process.env.JUMPLENS_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'webview');

/** Why the browser tests cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set JUMPLENS_CHROMIUM)`;
}

export function buildWebviews(): void {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

export async function startServer(): Promise<{ origin: string; server: Server }> {
  const dist = path.join(REPO_ROOT, 'dist', 'webview');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const page = /^\/(dashboard|features)\.html$/.exec(url.pathname);
    if (page) {
      const origin = `http://${req.headers.host}`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(webviewHtml({ cspSource: origin, scriptUri: `${origin}/${page[1]}.js`, styleUri: `${origin}/${page[1]}.css`, title: page[1] }));
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = path.join(dist, path.basename(url.pathname));
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface HostedPage {
  page: Page;
  /** Every message the page posted to "the extension". */
  posted: unknown[];
  /** CSP violations reported by the page (securitypolicyviolation events and console reports). */
  cspViolations: string[];
  errors: string[];
  /** Posts a message to the page as the extension would. */
  send(m: unknown): Promise<void>;
}

export async function openHosted(
  browser: Browser,
  url: string,
  onHostMessage: (m: unknown) => unknown | Promise<unknown>,
  viewport = { width: 1280, height: 900 },
): Promise<HostedPage> {
  const page = await browser.newPage({ viewport });
  const posted: unknown[] = [];
  const cspViolations: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(m.text());
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.exposeFunction('__jumplensHost', async (m: unknown) => {
    posted.push(m);
    return (await onHostMessage(m)) ?? null;
  });
  await page.exposeFunction('__jumplensCsp', (s: string) => cspViolations.push(s));
  // A string, not a function: tsx would compile a function with helpers the page does not have.
  await page.addInitScript(`
    document.addEventListener('securitypolicyviolation', (e) => void window.__jumplensCsp(e.violatedDirective + ' ' + e.blockedURI));
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => void window.__jumplensHost(m).then((reply) => { if (reply !== null) window.postMessage(reply, '*'); }),
    });
  `);
  await page.goto(url);
  return { page, posted, cspViolations, errors, send: (m) => page.evaluate((msg) => window.postMessage(msg, '*'), m) };
}
