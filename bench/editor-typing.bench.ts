// How fast colours follow typing as the user sees them: the packaged .vsix in code-server (no
// JumpLens settings), Playwright typing at 60 ms per character at the end of a prompt, and for each
// keystroke the time from its keydown in the page to the first frame where the character it typed
// sits inside a coloured decoration chip in the DOM. Beside it, the daemon's own latency (change
// received → jumplens/tokenFeatures sent, debounce included) as the status bar shows it.
// Characters whose token stays uncoloured (no feature above the lowest level) have no signal and
// are counted, not timed. Skipped, with a line saying so, when code-server is not installed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decorated, missingTools, newUserEnv, openFile, packageExtension, startSession, statusText } from '../test/e2e/code-server';
import type { BenchRow } from './index';

const DELAY_MS = 60;
const PROMPT = 'Once upon a time, there was a little girl.';
// 64 keystrokes of words a TinyStories model knows, so most new tokens get a colour; the whole line
// stays inside a 1400 px window with the side bars hidden.
const TYPED = ' She loved to play outside in the park with her big red ball.';
const SETTLE_MS = 2500;

interface Frame {
  t: number;
  /** Right edge (px) of the typed line's text. */
  text: number;
  /** [left, right] of each coloured decoration chip on that line. */
  chips: [number, number][];
  /** The status bar's latency figure, when it shows one. */
  latency?: number;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * Starts recording keydowns and, every animation frame, the typed line's text edge and chips (as
 * `window.__jl`). Plain JS source: tsx's name helpers do not exist in the page.
 */
const RECORDER = `(() => {
  const w = window;
  w.__jl = { keys: [], frames: [], stop: false };
  document.addEventListener('keydown', (e) => { if (e.key.length === 1) w.__jl.keys.push(performance.now()); }, true);
  const editor = document.querySelector('.editor-instance .monaco-editor');
  const tick = () => {
    if (w.__jl.stop) return;
    // The typed line: the one holding the cursor.
    const c = editor.querySelector('.cursor')?.getBoundingClientRect();
    const mid = c ? c.top + c.height / 2 : -1;
    const line = Array.from(editor.querySelectorAll('.view-line')).find((l) => {
      const r = l.getBoundingClientRect();
      return mid >= r.top && mid < r.bottom;
    });
    if (line) {
      const lr = line.getBoundingClientRect();
      const spans = line.querySelectorAll('span span');
      const text = spans.length ? spans[spans.length - 1].getBoundingClientRect().right : lr.left;
      const chips = [];
      for (const el of editor.querySelectorAll('.view-overlays [class*="ced-"]')) {
        const r = el.getBoundingClientRect();
        const m = r.top + r.height / 2;
        if (m < lr.top || m >= lr.bottom || r.width <= 0) continue;
        if (getComputedStyle(el).backgroundColor === 'rgba(0, 0, 0, 0)') continue;
        chips.push([r.left, r.right]);
      }
      const st = document.querySelector('.statusbar-item[id*="jumplens.status"]')?.getAttribute('aria-label') ?? '';
      const lat = /(\\d+) ms/.exec(st);
      w.__jl.frames.push({ t: performance.now(), text, chips, latency: lat ? Number(lat[1]) : undefined });
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

/**
 * Per keystroke: ms until its character is inside a chip (undefined: never coloured). The font is
 * monospace and the text ASCII, so character k spans [x0 + k·w, x0 + (k+1)·w), x0 the text edge
 * before the first keystroke and w the step by which the edge moves per character.
 */
function latencies(keys: number[], frames: Frame[]): (number | undefined)[] {
  const x0 = [...frames].reverse().find((f) => f.t <= keys[0])?.text;
  if (x0 === undefined) throw new Error('editor-typing: no frame was recorded before the first keystroke');
  const edges = [...new Set(frames.map((f) => f.text))].sort((a, b) => a - b);
  const steps = edges
    .slice(1)
    .map((e, i) => e - edges[i])
    .sort((a, b) => a - b);
  const w = steps[Math.floor(steps.length / 2)];
  const end = frames[frames.length - 1].text;
  // A line wider than the editor scrolls, and the positions no longer hold.
  if (Math.abs(end - (x0 + keys.length * w)) > w / 2) {
    throw new Error(`editor-typing: the typed line ends at ${end.toFixed(1)} px, not ${(x0 + keys.length * w).toFixed(1)}: did it scroll?`);
  }
  return keys.map((k, i) => {
    const centre = x0 + (i + 0.5) * w;
    const hit = frames.find((f) => f.t > k && f.text > centre && f.chips.some(([l, r]) => l <= centre && centre <= r));
    return hit ? hit.t - k : undefined;
  });
}

export async function run(): Promise<BenchRow[]> {
  const missing = missingTools();
  if (missing) {
    console.log(`editor-typing: skipped: ${missing}`);
    return [];
  }
  const out = mkdtempSync(path.join(tmpdir(), 'jumplens-bench-vsix-'));
  const s = await startSession({
    vsix: packageExtension(out),
    files: { 'typing.jlp': PROMPT },
    settings: {},
    env: newUserEnv(),
    timeoutMs: 180_000,
  });
  try {
    const page = s.page;
    await openFile(page, 'typing.jlp');
    // Room for the whole line: no side bars.
    await page.keyboard.press('Control+B');
    if (await page.locator('.part.auxiliarybar').isVisible()) await page.keyboard.press('Control+Alt+B');
    const deadline = Date.now() + 180_000;
    while ((await decorated(page)).length < 5 && Date.now() < deadline) await page.waitForTimeout(500);
    if ((await decorated(page)).length < 5)
      throw new Error(`editor-typing: the prompt was never coloured; status: ${await statusText(page)}\n${s.extensionLog()}`);
    await page.keyboard.press('Control+End');
    await page.waitForTimeout(1000);
    await page.evaluate(RECORDER);
    await page.waitForTimeout(300);
    await page.keyboard.type(TYPED, { delay: DELAY_MS });
    await page.waitForTimeout(SETTLE_MS);
    const { keys, frames } = (await page.evaluate('(() => { window.__jl.stop = true; return window.__jl; })()')) as { keys: number[]; frames: Frame[] };
    const ms = latencies(keys, frames);
    const timed = ms.filter((x): x is number => x !== undefined);
    if (timed.length === 0) throw new Error(`editor-typing: no typed character was ever coloured (${keys.length} keystrokes, ${frames.length} frames)`);
    // The daemon's figure, once per change of the status bar's value.
    const daemon: number[] = [];
    for (let i = 0; i < frames.length; i++) {
      const l = frames[i].latency;
      if (l !== undefined && frames[i].t > keys[0] && l !== frames[i - 1]?.latency) daemon.push(l);
    }
    const c = `packaged .vsix in code-server, ${DELAY_MS} ms/char at the end of a ${PROMPT.length}-char prompt`;
    const rows: BenchRow[] = [
      {
        bench: 'editor-typing',
        case: `${c}: keystroke → typed text coloured, p50`,
        value: pct(timed, 50),
        unit: 'ms',
        extra: `${timed.length} of ${keys.length} keystrokes coloured`,
      },
      {
        bench: 'editor-typing',
        case: `${c}: keystroke → typed text coloured, p95`,
        value: pct(timed, 95),
        unit: 'ms',
        extra: `max ${Math.max(...timed).toFixed(0)} ms`,
      },
    ];
    if (daemon.length > 0) {
      rows.push(
        {
          bench: 'editor-typing',
          case: `${c}: daemon latency (status bar, incl. debounce), p50`,
          value: pct(daemon, 50),
          unit: 'ms',
          extra: `${daemon.length} updates`,
        },
        { bench: 'editor-typing', case: `${c}: daemon latency (status bar, incl. debounce), p95`, value: pct(daemon, 95), unit: 'ms' },
      );
    }
    if (process.env.JUMPLENS_BENCH_DUMP) (await import('node:fs')).writeFileSync(process.env.JUMPLENS_BENCH_DUMP, JSON.stringify({ keys, frames }));
    if (process.env.JUMPLENS_BENCH_VERBOSE)
      console.error(`editor-typing: per keystroke ms: ${ms.map((x) => (x === undefined ? '-' : x.toFixed(0))).join(' ')}`);
    return rows;
  } finally {
    await s.close();
    rmSync(out, { recursive: true, force: true });
  }
}
