// The `.jlp` steering directives: `@steer F=v` (clamp), `@steer F=vx` (scale), `@ablate F…`; items
// add up across lines, a feature given twice keeps its last item (with a warning on it), and each
// bad item is an error on exactly its own characters while the rest of its line still applies.
// Feature ids against the SAE's d_sae are checked with the engine loaded (documentDiagnostics).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import { documentDiagnostics } from '../../../server/src/lsp/document-diagnostics';
import { directiveCompletions, directiveHover } from '../../../server/src/lsp/directive-help';
import { lineKind, parsePromptFile } from '../../../server/src/lsp/prompt-file';
import { usableInterventions } from '../../../server/src/lsp/steer-directives';
import type { Engine } from '../../../server/src/session/engine-session';

/** The [start, end) columns of `item` in `line` (the first occurrence after the directive name). */
const cols = (line: string, item: string) => {
  const s = line.indexOf(item, line.indexOf(' '));
  return [s, s + item.length];
};

test('@steer clamps and scales, several items per line; @ablate takes ids; lines add up in order', () => {
  const f = parsePromptFile(['@steer 209=2.0x 840=5', 'Once upon a time', '@ablate 17 3', '@steer 5=0.25X 6=1e1'].join('\n'));
  assert.deepEqual(f.problems, []);
  assert.deepEqual(f.overrides.interventions, [
    { feature: 209, mode: 'scale', value: 2 },
    { feature: 840, mode: 'clamp', value: 5 },
    { feature: 17, mode: 'ablate' },
    { feature: 3, mode: 'ablate' },
    { feature: 5, mode: 'scale', value: 0.25 },
    { feature: 6, mode: 'clamp', value: 10 },
  ]);
  // Directive lines are not prompt text.
  assert.deepEqual(
    f.segments.map((s) => s.text),
    ['Once upon a time'],
  );
  assert.equal(lineKind('@steer 1=2'), 'directive');
  assert.equal(lineKind('@ablate 1'), 'directive');
  assert.equal(lineKind('@steering 1=2'), 'prompt');
  // Each item knows its own range, for diagnostics against the SAE.
  assert.deepEqual(
    f.interventions.map((iv) => [iv.at.line, iv.at.start, iv.at.end]),
    [
      [0, 7, 15],
      [0, 16, 21],
      [2, 8, 10],
      [2, 11, 12],
      [3, 7, 14],
      [3, 15, 20],
    ],
  );
});

test('a file without steering directives has no interventions', () => {
  const f = parsePromptFile('@top-k 3\nOnce upon a time');
  assert.equal(f.overrides.interventions, undefined);
  assert.deepEqual(f.interventions, []);
});

test('bad items are errors on exactly their characters; the good items of the line still apply', () => {
  const lines = ['@steer 209 abc=1 7=-1 8=nan 9=-2x 10= 11=5 12=1e999', '@ablate 4=1 x 5', '@steer', '@ablate   '];
  const f = parsePromptFile(lines.join('\n'));
  assert.deepEqual(f.overrides.interventions, [
    { feature: 11, mode: 'clamp', value: 5 },
    { feature: 5, mode: 'ablate' },
  ]);
  const errs = f.problems.filter((p) => p.severity === 'error');
  const on = (line: number, item: string) => {
    const [s, e] = cols(lines[line], item);
    const p = errs.find((q) => q.line === line && q.start === s);
    assert.ok(p, `no error on ${JSON.stringify(item)} of line ${line}: ${JSON.stringify(errs)}`);
    assert.equal(p.end, e, `the error on ${item} ends with it`);
    return p.message;
  };
  assert.match(on(0, '209'), /"209" needs a value: `209=5` clamps feature 209 to activation 5, `209=2x` scales it by 2; this item is ignored/);
  assert.match(on(0, 'abc=1'), /"abc" is not a feature id/);
  assert.match(on(0, '7=-1'), /feature 7: the activation -1 is negative/);
  assert.match(on(0, '8=nan'), /"nan" is not a number \(feature 8\)/);
  assert.match(on(0, '9=-2x'), /feature 9: the factor -2 is negative/);
  assert.match(on(0, '10='), /feature 10 needs a value after "="/);
  assert.match(on(0, '12=1e999'), /"1e999" is not a number/);
  assert.match(on(1, '4=1'), /@ablate takes feature ids only/);
  assert.match(on(1, 'x'), /"x" is not a feature id/);
  assert.equal(errs.filter((p) => p.line === 0).length, 7);
  // An empty directive is one error over the line.
  const empty = errs.filter((p) => p.line >= 2);
  assert.deepEqual(
    empty.map((p) => [p.line, p.start, p.end]),
    [
      [2, 0, 6],
      [3, 0, 10],
    ],
  );
  assert.match(empty[0].message, /@steer needs feature=value items/);
  assert.match(empty[1].message, /@ablate needs feature ids/);
});

test('a feature given twice keeps its last item, with a warning on that item naming the earlier line', () => {
  const lines = ['@steer 209=5 840=2x', 'text', '@ablate 209', '@steer 840=3x 840=4x'];
  const f = parsePromptFile(lines.join('\n'));
  assert.deepEqual(f.overrides.interventions, [
    { feature: 209, mode: 'ablate' },
    { feature: 840, mode: 'scale', value: 4 },
  ]);
  const warns = f.problems.filter((p) => p.severity === 'warning');
  assert.equal(warns.length, 3);
  assert.deepEqual([warns[0].line, warns[0].start, warns[0].end], [2, ...cols(lines[2], '209')]);
  assert.match(warns[0].message, /feature 209 is already steered on line 1 \(#209 = 5\); this one \(#209 ablated\) wins/);
  assert.match(warns[1].message, /feature 840 is already steered on line 1 \(#840 × 2\); this one \(#840 × 3\) wins/);
  assert.deepEqual([warns[2].line, warns[2].start], [3, lines[3].indexOf('840=4x')]);
  assert.match(warns[2].message, /already steered on line 4 \(#840 × 3\); this one \(#840 × 4\) wins/);
  // Repeated @steer lines add up: no "already set" warning for the directive itself.
  assert.ok(!f.problems.some((p) => /already set/.test(p.message)));
});

/** Just what documentDiagnostics and directiveHover read of an engine. */
function fakeEngine(dSae: number | undefined): Engine {
  return {
    hook: 'blocks.4.hook_resid_post',
    saePath: '/saes/s',
    sae: dSae === undefined ? undefined : { dSae, hookName: 'blocks.4.hook_resid_post', architecture: 'jumprelu' },
    model: { config: { name: 'm', dModel: 64, nLayers: 5 } },
  } as unknown as Engine;
}

test("feature ids beyond the SAE's d_sae are errors on their item and left out of the analysis; no SAE is a warning", () => {
  const lines = ['@steer 1023=5 1024=2x', '@ablate 99999 7'];
  const f = parsePromptFile(lines.join('\n'));
  const ds = documentDiagnostics(f, lines[0].length, { engine: fakeEngine(1024) });
  assert.deepEqual(
    ds.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character, d.severity]),
    [
      [0, ...cols(lines[0], '1024=2x'), DiagnosticSeverity.Error],
      [1, ...cols(lines[1], '99999'), DiagnosticSeverity.Error],
    ],
  );
  assert.match(ds[0].message as string, /feature 1024 is out of range: the SAE \(\/saes\/s\) has 1024 features \(0\.\.1023\); the item is ignored/);
  assert.deepEqual(usableInterventions(f.interventions, 1024), [
    { feature: 1023, mode: 'clamp', value: 5 },
    { feature: 7, mode: 'ablate' },
  ]);
  assert.deepEqual(usableInterventions(f.interventions, undefined), []);
  const none = documentDiagnostics(f, lines[0].length, { engine: fakeEngine(undefined) });
  assert.equal(none.length, 4);
  assert.ok(none.every((d) => d.severity === DiagnosticSeverity.Warning && /no SAE is loaded/.test(d.message as string)));
  // Before the engine loads nothing is said about ids.
  assert.deepEqual(documentDiagnostics(f, lines[0].length, {}), []);
});

test('completion offers @steer and @ablate; the hover on a steering line says what it does where', () => {
  const labels = directiveCompletions('@', { line: 0, character: 1 }, []).map((c) => c.label);
  assert.ok(labels.includes('@steer') && labels.includes('@ablate'), labels.join(' '));
  const ds = { engine: { model: 'm', sae: '/saes/s' }, topK: 5, maxTokens: 100, bos: true };
  const md = directiveHover('@steer 209=2x 840=5 5000=1', ds, fakeEngine(1024))!;
  assert.match(md, /#209 × 2, #840 = 5: at `blocks\.4\.hook_resid_post`, every token after BOS/);
  assert.match(md, /Out of range \(the SAE has 1024 features\): #5000/);
  assert.match(directiveHover('@ablate 3', ds, fakeEngine(1024))!, /#3 ablated/);
});
