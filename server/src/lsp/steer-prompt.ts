// The prompt a steer request continues: the text of the cursor's prompt (a `.jlp` file's section
// without its comments and directives, or the whole document) up to the end of the token under, or
// just before, the cursor; encoded from BOS as the analysis encodes it.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, TokenFeatures } from '../../../protocol';
import { PROMPT_LANGUAGE } from './analysis-scheduler';
import { parsePromptFile, wholeDocument } from './prompt-file';

/** The prompt text before `pos`, cut at the end of the analysed token the cursor is in or after. */
export function promptTextBefore(doc: TextDocument, pos: Position, tokens: readonly TokenFeatures[]): string {
  const offset = doc.offsetAt(pos);
  // Extend the cursor to the end of the token it sits in, so the hovered token is the last one the model reads.
  let cut = offset;
  for (const t of tokens) {
    const s = doc.offsetAt(t.range.start);
    const e = doc.offsetAt(t.range.end);
    if (s < offset && offset < e) cut = e;
  }
  const text = doc.getText();
  const segments = doc.languageId === PROMPT_LANGUAGE ? parsePromptFile(text).segments : [wholeDocument(text)];
  const seg = segments.find((s) => s.docStart <= cut && cut <= s.docEnd) ?? segments.filter((s) => s.docEnd <= cut).pop();
  if (!seg) return '';
  // Prompt characters whose document end lies at or before the cut.
  let n = 0;
  while (n < seg.text.length && seg.toDoc(n, n + 1)[1] <= cut) n++;
  return seg.text.slice(0, n);
}
