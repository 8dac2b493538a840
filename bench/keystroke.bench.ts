// Keystroke-to-`jumplens/tokenFeatures` latency of the real daemon over stdio, for a 128-token
// prompt on stories260K: typing at the end (the KV cache keeps the prefix) and editing in the
// middle (the tail from the edit is recomputed); and in a 7-prompt `.jlp` file, where an edit
// re-runs only the prompt it is in. Measured at the client, debounce set to 0 (the
// editor's default debounce adds its own 50 ms). The SAE is the default asset when present, else
// a random-weight JumpReLU SAE (d_sae 2048) saved in SAELens format, named in the case.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { BenchRow } from './index';
import { startDaemon, writeRandomSae } from '../test/helpers/daemon-client';
import { REPO_ROOT, tempDir } from '../test/helpers/paths';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { TOKEN_FEATURES_DELTA_OPTION, type TokenFeaturesMessage, type TokenFeaturesParams } from '../protocol';
import { TokenState } from '../client/src/token-state';

const N = 60;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export async function run(): Promise<BenchRow[]> {
  const tmp = tempDir('jumplens-bench-keystroke-');
  const asset = path.join(REPO_ROOT, 'assets', 'default-sae');
  const sae = existsSync(path.join(asset, 'cfg.json')) ? asset : await writeRandomSae(path.join(tmp.dir, 'sae'), 2048);
  const saeName = sae === asset ? 'assets/default-sae (d_sae 1024)' : 'random JumpReLU d_sae=2048';
  // As the VS Code client does: per-keystroke notifications are deltas (only the changed tokens).
  const d = await startDaemon({ sae, debounceMs: 0, runsDir: path.join(tmp.dir, 'runs'), [TOKEN_FEATURES_DELTA_OPTION]: true }, tmp.dir);
  const rows: BenchRow[] = [];
  // A TinyStories-like prompt of about 128 tokens.
  const PROMPT =
    'Once upon a time, there was a little girl named Lily. She loved to play outside in the sunshine. One day, she saw a big, red ball in the park. ' +
    'She ran to the ball and kicked it very hard. The ball flew over the tree and landed in the pond. Lily was sad, but her friend Tom came to help. ' +
    'Tom found a long stick and pulled the ball out.';
  // Seven such prompts in one .jlp file (~900 tokens, within the default jumplens.maxTokens of 2048).
  const FILE = [
    '# seven prompts',
    ...Array.from({ length: 7 }, (_, i) => `${i ? '---\n' : ''}${PROMPT.replace('Lily', ['Lily', 'Mia', 'Sam', 'Ben', 'Zoe', 'Max', 'Ann'][i])}`),
  ].join('\n');
  try {
    let n = 0;
    /** Types a character at offset `at` and deletes it again, N times; latency and tokens recomputed per keystroke. */
    const measure = async (name: string, text: string, at: number) => {
      const uri = `file:///bench-${n++}.jlp`;
      let doc = TextDocument.create(uri, 'jumplens-prompt', 1, text);
      void d.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'jumplens-prompt', version: 1, text } });
      const state = new TokenState();
      const first = state.update((await d.waitFor('jumplens/tokenFeatures', (p) => p.uri === uri && p.version === 1)) as TokenFeaturesMessage);
      const ms: number[] = [];
      const recomputed: number[] = [];
      // JSON bytes of each notification's params as sent (delta), and of the full list it stands for.
      const sent: number[] = [];
      const fullBytes: number[] = [];
      for (let i = 0; i < N; i++) {
        const range = { start: doc.positionAt(at), end: doc.positionAt(i % 2 === 0 ? at : at + 1) };
        const ins = i % 2 === 0 ? 'e' : '';
        const v = doc.version + 1;
        const t0 = performance.now();
        void d.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ range, text: ins }] });
        const msg = (await d.waitFor('jumplens/tokenFeatures', (x) => x.uri === uri && x.version === v)) as TokenFeaturesMessage;
        const elapsed = performance.now() - t0;
        const p: TokenFeaturesParams = state.update(msg);
        doc = TextDocument.update(doc, [{ range, text: ins }], v);
        if (i >= 4) {
          ms.push(elapsed);
          recomputed.push(p.recomputed);
          sent.push(Buffer.byteLength(JSON.stringify(msg)));
          fullBytes.push(Buffer.byteLength(JSON.stringify(p)));
        }
      }
      const c = `${first.tokens.length}-token ${name}, stories260K + ${saeName}`;
      const avgRe = recomputed.reduce((a, b) => a + b, 0) / recomputed.length;
      rows.push({ bench: 'keystroke', case: `${c}: p50`, value: pct(ms, 50), unit: 'ms', extra: `~${avgRe.toFixed(0)} tokens recomputed` });
      rows.push({ bench: 'keystroke', case: `${c}: p95`, value: pct(ms, 95), unit: 'ms' });
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      rows.push({
        bench: 'keystroke',
        case: `${c}: bytes sent per keystroke`,
        value: Math.round(mean(sent)),
        unit: 'B',
        extra: `full list ${Math.round(mean(fullBytes))} B`,
      });
    };
    await measure('prompt, typing at the end', PROMPT, PROMPT.length);
    await measure('prompt, editing in the middle', PROMPT, Math.floor(PROMPT.length / 2));
    const p4 = FILE.indexOf(PROMPT.replace('Lily', 'Ben'));
    await measure('7-prompt .jlp file, typing at the end of prompt 4', FILE, p4 + PROMPT.length - 1);
    await measure('7-prompt .jlp file, editing in the middle of prompt 4', FILE, p4 + Math.floor(PROMPT.length / 2));
  } finally {
    await d.close();
    tmp.cleanup();
  }
  return rows;
}
