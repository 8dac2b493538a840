// Types a sentence, one character at a time, into a throwaway analysis of a freshly loaded engine.
// Until V8 has compiled the per-keystroke path (tfjs kernels, the WASM module's hot functions, the
// analysis itself), the first keystrokes a user types took the daemon 10–60 ms instead of ~4, and
// the compiler's helper threads took CPU from the editor's renderer while they typed (measured in
// code-server on 2 cores: the first 8 keystrokes of `npm run bench -- editor-typing`). Run right
// after a document's first colours, this moves that work to before the user types.
import type { Engine } from '../session/engine-session';
import { DocumentAnalysis } from './document-analysis';
import { wholeDocument } from './prompt-file';

/** Text any tokenizer splits into ordinary words; long enough for V8 to optimise every step it takes. */
export const WARMUP_TEXT = 'Once upon a time, there was a little girl. She loved to play outside in the park.';

export interface WarmupOptions {
  bos: boolean;
  topK: number;
  maxTokens: number;
  /** Checked before each keystroke: true ends the warm-up (a real change came in). */
  stopped: () => boolean;
}

/** Analyses each prefix of WARMUP_TEXT, as typing it would; frees everything; how many keystrokes it typed. */
export async function warmUp(engine: Engine, opts: WarmupOptions): Promise<number> {
  const analysis = new DocumentAnalysis(engine);
  let typed = 0;
  try {
    for (let n = 0; n <= WARMUP_TEXT.length; n++) {
      // A turn of the event loop between keystrokes, so a real change is read (and stops this) at once.
      await new Promise((r) => setImmediate(r));
      if (opts.stopped()) break;
      const text = WARMUP_TEXT.slice(0, n);
      await analysis.update({
        segments: [wholeDocument(text)],
        bos: opts.bos,
        version: n + 1,
        topK: opts.topK,
        maxTokens: opts.maxTokens,
        focus: Math.max(0, n - 1),
        positionAt: (o) => ({ line: 0, character: o }),
      });
      typed = n;
    }
  } finally {
    analysis.dispose();
  }
  return typed;
}
