// Which prompts of a document get analysed, and which window of an over-long prompt. A document may
// hold more tokens than `jumplens.maxTokens`, and one prompt more than the model's context: the
// daemon analyses the prompt being edited (a window around the edit when it is too long) and then
// whole neighbouring prompts, nearest first, while the token budget lasts. The result is always a
// contiguous run of prompts, so "analysed from here to there" is one range.

export interface PlanInput {
  /** Body tokens (without BOS) of each prompt. */
  lengths: number[];
  /** Positions a prompt's BOS takes (0 or 1). */
  bos: number;
  /** Index of the prompt being edited, and of the body token at the edit. */
  focusPrompt: number;
  focusToken: number;
  /** Most positions one model call may hold (BOS included): min(maxTokens, context length). */
  perPrompt: number;
  /** Most positions analysed in the whole document (BOS included). */
  total: number;
  /** The previous window of the focus prompt; kept while the edit stays inside it, so its cache stays useful. */
  previous?: { prompt: number; start: number };
}

export interface Plan {
  /** Prompts [first, last] are analysed. */
  first: number;
  last: number;
  /** Body tokens [start, start + count) of the focus prompt; the whole prompt unless it is too long. */
  window: { prompt: number; start: number; count: number };
}

export function planAnalysis(inp: PlanInput): Plan {
  const { lengths, bos, focusPrompt: f } = inp;
  const perBody = Math.max(1, inp.perPrompt - bos);
  const len = lengths[f];
  let start = 0;
  let count = len;
  if (len > perBody) {
    count = perBody;
    const prev = inp.previous;
    const keep = prev && prev.prompt === f && inp.focusToken >= prev.start && inp.focusToken < prev.start + perBody;
    start = keep ? prev.start : inp.focusToken - Math.floor(perBody / 2);
    start = Math.max(0, Math.min(start, len - perBody));
  }
  let used = count + bos;
  let first = f;
  let last = f;
  // Grow one prompt at a time, earlier side first, until neither neighbour fits whole.
  for (let grew = true; grew; ) {
    grew = false;
    for (const side of [-1, 1]) {
      const i = side < 0 ? first - 1 : last + 1;
      if (i < 0 || i >= lengths.length) continue;
      const cost = lengths[i] + bos;
      if (lengths[i] > perBody || used + cost > inp.total) continue;
      used += cost;
      if (side < 0) first = i;
      else last = i;
      grew = true;
    }
  }
  return { first, last, window: { prompt: f, start, count } };
}
