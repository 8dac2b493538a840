import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../../client/src/panels/webview-html';

test('the webview page allows only its nonce script, local styles, and loopback sockets', () => {
  const html = webviewHtml({
    cspSource: 'vscode-webview://abc',
    scriptUri: 'vscode-webview://abc/d.js',
    styleUri: 'vscode-webview://abc/d.css',
    title: 'T<x>',
    nonce: 'N0nce',
  });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.equal(csp, contentSecurityPolicy('vscode-webview://abc', 'N0nce'));
  const dirs = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
  assert.equal(dirs['default-src'], "'none'");
  assert.equal(dirs['script-src'], "'nonce-N0nce'");
  assert.equal(dirs['style-src'], 'vscode-webview://abc');
  assert.equal(dirs['connect-src'], 'ws://127.0.0.1:*');
  assert.ok(!csp.includes('unsafe'), 'no unsafe-inline / unsafe-eval');
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.ok(scripts[0].includes('nonce="N0nce"'));
  assert.ok(html.includes('<title>T&lt;x></title>'));
  assert.notEqual(makeNonce(), makeNonce());
  assert.ok(makeNonce().length >= 22, 'at least 128 bits');
});
