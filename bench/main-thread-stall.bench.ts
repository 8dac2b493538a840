// The longest main-thread stall (event-loop delay, perf_hooks.monitorEventLoopDelay) while typing at
// the end of an 80K-character prompt: each keystroke re-tokenises and re-analyses around the edit in
// the daemon's own code path (DocumentAnalysis, as the LSP scheduler runs it). Target: under 50 ms,
// so status requests and other clients are never held up by one long document.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as path from 'node:path';
import type { BenchRow } from './index';
import { writeRandomSae } from '../test/helpers/daemon-client';
import { tempDir } from '../test/helpers/paths';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { EngineSession } from '../server/src/session/engine-session';
import { DEFAULT_SETTINGS } from '../server/src/session/settings';
import { documentSettings } from '../server/src/lsp/document-settings';
import { DocumentAnalysis } from '../server/src/lsp/document-analysis';
import { wholeDocument } from '../server/src/lsp/prompt-file';

const KEYSTROKES = 20;

export async function run(): Promise<BenchRow[]> {
  const tmp = tempDir('jumplens-bench-stall-');
  const sae = await writeRandomSae(path.join(tmp.dir, 'sae'), 2048);
  const session = new EngineSession();
  const ds = documentSettings({ ...DEFAULT_SETTINGS, sae }, {});
  const engine = await session.acquire(ds.engine);
  const a = new DocumentAnalysis(engine);
  let text = 'Tom had a red ball. He liked to play with it in the park every day. '.repeat(1200).slice(0, 80_000);
  const update = (version: number) => {
    const doc = TextDocument.create('untitled:bench', 'plaintext', version, text);
    return a.update({
      segments: [wholeDocument(text)],
      bos: ds.bos,
      version,
      topK: ds.topK,
      maxTokens: ds.maxTokens,
      focus: text.length - 1,
      positionAt: (o) => doc.positionAt(o),
    });
  };
  await update(0); // the first open: not a keystroke
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  for (let k = 1; k <= KEYSTROKES; k++) {
    text += 'a';
    await update(k);
    await new Promise((r) => setTimeout(r, 5));
  }
  h.disable();
  a.dispose();
  session.release(engine);
  session.dispose();
  tmp.cleanup();
  return [
    {
      bench: 'main-thread-stall',
      case: `typing at the end of an 80K-char prompt (${KEYSTROKES} keys, stories260K + random JumpReLU d_sae=2048)`,
      value: h.max / 1e6,
      unit: 'ms max stall',
      extra: `p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms; target < 50`,
    },
  ];
}
