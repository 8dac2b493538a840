// Runs a callback at most once per interval, after the calls that asked for it, with the newest
// state: per-keystroke status-bar updates and status requests competed with the colours for the
// extension host and the renderer while typing, for a figure nobody reads mid-word.
export class TrailingThrottle {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => void,
  ) {}

  /** Asks for a run: the pending one if there is one, else one `intervalMs` from now. */
  request(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, this.intervalMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
