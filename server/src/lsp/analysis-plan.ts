// Which parts of a document get analysed. A prompt longer than the model's context is cut into
// chunks of at most a context's worth of tokens, at fixed places from its start, each run from BOS:
// a token's features then depend on the text alone, not on where the user is looking. A document
// may hold more tokens than `jumplens.maxTokens`: the daemon analyses the unit (prompt or chunk) at
// the edit or view, then whole neighbouring units, nearest first, while the budget lasts. The result
// is always a contiguous run of units, so "analysed from here to there" is one range.

/** Body-token ranges [start, end) of the chunks of a prompt of `length` tokens, at most `perChunk` each. */
export function chunkBounds(length: number, perChunk: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < length; s += perChunk) out.push([s, Math.min(length, s + perChunk)]);
  return out;
}

export interface PlanInput {
  /** Body tokens (without BOS) of each unit, in document order. */
  lengths: number[];
  /** Positions a unit's BOS takes (0 or 1). */
  bos: number;
  /** The unit at the edit or view. */
  focus: number;
  /** Units to cover before any other (those the editor shows), when known; they include `focus`. */
  want?: [number, number];
  /** Most positions analysed in the whole document (BOS included). */
  total: number;
}

/** Units [first, last] are analysed; the focus unit always is. */
export function planAnalysis(inp: PlanInput): { first: number; last: number } {
  const { lengths, bos, focus } = inp;
  let used = lengths[focus] + bos;
  let first = focus;
  let last = focus;
  const wanted = (i: number) => inp.want !== undefined && i >= inp.want[0] && i <= inp.want[1];
  // Grow one unit at a time, a wanted one first, else the earlier side first, until neither neighbour fits.
  for (let grew = true; grew; ) {
    grew = false;
    const sides = wanted(last + 1) && !wanted(first - 1) ? [1, -1] : [-1, 1];
    for (const side of sides) {
      const i = side < 0 ? first - 1 : last + 1;
      if (i < 0 || i >= lengths.length) continue;
      const cost = lengths[i] + bos;
      if (used + cost > inp.total) continue;
      used += cost;
      if (side < 0) first = i;
      else last = i;
      grew = true;
    }
  }
  return { first, last };
}
