// How long a webview waits before reconnecting to the daemon after its socket closed: doubling from
// a quarter second up to ten seconds, so a restarting daemon is found within a second or two and a
// stopped one is not hammered. Pure (unit-tested).
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 10_000;

/** Delay before reconnect attempt `attempt` (0 = the first after a close). */
export function backoffMs(attempt: number, base = BACKOFF_BASE_MS, max = BACKOFF_MAX_MS): number {
  if (!Number.isFinite(attempt) || attempt < 0) return base;
  return Math.min(max, base * 2 ** Math.min(attempt, 30));
}

/** Counts attempts: `next()` gives the delay for the next try, `reset()` after a connection opened. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly base = BACKOFF_BASE_MS,
    private readonly max = BACKOFF_MAX_MS,
  ) {}
  next(): number {
    return backoffMs(this.attempt++, this.base, this.max);
  }
  reset(): void {
    this.attempt = 0;
  }
  get attempts(): number {
    return this.attempt;
  }
}
