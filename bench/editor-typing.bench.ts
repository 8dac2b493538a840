// How fast colours follow typing as the user sees them: the packaged .vsix in code-server (no
// JumpLens settings), Playwright typing at 60 ms per character at the end of a prompt and then on
// two new lines, and for each keystroke the time from its keydown in the page to the first painted
// frame where the character it typed shows the colour its token has in the daemon's analysis of
// the text as typed so far. That analysis comes from the same unpacked .vsix daemon replaying the
// keystrokes one by one beforehand (test/helpers/unpacked-daemon.ts): a keystroke whose token is
// then uncoloured (a trailing space, a word's first letters that no feature fires on) has no colour
// to wait for and is counted, not timed; timing such a character until the next word coloured it
// measured the next keystroke's latency plus the 60 ms between them. The colour counts once the
// chip over the character has that token's level (read from its alpha), or the level a later
// keystroke's analysis gives it. Frames are sampled after they paint (a message posted from an
// animation frame runs after that frame's rendering).
// The reference, measured in the same run: the same typing into code-server with only
// bench/decoration-echo installed, which colours each character in the change event that reports
// it, so its latency is the editor's own keystroke → extension host → decoration → paint round
// trip, the floor under any extension's colours. The daemon's own latency is the keystroke bench.
// Skipped, with a line saying so, when code-server is not installed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { Methods, type TokenFeaturesMessage } from '../protocol';
import { tokenLevel } from '../client/src/intensity';
import { TokenState } from '../client/src/token-state';
import { missingTools, newUserEnv, openFile, packageExtension, startSession, statusText, waitForColours } from '../test/e2e/code-server';
import { unpackVsix } from '../test/helpers/package-vsix';
import { startUnpackedDaemon } from '../test/helpers/unpacked-daemon';
import type { BenchRow } from './index';
import { RECORDER, geometry, type Frame } from './typing-frames';

const DELAY_MS = 60;
const FILE = 'typing.jlp';
const PROMPT = 'Once upon a time, there was a little girl.';
// 61 keystrokes of words a TinyStories model knows, so most new tokens get a colour; the whole line
// stays inside a 1400 px window with the side bars hidden.
const TYPED = ' She loved to play outside in the park with her big red ball.';
/**
 * What each pass types, each on a new line (Enter between them, not timed). The new lines start
 * without the space: the editor would carry a line's leading space to the next as indentation.
 */
const PASSES = [TYPED, TYPED.slice(1), TYPED.slice(1)];
const SETTLE_MS = 2500;
/** Typing starts once the page has run no task over 50 ms for this long (startup work is not typing latency)... */
const QUIET_MS = 2000;
/** ...or after this long, whichever comes first. */
const QUIET_MAX_MS = 20_000;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * Per pass, per typed character, its colour level in the daemon's analysis of each version:
 * `levels[pass][v][i]` for the text after that pass's keystroke v (0-based), character i of PASSES[pass].
 * From the unpacked .vsix's daemon, started as the extension starts it, given the keystrokes
 * (and the Enter between passes) one at a time.
 */
async function expectedLevels(ext: string, workspace: string): Promise<number[][][]> {
  const d = await startUnpackedDaemon(ext, workspace);
  try {
    const uri = `file://${path.join(workspace, FILE)}`;
    const state = new TokenState();
    let version = 1;
    const analysed = async () => {
      const v = version;
      const msg = (await d.waitFor(Methods.tokenFeatures, (p: TokenFeaturesMessage) => p.uri === uri && p.version === v, 180_000)) as TokenFeaturesMessage;
      return state.update(msg);
    };
    const type = async (at: { line: number; character: number }, text: string) => {
      version++;
      await d.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: at, end: at }, text }] });
      return analysed();
    };
    await d.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'jumplens-prompt', version, text: PROMPT } });
    await analysed();
    const levels: number[][][] = [];
    for (const [pass, typed] of PASSES.entries()) {
      const col0 = pass === 0 ? PROMPT.length : 0;
      if (pass > 0) await type({ line: pass - 1, character: (pass === 1 ? PROMPT.length : 0) + PASSES[pass - 1].length }, '\n');
      const perVersion: number[][] = [];
      for (let v = 0; v < typed.length; v++) {
        const p = await type({ line: pass, character: col0 + v }, typed[v]);
        perVersion.push(
          Array.from({ length: v + 1 }, (_, i) => {
            const c = col0 + i;
            const t = p.tokens.find((t) => t.range.start.line === pass && t.range.start.character <= c && c < t.range.end.character);
            return t ? tokenLevel(t) : 0;
          }),
        );
      }
      levels.push(perVersion);
    }
    return levels;
  } finally {
    await d.close();
  }
}

/** Resolves once the page has had no long task for QUIET_MS, or after QUIET_MAX_MS. */
async function quiet(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__jlLongTask = performance.now();
    window.__jlLongTasks ??= new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__jlLongTask = e.startTime + e.duration; });
    window.__jlLongTasks.observe({ type: 'longtask', buffered: false });
  })()`);
  const until = Date.now() + QUIET_MAX_MS;
  while (Date.now() < until) {
    const idle = (await page.evaluate('performance.now() - window.__jlLongTask')) as number;
    if (idle >= QUIET_MS) return;
    await page.waitForTimeout(250);
  }
}

/** Per keystroke of a pass: ms until it showed what it should; undefined: not timed. */
type Judge = (keys: number[], frames: Frame[], pass: number) => (number | undefined)[];

/**
 * JumpLens: a keystroke is timed when its token is coloured in the analysis of the text it left,
 * until the chip under it shows that level, or the level a later keystroke's analysis gives it
 * (one the page could have by then).
 */
function jumpLensJudge(levels: number[][][]): Judge {
  return (keys, frames, pass) => {
    const typed = PASSES[pass];
    const lv = levels[pass];
    const g = geometry(keys, frames, pass);
    // What the editor shows once typing settled must be the reference's analysis of the whole text.
    const last = frames[frames.length - 1];
    const wrong = lv[keys.length - 1].map((l, i) => [i, l, g.shown(last, i)]).filter(([, l, s]) => l !== s);
    if (wrong.length > 0) {
      throw new Error(
        `editor-typing: pass ${pass + 1}: after typing, the editor's colours differ from the daemon's analysis at ${wrong.length} characters (index: expected level / shown): ${wrong.map(([i, l, s]) => `${i} ${JSON.stringify(typed[i])}: ${l}/${s}`).join(', ')}`,
      );
    }
    const ms = keys.map((k, i) => {
      if (lv[i][i] === 0) return undefined;
      const hit = frames.find((f) => {
        if (f.t <= k) return false;
        const s = g.shown(f, i);
        for (let v = i; v < keys.length && keys[v] < f.t; v++) if (lv[v][i] === s) return true;
        return false;
      });
      if (!hit) throw new Error(`editor-typing: pass ${pass + 1}: character ${i} ${JSON.stringify(typed[i])} never showed a colour level the daemon gives it`);
      return hit.t - k;
    });
    return ms;
  };
}

/** The reference extension colours every typed character: each keystroke until a chip is under it. */
const floorJudge: Judge = (keys, frames, pass) => {
  const g = geometry(keys, frames, pass);
  return keys.map((k, i) => {
    const hit = frames.find((f) => f.t > k && g.shown(f, i) > 0);
    if (!hit) throw new Error(`editor-typing: reference extension: pass ${pass + 1}: character ${i} was never coloured`);
    return hit.t - k;
  });
};

/** Opens FILE, waits for `ready`, types every pass with the recorder on; per keystroke its judged ms. */
async function typePasses(page: Page, ready: () => Promise<void>, judge: Judge, name: string): Promise<(number | undefined)[]> {
  await openFile(page, FILE);
  // Room for the whole line: no side bars.
  await page.keyboard.press('Control+B');
  if (await page.locator('.part.auxiliarybar').isVisible()) await page.keyboard.press('Control+Alt+B');
  await ready();
  await page.keyboard.press('Control+End');
  const all: (number | undefined)[] = [];
  const perKey: string[] = [];
  // JUMPLENS_BENCH_DUMP=<prefix>: each pass's keydowns, frames and judged ms go to <prefix>.<name>.json.
  const dump: { origin: number; keys: number[]; frames: Frame[]; ms?: (number | undefined)[] }[] = [];
  const save = () => process.env.JUMPLENS_BENCH_DUMP && writeFileSync(`${process.env.JUMPLENS_BENCH_DUMP}.${name}.json`, JSON.stringify(dump));
  for (const [pass, typed] of PASSES.entries()) {
    if (pass > 0) await page.keyboard.press('Enter');
    await quiet(page);
    await page.evaluate(RECORDER);
    await page.waitForTimeout(300);
    await page.keyboard.type(typed, { delay: DELAY_MS });
    await page.waitForTimeout(SETTLE_MS);
    const { keys, frames, origin } = (await page.evaluate('(() => { window.__jl.stop = true; return window.__jl; })()')) as {
      keys: number[];
      frames: Frame[];
      origin: number;
    };
    const entry: (typeof dump)[number] = { origin, keys, frames };
    dump.push(entry);
    save();
    if (keys.length !== typed.length)
      throw new Error(`editor-typing: ${name}: pass ${pass + 1}: ${keys.length} keydowns recorded for ${typed.length} characters typed`);
    const ms = judge(keys, frames, pass);
    entry.ms = ms;
    save();
    all.push(...ms);
    perKey.push(ms.map((x, i) => `${JSON.stringify(typed[i])}${x === undefined ? '-' : x.toFixed(0)}`).join(' '));
  }
  if (process.env.JUMPLENS_BENCH_VERBOSE) console.error(`editor-typing: ${name}: per keystroke ms:\n${perKey.join('\n')}`);
  return all;
}

export async function run(): Promise<BenchRow[]> {
  const missing = missingTools();
  if (missing) {
    console.log(`editor-typing: skipped: ${missing}`);
    return [];
  }
  const out = mkdtempSync(path.join(tmpdir(), 'jumplens-bench-vsix-'));
  try {
    const vsix = packageExtension(out);
    unpackVsix(vsix, path.join(out, 'unpacked'));
    const refWorkspace = path.join(out, 'reference');
    mkdirSync(refWorkspace);
    const levels = await expectedLevels(path.join(out, 'unpacked', 'extension'), refWorkspace);

    const s = await startSession({ vsix, files: { [FILE]: PROMPT }, settings: {}, env: newUserEnv(), timeoutMs: 180_000 });
    let ours: (number | undefined)[];
    try {
      const coloured = async () => {
        if ((await waitForColours(s.page, 180_000)).length < 5)
          throw new Error(`editor-typing: the prompt was never coloured; status: ${await statusText(s.page)}\n${s.extensionLog()}`);
      };
      ours = await typePasses(s.page, coloured, jumpLensJudge(levels), 'jumplens');
    } finally {
      await s.close();
    }

    const echo = packageDecorationEcho(out);
    const f = await startSession({ vsix: echo, files: { [FILE]: PROMPT }, settings: {}, env: newUserEnv(), timeoutMs: 180_000 });
    let floor: (number | undefined)[];
    try {
      floor = await typePasses(f.page, async () => {}, floorJudge, 'reference');
    } finally {
      await f.close();
    }
    return rows(ours, floor);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** bench/decoration-echo as a .vsix, by the vsce that packages JumpLens. */
function packageDecorationEcho(outDir: string): string {
  const vsix = path.join(outDir, 'decoration-echo.vsix');
  const vsce = path.join(path.dirname(createRequire(__filename).resolve('@vscode/vsce/package.json')), 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], {
    cwd: path.join(__dirname, 'decoration-echo'),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`editor-typing: packaging bench/decoration-echo failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return vsix;
}

function rows(ours: (number | undefined)[], floor: (number | undefined)[]): BenchRow[] {
  const timed = ours.filter((x): x is number => x !== undefined);
  const ref = floor.filter((x): x is number => x !== undefined);
  if (timed.length === 0) throw new Error(`editor-typing: no typed character has a colour (${ours.length} keystrokes)`);
  const c = `packaged .vsix in code-server, ${DELAY_MS} ms/char, ${ours.length} chars on ${PASSES.length} lines after a ${PROMPT.length}-char prompt`;
  const r = 'reference extension (colours each typed char from its change event; no daemon)';
  return [
    {
      bench: 'editor-typing',
      case: `${c}: keystroke → its token's colour painted, p50`,
      value: pct(timed, 50),
      unit: 'ms',
      extra: `${timed.length} of ${ours.length} keystrokes timed; ${ours.length - timed.length} leave an uncoloured token`,
    },
    {
      bench: 'editor-typing',
      case: `${c}: keystroke → its token's colour painted, p95`,
      value: pct(timed, 95),
      unit: 'ms',
      extra: `max ${Math.max(...timed).toFixed(0)} ms`,
    },
    { bench: 'editor-typing', case: `same typing, ${r}: keystroke → colour painted, p50`, value: pct(ref, 50), unit: 'ms' },
    {
      bench: 'editor-typing',
      case: `same typing, ${r}: keystroke → colour painted, p95`,
      value: pct(ref, 95),
      unit: 'ms',
      extra: `max ${Math.max(...ref).toFixed(0)} ms`,
    },
    { bench: 'editor-typing', case: 'JumpLens p95 / reference extension p95 (same run)', value: pct(timed, 95) / pct(ref, 95), unit: '×' },
  ];
}
