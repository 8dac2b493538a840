// The hover's Pin link and the pinned document: the link's argument round-trips to the document and
// position the command pins, a malformed one is refused (the command then uses the cursor), and the
// pinned document is named by token and place (one per place: pinning again replaces it) and holds
// the daemon's hover text as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePinArg, pinLinkMarkdown, pinnedDocument } from '../../../client/src/pinned-hover';

test('the Pin link carries the hovered document and position, which parse back', () => {
  const md = pinLinkMarkdown('file:///w/my%20story.jlp', { line: 3, character: 7 });
  const m = /^\[Pin\]\(command:jumplens\.pinHover\?([^ )]+) "[^"]+"\)$/.exec(md);
  assert.ok(m, md);
  const args = JSON.parse(decodeURIComponent(m[1]));
  assert.deepEqual(args, [{ uri: 'file:///w/my%20story.jlp', position: { line: 3, character: 7 } }]);
  assert.deepEqual(parsePinArg(args[0]), args[0]);
});

test('malformed pin arguments are refused', () => {
  for (const bad of [
    undefined,
    null,
    'x',
    {},
    { uri: 3, position: { line: 0, character: 0 } },
    { uri: 'u' },
    { uri: 'u', position: { line: -1, character: 0 } },
    { uri: 'u', position: { line: 1.5, character: 0 } },
  ]) {
    assert.equal(parsePinArg(bad), undefined, JSON.stringify(bad));
  }
});

test('the pinned document: titled by token and place, the hover text kept verbatim, one path per place', () => {
  const at = new Date('2026-01-02T03:04:05Z');
  const hover = '**JumpLens** token `" there"`\n\n| feature | act |\n|---:|---:|\n| #822 | 1.451 |';
  const a = { uri: 'file:///w/my%20story.jlp', position: { line: 3, character: 7 } };
  const d = pinnedDocument(a, ' there', hover, at);
  assert.equal(d.path, '/Pinned: token " there" · my story.jlp 4:8.md');
  assert.ok(d.text.startsWith('# Pinned: token " there" · my story.jlp 4:8\n'), d.text);
  assert.ok(d.text.includes(`\n${hover}\n`), 'the hover markdown unchanged');
  assert.match(d.text, /pinned 2026-01-02T03:04:05\.000Z/);
  // Same place, later: same document (replaced); another place: another document.
  assert.equal(pinnedDocument(a, ' there', 'newer', new Date()).path, d.path);
  assert.notEqual(pinnedDocument({ ...a, position: { line: 3, character: 8 } }, ' there', hover, at).path, d.path);
  // A token with a slash cannot split the path; an unknown token leaves it out.
  assert.ok(!pinnedDocument(a, 'a/b', hover, at).path.slice(1).includes('/'));
  assert.equal(pinnedDocument(a, undefined, hover, at).path, '/Pinned: token · my story.jlp 4:8.md');
});
