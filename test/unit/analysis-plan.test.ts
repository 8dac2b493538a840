// Which prompts and which window the daemon analyses when a document is over its token budget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planAnalysis } from '../../server/src/lsp/analysis-plan';

test('everything fits: every prompt, whole', () => {
  const p = planAnalysis({ lengths: [10, 20, 30], bos: 1, focusPrompt: 1, focusToken: 3, perPrompt: 512, total: 1024 });
  assert.deepEqual(p, { first: 0, last: 2, window: { prompt: 1, start: 0, count: 20 } });
});

test('over the budget: the edited prompt, then whole neighbours nearest first, always contiguous', () => {
  // Budget 99 positions (BOS included): prompt 2 (31) + prompt 1 (21) + prompt 3 (31) + prompt 0 (11) = 94; prompt 4 (6) would make 100.
  const p = planAnalysis({ lengths: [10, 20, 30, 30, 5], bos: 1, focusPrompt: 2, focusToken: 0, perPrompt: 512, total: 99 });
  assert.deepEqual([p.first, p.last], [0, 3]);
  // Prompt 1 (51) does not fit, so prompt 0 (6) is not analysed although it would fit the budget: [2, 3].
  const q = planAnalysis({ lengths: [5, 50, 5, 3], bos: 1, focusPrompt: 2, focusToken: 0, perPrompt: 512, total: 20 });
  assert.deepEqual([q.first, q.last], [2, 3]);
  const r = planAnalysis({ lengths: [10, 40, 40, 50, 5], bos: 1, focusPrompt: 3, focusToken: 0, perPrompt: 512, total: 60 });
  assert.deepEqual([r.first, r.last], [3, 4]);
});

test('a prompt longer than the context: a window centred on the edit, kept while the edit stays inside it', () => {
  const p = planAnalysis({ lengths: [1000], bos: 1, focusPrompt: 0, focusToken: 600, perPrompt: 101, total: 1024 });
  assert.deepEqual(p.window, { prompt: 0, start: 550, count: 100 });
  const kept = planAnalysis({ lengths: [1003], bos: 1, focusPrompt: 0, focusToken: 640, perPrompt: 101, total: 1024, previous: { prompt: 0, start: 550 } });
  assert.equal(kept.window.start, 550);
  const moved = planAnalysis({ lengths: [1003], bos: 1, focusPrompt: 0, focusToken: 700, perPrompt: 101, total: 1024, previous: { prompt: 0, start: 550 } });
  assert.equal(moved.window.start, 650);
  // Clamped to the prompt's ends.
  assert.equal(planAnalysis({ lengths: [1000], bos: 0, focusPrompt: 0, focusToken: 990, perPrompt: 100, total: 1024 }).window.start, 900);
  // Neighbours longer than the context are never analysed whole.
  const n = planAnalysis({ lengths: [1000, 20, 1000], bos: 1, focusPrompt: 1, focusToken: 0, perPrompt: 101, total: 1024 });
  assert.deepEqual([n.first, n.last], [1, 1]);
});
