// The `.jlp` prompt-file format: prompts separated by `---` lines, `# ` comment lines, and `@name value`
// directive lines that override the daemon's settings for the whole file (`@steer` / `@ablate`
// lines add up instead: steer-directives.ts). Comments, directives and
// separators are not prompt text: each prompt is the text between separators without them, and is
// encoded on its own from BOS, so one prompt's features never depend on the prompt before it.
// The TextMate grammar (syntaxes/jumplens-prompt.tmLanguage.json) classifies lines the same way; a
// unit test holds the two together.
import { accumulate, parseSteerLine, type FileIntervention } from './steer-directives';
import type { Intervention } from '../engine/steer/types';

export const DIRECTIVES = ['model', 'sae', 'hook', 'top-k', 'max-tokens', 'bos', 'steer', 'ablate'] as const;
export type DirectiveName = (typeof DIRECTIVES)[number];

/** Per-file overrides of the daemon settings; `sae: null` is `@sae none` (tokens only, no SAE). */
export interface PromptOverrides {
  model?: string;
  sae?: string | null;
  hook?: string;
  topK?: number;
  maxTokens?: number;
  bos?: boolean;
  /** `@steer` / `@ablate`: one per feature (its last item), in the order they were written. */
  interventions?: Intervention[];
}

/** A place in the document: 0-based line and UTF-16 columns [start, end) within it. */
export interface LineSpan {
  line: number;
  start: number;
  end: number;
}

export interface PromptProblem extends LineSpan {
  severity: 'error' | 'warning' | 'information';
  message: string;
}

/** One prompt: the text the model sees, and where each of its characters sits in the document. */
export interface PromptSegment {
  text: string;
  /** Document offsets (UTF-16) of the prompt's first character and just past its last. */
  docStart: number;
  docEnd: number;
  /** Document range [start, end) of the prompt-text range [s, e); an empty range maps to a point. */
  toDoc(s: number, e: number): [number, number];
}

export interface PromptFile {
  segments: PromptSegment[];
  overrides: PromptOverrides;
  /** The line each applied directive came from (the last one, when repeated). */
  directiveLines: Partial<Record<DirectiveName, LineSpan>>;
  /** overrides.interventions with the range of each item, for diagnostics against the loaded SAE. */
  interventions: FileIntervention[];
  problems: PromptProblem[];
}

const SEPARATOR = /^---\s*$/;
const COMMENT = /^#(\s|$)/;
const DIRECTIVE = /^@(model|sae|hook|top-k|max-tokens|bos|steer|ablate)(?=\s|$)\s*(.*?)\s*$/;
const DIRECTIVE_LIKE = /^@([A-Za-z][\w-]*)(?=\s|$)/;

export type LineKind = 'separator' | 'comment' | 'directive' | 'prompt';

/** How a line of a prompt file is read (exported for the grammar-consistency test). */
export function lineKind(line: string): LineKind {
  if (SEPARATOR.test(line)) return 'separator';
  if (COMMENT.test(line)) return 'comment';
  if (DIRECTIVE.test(line)) return 'directive';
  return 'prompt';
}

/** The directive a line holds, if any: its name and its value (trimmed). */
export function directiveOf(line: string): { name: DirectiveName; value: string } | undefined {
  const m = DIRECTIVE.exec(line);
  return m ? { name: m[1] as DirectiveName, value: m[2] } : undefined;
}

interface Line {
  text: string;
  /** Document offset of the line's first character. */
  start: number;
  /** Document offset of its line break (= start + text.length), or the document's end. */
  end: number;
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  const re = /\r\n|\n|\r/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ text: text.slice(start, m.index), start, end: m.index });
    start = m.index + m[0].length;
  }
  out.push({ text: text.slice(start), start, end: text.length });
  return out;
}

/**
 * Contiguous runs of prompt text: prompt offsets [p, p + len) sit at document offsets [d, d + len).
 * The line break joining two prompt lines is one '\n' in the prompt (whatever the document uses),
 * mapped onto the earlier line's break, so CRLF files give the model the text it was trained on.
 */
class SegmentBuilder {
  private text = '';
  private readonly pieces: { p: number; d: number; len: number }[] = [];

  add(docOffset: number, s: string): void {
    if (s.length === 0) return;
    const last = this.pieces[this.pieces.length - 1];
    if (last && last.p + last.len === this.text.length && last.d + last.len === docOffset) last.len += s.length;
    else this.pieces.push({ p: this.text.length, d: docOffset, len: s.length });
    this.text += s;
  }

  build(): PromptSegment | undefined {
    if (this.text.length === 0) return undefined;
    const { text, pieces } = this;
    const at = (o: number): number => {
      let lo = 0;
      let hi = pieces.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (pieces[mid].p <= o) lo = mid;
        else hi = mid - 1;
      }
      const q = pieces[lo];
      return q.d + Math.min(o - q.p, q.len);
    };
    const last = pieces[pieces.length - 1];
    return {
      text,
      docStart: pieces[0].d,
      docEnd: last.d + last.len,
      // An end offset maps through its last character, so a token never stretches over a dropped line.
      toDoc: (s, e) => (e > s ? [at(s), at(e - 1) + 1] : [at(s), at(s)]),
    };
  }
}

/** A plain document (not a prompt file): one prompt, the whole text, offsets unchanged. */
export function wholeDocument(text: string): PromptSegment {
  return { text, docStart: 0, docEnd: text.length, toDoc: (s, e) => [s, e] };
}

function parseDirective(name: Exclude<DirectiveName, 'steer' | 'ablate'>, value: string): { ok: true; set: PromptOverrides } | { ok: false; why: string } {
  if (value === '') return { ok: false, why: `@${name} needs a value` };
  switch (name) {
    case 'model':
      return { ok: true, set: { model: value } };
    case 'sae':
      return { ok: true, set: { sae: value === 'none' ? null : value } };
    case 'hook':
      if (!/^[\w.]+$/.test(value)) return { ok: false, why: `@hook ${JSON.stringify(value)} is not a hook name (e.g. blocks.2.hook_resid_post)` };
      return { ok: true, set: { hook: value } };
    case 'top-k':
    case 'max-tokens': {
      const [lo, hi] = name === 'top-k' ? [1, 100] : [2, 1 << 20];
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(n >= lo && n <= hi)) return { ok: false, why: `@${name} must be an integer in ${lo}..${hi}, got ${JSON.stringify(value)}` };
      return { ok: true, set: name === 'top-k' ? { topK: n } : { maxTokens: n } };
    }
    case 'bos': {
      const v = value.toLowerCase();
      if (['on', 'true', 'yes'].includes(v)) return { ok: true, set: { bos: true } };
      if (['off', 'false', 'no'].includes(v)) return { ok: true, set: { bos: false } };
      return { ok: false, why: `@bos must be on or off, got ${JSON.stringify(value)}` };
    }
  }
}

export function parsePromptFile(text: string): PromptFile {
  const lines = splitLines(text);
  const overrides: PromptOverrides = {};
  const directiveLines: PromptFile['directiveLines'] = {};
  const problems: PromptProblem[] = [];
  const segments: PromptSegment[] = [];
  const steering = new Map<number, FileIntervention>();
  // Prompt lines of the current segment: blank lines at its start and end are not part of the prompt.
  let group: Line[] = [];
  const flush = () => {
    let a = 0;
    let b = group.length;
    while (a < b && group[a].text.trim() === '') a++;
    while (b > a && group[b - 1].text.trim() === '') b--;
    const sb = new SegmentBuilder();
    for (let i = a; i < b; i++) {
      sb.add(group[i].start, group[i].text);
      if (i < b - 1) sb.add(group[i].end, '\n');
    }
    const seg = sb.build();
    if (seg) segments.push(seg);
    group = [];
  };
  lines.forEach((l, i) => {
    const kind = lineKind(l.text);
    if (kind === 'separator') return flush();
    if (kind === 'comment') return;
    if (kind === 'directive') {
      const { name, value } = directiveOf(l.text)!;
      const span = { line: i, start: 0, end: l.text.length };
      if (name === 'steer' || name === 'ablate') {
        directiveLines[name] = span;
        if (value === '') {
          const usage = name === 'steer' ? 'feature=value items (`@steer 209=5 840=0.5x`)' : 'feature ids (`@ablate 840 841`)';
          problems.push({ ...span, severity: 'error', message: `@${name} needs ${usage}; the directive is ignored` });
          return;
        }
        const valueStart = 1 + name.length + (/^\s*/.exec(l.text.slice(1 + name.length))?.[0].length ?? 0);
        const r = parseSteerLine(name, value, i, valueStart);
        problems.push(...r.problems);
        accumulate(steering, r.items, problems);
        return;
      }
      const r = parseDirective(name, value);
      if (!r.ok) {
        const start = value === '' ? 0 : l.text.indexOf(value, name.length + 1);
        problems.push({ line: i, start, end: l.text.length, severity: 'error', message: `${r.why}; the directive is ignored` });
        return;
      }
      const prev = directiveLines[name];
      if (prev)
        problems.push({
          ...span,
          severity: 'warning',
          message: `@${name} is already set on line ${prev.line + 1}; this line wins (directives apply to the whole file)`,
        });
      Object.assign(overrides, r.set);
      directiveLines[name] = span;
      return;
    }
    const like = DIRECTIVE_LIKE.exec(l.text);
    if (like) {
      problems.push({
        line: i,
        start: 0,
        end: like[0].length,
        severity: 'information',
        message: `@${like[1]} is not a JumpLens directive (${DIRECTIVES.map((d) => `@${d}`).join(', ')}); this line is prompt text`,
      });
    }
    group.push(l);
  });
  flush();
  const interventions = [...steering.values()];
  if (interventions.length)
    overrides.interventions = interventions.map(({ feature, mode, value }) => (mode === 'ablate' ? { feature, mode } : { feature, mode, value }));
  return { segments, overrides, directiveLines, interventions, problems };
}
