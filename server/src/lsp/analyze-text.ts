// The ws API's `analyze`: one text, analysed once with the settings' engine, in a throwaway
// document state (no KV cache kept, no prompt-file reading).
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TokenFeatures } from '../../../protocol';
import { DocumentAnalysis } from './document-analysis';
import { documentSettings } from './document-settings';
import type { EngineSession } from '../session/engine-session';
import { wholeDocument } from './prompt-file';
import type { DaemonSettings } from '../session/settings';

/** One-shot analysis of a text (ws `analyze`): a throwaway document state. */
export async function analyzeText(session: EngineSession, settings: DaemonSettings, text: string, topK?: number): Promise<TokenFeatures[]> {
  const ds = documentSettings(settings, {});
  const engine = await session.acquire(ds.engine);
  const a = new DocumentAnalysis(engine);
  try {
    const doc = TextDocument.create('untitled:ws', 'plaintext', 1, text);
    const r = await a.update({
      segments: [wholeDocument(text)],
      bos: ds.bos,
      version: 1,
      topK: topK ?? ds.topK,
      maxTokens: ds.maxTokens,
      positionAt: (o) => doc.positionAt(o),
    });
    return r?.tokens ?? [];
  } finally {
    a.dispose();
    session.release(engine);
  }
}
