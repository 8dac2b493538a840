// An analysis a newer edit superseded while it ran: typing faster than the analysis used to drop
// every such result, so several keystrokes waited for one late frame. Its result still holds for
// the newer text when that text is unchanged through its last token (an edit after it, as typing at
// the end is): each token keeps its text, and with the text before it the same, its line and
// character too.
import type { Position } from '../../../protocol';
import type { AnalysisResult } from './document-analysis';

/**
 * Whether `r`, analysed on `analysedText`, holds as it is for `liveText`. `offsetAt` maps a position
 * of `analysedText` to its offset. Tokens are in document order, so the last one ends furthest.
 */
export function stillHolds(r: AnalysisResult, analysedText: string, liveText: string, offsetAt: (p: Position) => number): boolean {
  const last = r.tokens[r.tokens.length - 1];
  const end = last ? offsetAt(last.range.end) : 0;
  if (end > liveText.length) return false;
  for (let i = 0; i < end; i++) if (analysedText.charCodeAt(i) !== liveText.charCodeAt(i)) return false;
  // A '\r' completed to '\r\n' moves the position after it (the line break is one in both forms).
  return !(end > 0 && analysedText.charCodeAt(end - 1) === 13 && liveText.charCodeAt(end) === 10);
}
