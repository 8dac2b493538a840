// The editor-typing bench's view of the page: a recorder injected into code-server that samples,
// after every painted frame, the typed line's text edge and its coloured chips, and the geometry
// that says which level each typed character showed in a frame.
import { LEVELS, alphaOf } from '../client/src/intensity';

/** One painted frame, as the recorder saw it. */
export interface Frame {
  t: number;
  /** Right edge (px, from the line's left) of the typed line's text. */
  text: number;
  /** [left, right, level] (px, from the line's left) of each coloured decoration chip on that line. */
  chips: [number, number, number][];
}

/**
 * Starts recording keydowns and, after every painted frame, the typed line's text edge and chips
 * (as `window.__jl`). A rendering update (animation-frame callbacks, layout, paint) is one task;
 * a message posted from an animation-frame callback runs after it. Each sample reads only what the
 * editor wrote into the DOM for that frame: the cursor's and the lines' inline `top`, the typed
 * line's text, the chips' inline `left`/`width` (line-relative px), so it forces no layout. Reading
 * boxes (getBoundingClientRect, getComputedStyle per chip) instead cost the page's main thread
 * ~6 ms per keystroke of the ~40 ms the editor itself used, load a user's editor does not have.
 * The text edge is the line's length times the character width, measured once per pass (the font
 * is monospace, the text ASCII). A chip's level is read back from its background alpha
 * (intensity.ts: one alpha per level), once per decoration class. Plain JS source: tsx's name
 * helpers do not exist in the page.
 */
export const RECORDER = `(() => {
  const w = window;
  const alphas = ${JSON.stringify(Array.from({ length: LEVELS }, (_, l) => alphaOf(l + 1)))};
  w.__jl = { origin: performance.timeOrigin, keys: [], frames: [], stop: false };
  // Once per page: each pass starts a new recording.
  if (!w.__jlKeys) {
    w.__jlKeys = true;
    document.addEventListener('keydown', (e) => { if (e.key.length === 1 && !w.__jl.stop) w.__jl.keys.push(performance.now()); }, true);
  }
  const editor = document.querySelector('.editor-instance .monaco-editor');
  const levels = new Map();
  const levelOf = (el) => {
    let l = levels.get(el.className);
    if (l === undefined) {
      const m = /rgba?\\(([^)]*)\\)/.exec(getComputedStyle(el).backgroundColor);
      const a = m ? Number(m[1].split(',')[3] ?? 1) : 0;
      l = alphas.findIndex((x) => Math.abs(x - a) < 0.005) + 1;
      levels.set(el.className, l);
    }
    return l;
  };
  const atTop = (container, top) => {
    if (!container) return undefined;
    for (const l of container.children) if (l.style.top === top) return l;
    return undefined;
  };
  // The character width, from the line the cursor is on now (one layout read per pass).
  const first = atTop(editor.querySelector('.view-lines'), editor.querySelector('.cursor')?.style.top);
  const probe = document.createElement('span');
  probe.textContent = 'x'.repeat(100);
  probe.style.whiteSpace = 'pre';
  (first ?? editor).appendChild(probe);
  const charW = probe.getBoundingClientRect().width / 100;
  probe.remove();
  const sample = () => {
    // The typed line: the one holding the cursor.
    const top = editor.querySelector('.cursor')?.style.top;
    const line = atTop(editor.querySelector('.view-lines'), top);
    if (!line) return;
    const text = line.textContent.length * charW;
    const chips = [];
    const overlay = atTop(editor.querySelector('.view-overlays'), top);
    for (const el of overlay?.children ?? []) {
      if (!el.className.includes('ced-')) continue;
      const left = parseFloat(el.style.left);
      const width = parseFloat(el.style.width);
      if (!(width > 0)) continue;
      const level = levelOf(el);
      if (level > 0) chips.push([left, left + width, level]);
    }
    w.__jl.frames.push({ t: performance.now(), text, chips });
  };
  const ch = new MessageChannel();
  ch.port1.onmessage = sample;
  const tick = () => {
    if (w.__jl.stop) return;
    ch.port2.postMessage(0);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

/** Where each typed character of a pass sits on screen, from that pass's frames. */
export interface LineGeometry {
  /** Level shown under character i in frame f: -1 before it is echoed, 0 uncoloured. */
  shown(f: Frame, i: number): number;
}

/**
 * The font is monospace and the text ASCII, so character i spans [x0 + i·w, x0 + (i+1)·w), x0 the
 * text edge before the first keystroke and w the step by which the edge moves per character.
 */
export function geometry(keys: number[], frames: Frame[], pass: number): LineGeometry {
  const x0 = [...frames].reverse().find((f) => f.t <= keys[0])?.text;
  if (x0 === undefined) throw new Error(`editor-typing: pass ${pass + 1}: no frame was recorded before the first keystroke`);
  const edges = [...new Set(frames.map((f) => f.text))].sort((a, b) => a - b);
  const steps = edges
    .slice(1)
    .map((e, i) => e - edges[i])
    .sort((a, b) => a - b);
  const w = steps[Math.floor(steps.length / 2)];
  const last = frames[frames.length - 1];
  // The positions hold only if the line holds exactly what was typed (no accepted suggestion, no auto-closed pair).
  if (Math.abs(last.text - (x0 + keys.length * w)) > w / 2) {
    throw new Error(
      `editor-typing: pass ${pass + 1}: the typed line ends ${((last.text - x0) / w).toFixed(1)} characters after where typing began, not ${keys.length}: did the editor insert or drop text?`,
    );
  }
  return {
    shown(f, i) {
      const centre = x0 + (i + 0.5) * w;
      return f.text > centre ? (f.chips.find(([l, r]) => l <= centre && centre <= r)?.[2] ?? 0) : -1;
    },
  };
}
