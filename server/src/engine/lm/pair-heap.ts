// A binary max-heap of BPE merge candidates for the llama2.c tokenizer: ordered by score (higher
// first), then by the left token's position (lower first), which is run.c's choice among equal
// scores. Parallel typed arrays keep a 1M-character prompt's ~1M entries cheap to hold.

export interface PairEntry {
  score: number;
  /** Position (initial index) of the pair's left token. */
  left: number;
  /** Vocabulary id of the merged piece. */
  id: number;
  /** Versions of the left and right tokens when the entry was pushed (staleness check). */
  vl: number;
  vr: number;
}

export class PairHeap {
  private score = new Float64Array(64);
  private left = new Int32Array(64);
  private id = new Int32Array(64);
  private vl = new Int32Array(64);
  private vr = new Int32Array(64);
  size = 0;

  push(score: number, left: number, id: number, vl: number, vr: number): void {
    if (this.size === this.score.length) this.grow();
    let i = this.size++;
    this.set(i, score, left, id, vl, vr);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): PairEntry {
    if (this.size === 0) throw new Error('PairHeap.pop on an empty heap');
    const top: PairEntry = { score: this.score[0], left: this.left[0], id: this.id[0], vl: this.vl[0], vr: this.vr[0] };
    const last = --this.size;
    if (last > 0) {
      this.set(0, this.score[last], this.left[last], this.id[last], this.vl[last], this.vr[last]);
      let i = 0;
      for (;;) {
        const a = 2 * i + 1;
        const b = a + 1;
        let m = i;
        if (a < last && this.before(a, m)) m = a;
        if (b < last && this.before(b, m)) m = b;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  /** True when entry i must come out before entry j. */
  private before(i: number, j: number): boolean {
    return this.score[i] > this.score[j] || (this.score[i] === this.score[j] && this.left[i] < this.left[j]);
  }

  private set(i: number, score: number, left: number, id: number, vl: number, vr: number): void {
    this.score[i] = score;
    this.left[i] = left;
    this.id[i] = id;
    this.vl[i] = vl;
    this.vr[i] = vr;
  }

  private swap(i: number, j: number): void {
    const s = this.score[i];
    const l = this.left[i];
    const d = this.id[i];
    const a = this.vl[i];
    const b = this.vr[i];
    this.set(i, this.score[j], this.left[j], this.id[j], this.vl[j], this.vr[j]);
    this.set(j, s, l, d, a, b);
  }

  private grow(): void {
    const cap = this.score.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.score = g(this.score, (k) => new Float64Array(k));
    this.left = g(this.left, (k) => new Int32Array(k));
    this.id = g(this.id, (k) => new Int32Array(k));
    this.vl = g(this.vl, (k) => new Int32Array(k));
    this.vr = g(this.vr, (k) => new Int32Array(k));
  }
}
