// The `.jlp` parser: which lines are prompt text, where each prompt character sits in the document,
// how directives are read, and that the TextMate grammar classifies lines the same way.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { lineKind, parsePromptFile, wholeDocument, type LineKind, type PromptSegment } from '../../../server/src/lsp/prompt-file';
import { REPO_ROOT } from '../../helpers/paths';

/** Every prompt character maps to the same character of the document (a joining '\n' onto the line break). */
function assertMapsBack(doc: string, seg: PromptSegment): void {
  for (let i = 0; i < seg.text.length; i++) {
    const [a, b] = seg.toDoc(i, i + 1);
    assert.equal(b, a + 1, `char ${i} maps to one document char`);
    const c = seg.text[i];
    if (c === '\n') assert.ok(doc[a] === '\n' || doc[a] === '\r', `prompt newline ${i} maps to ${JSON.stringify(doc[a])}`);
    else assert.equal(doc[a], c, `prompt char ${i}`);
  }
}

const FILE = [
  '# a comment',
  '@top-k 3',
  '',
  'Once upon a time,',
  '# a comment inside the prompt',
  'there was a cat.',
  '',
  '---',
  '@hook blocks.1.hook_resid_post',
  '  Lily 😀 played.  ',
  '#hashtag is text',
  '--- ',
  '',
  '---',
  '@bos off',
].join('\n');

test('prompts are the text between --- lines without comments, directives or blank edges', () => {
  const f = parsePromptFile(FILE);
  assert.deepEqual(
    f.segments.map((s) => s.text),
    ['Once upon a time,\nthere was a cat.', '  Lily 😀 played.  \n#hashtag is text'],
  );
  for (const s of f.segments) assertMapsBack(FILE, s);
  assert.equal(FILE.slice(f.segments[0].docStart, f.segments[0].docEnd), 'Once upon a time,\n# a comment inside the prompt\nthere was a cat.');
  assert.deepEqual(f.overrides, { topK: 3, hook: 'blocks.1.hook_resid_post', bos: false });
  assert.deepEqual(f.problems, []);
  assert.equal(f.directiveLines.hook?.line, 8);
});

test('a token range never stretches over a dropped comment line; an empty range is a point', () => {
  const f = parsePromptFile(FILE);
  const s = f.segments[0];
  const nl = s.text.indexOf('\n');
  // "time,\n" ends at the first line's break, not after the comment line below it.
  const [a, b] = s.toDoc(nl - 5, nl + 1);
  assert.equal(FILE.slice(a, b), 'time,\n');
  // "\nthere": starts at the break of line 4 and runs into line 6 (the range covers what the model read across).
  const [c, d] = s.toDoc(nl + 1, nl + 6);
  assert.equal(FILE.slice(c, d), 'there');
  assert.deepEqual(s.toDoc(0, 0), [s.docStart, s.docStart]);
});

test('CRLF documents: prompts use \\n, offsets still land on the document characters', () => {
  const crlf = FILE.replace(/\n/g, '\r\n');
  const f = parsePromptFile(crlf);
  assert.deepEqual(
    f.segments.map((s) => s.text),
    ['Once upon a time,\nthere was a cat.', '  Lily 😀 played.  \n#hashtag is text'],
  );
  for (const s of f.segments) assertMapsBack(crlf, s);
  assert.deepEqual(f.overrides, { topK: 3, hook: 'blocks.1.hook_resid_post', bos: false });
});

test('directive values are validated; a bad one is an error and ignored, a repeat a warning, an unknown @word a note', () => {
  const f = parsePromptFile(
    ['@top-k 0', '@top-k 7', '@top-k 9', '@max-tokens lots', '@bos maybe', '@sae none', '@model', '@hook bad hook', '@topk 3', '@model-x is text'].join('\n'),
  );
  assert.deepEqual(f.overrides, { topK: 9, sae: null });
  const by = (sev: string) => f.problems.filter((p) => p.severity === sev).map((p) => p.line);
  assert.deepEqual(by('error'), [0, 3, 4, 6, 7]);
  assert.deepEqual(by('warning'), [2]);
  assert.deepEqual(by('information'), [8, 9]);
  assert.match(f.problems[0].message, /@top-k must be an integer in 1\.\.100, got "0"/);
  assert.match(f.problems.find((p) => p.line === 2)!.message, /already set on line 2/);
  assert.match(f.problems.find((p) => p.line === 8)!.message, /@topk is not a JumpLens directive/);
  // The error points at the value, so an editor underlines "lots", not the directive name.
  const mt = f.problems.find((p) => p.line === 3)!;
  assert.deepEqual([mt.start, mt.end], ['@max-tokens '.length, '@max-tokens lots'.length]);
  // Unknown @words stay prompt text.
  assert.deepEqual(
    f.segments.map((s) => s.text),
    ['@topk 3\n@model-x is text'],
  );
});

test('a file of only comments and directives has no prompt; a plain document is one prompt, offsets unchanged', () => {
  assert.deepEqual(parsePromptFile('# nothing\n@top-k 2\n---\n\n---\n').segments, []);
  assert.deepEqual(parsePromptFile('').segments, []);
  const w = wholeDocument('# not a comment here\n---');
  assert.equal(w.text, '# not a comment here\n---');
  assert.deepEqual(w.toDoc(3, 7), [3, 7]);
});

test('the TextMate grammar classifies lines as the parser does', () => {
  const g = JSON.parse(readFileSync(path.join(REPO_ROOT, 'syntaxes', 'jumplens-prompt.tmLanguage.json'), 'utf8')) as {
    patterns: { include: string }[];
    repository: Record<string, { match: string }>;
  };
  // The grammar tries its patterns in order; the first that matches the line names it.
  const order = g.patterns.map((p) => p.include.replace(/^#/, '') as LineKind);
  const res = order.map((k) => [k, new RegExp(g.repository[k].match)] as const);
  const grammarKind = (line: string): LineKind => res.find(([, re]) => re.test(line))![0];
  const lines = [
    '---',
    '---  ',
    '----',
    ' ---',
    '# c',
    '#',
    '#tag',
    ' # c',
    '@model x',
    '@model',
    '@top-k 3',
    '@top-kx 3',
    '@model-x',
    '@bos off',
    '@foo 1',
    'text',
    '',
    '@sae\t./s',
    '@steer 209=5 840=0.5x',
    '@ablate 840',
    '@steering 1=2',
    '@ablate',
  ];
  for (const l of lines) assert.equal(grammarKind(l), lineKind(l), `line ${JSON.stringify(l)}`);
});

test('random prompt files: prompts are ordered, disjoint, map back character by character, and hold no comment, directive or separator line', () => {
  // A seeded generator, so a failure names a reproducible case.
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const lines = [
    '---',
    '--- ',
    '# note',
    '#',
    '@top-k 3',
    '@sae none',
    '@bogus x',
    '',
    '  ',
    'Once upon a time',
    ' Lily ran.',
    '#tag',
    'ü 😀 字',
    '----',
    '@model-x',
  ];
  for (let n = 0; n < 300; n++) {
    const doc = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => pick(lines)).join(pick(['\n', '\r\n']));
    const f = parsePromptFile(doc);
    let prevEnd = 0;
    for (const s of f.segments) {
      assert.ok(s.docStart >= prevEnd && s.docEnd > s.docStart, `segments overlap in ${JSON.stringify(doc)}`);
      prevEnd = s.docEnd;
      assertMapsBack(doc, s);
      for (const l of s.text.split('\n'))
        assert.ok(!['separator', 'comment', 'directive'].includes(lineKind(l)), `${JSON.stringify(l)} in a prompt of ${JSON.stringify(doc)}`);
      assert.equal(s.text, s.text.replace(/^(\s*\n)+|(\n\s*)+$/g, ''), "no blank lines at a prompt's edges");
    }
  }
});
