// The prompt a steer request continues: the analysed tokens of the cursor's prompt up to and
// including the token under (or just before) the cursor. Read from the analysis, not re-encoded, so
// the ids are exactly those the colours and hovers came from (BOS, `.jlp` prompt boundaries).
import type { TokenFeatures } from '../../../protocol';

/** Token ids of the prompt up to `offset` (a document offset); `offsetOf` maps a token's range start. */
export function promptIdsBefore(tokens: readonly TokenFeatures[], offset: number, offsetOf: (t: TokenFeatures) => number, endOf: (t: TokenFeatures) => number): number[] {
  // The last token that starts before the cursor (a cursor at a token's start belongs to it).
  let last = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const empty = endOf(t) === offsetOf(t);
    if (!empty && offsetOf(t) <= offset) last = i;
  }
  if (last < 0) return [];
  // Back to the prompt's BOS: an empty-range token, each prompt of a `.jlp` file starts with one.
  let first = last;
  while (first > 0 && !(endOf(tokens[first]) === offsetOf(tokens[first]))) first--;
  return tokens.slice(first, last + 1).map((t) => t.id);
}
