// Which units (prompts, or context-sized chunks of long prompts) the daemon analyses when a document
// is over its token budget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkBounds, planAnalysis } from '../../../server/src/lsp/analysis-plan';

test('everything fits: every unit', () => {
  assert.deepEqual(planAnalysis({ lengths: [10, 20, 30], bos: 1, focus: 1, total: 1024 }), { first: 0, last: 2 });
});

test('over the budget: the focus unit, then whole neighbours nearest first, always contiguous', () => {
  // Budget 99 positions (BOS included): unit 2 (31) + 1 (21) + 3 (31) + 0 (11) = 94; unit 4 (6) would make 100.
  assert.deepEqual(planAnalysis({ lengths: [10, 20, 30, 30, 5], bos: 1, focus: 2, total: 99 }), { first: 0, last: 3 });
  // Unit 1 (51) does not fit, so unit 0 (6) is not analysed although it would fit the budget.
  assert.deepEqual(planAnalysis({ lengths: [5, 50, 5, 3], bos: 1, focus: 2, total: 20 }), { first: 2, last: 3 });
  // The focus unit is analysed even alone over the budget.
  assert.deepEqual(planAnalysis({ lengths: [5, 50, 5], bos: 0, focus: 1, total: 20 }), { first: 1, last: 1 });
});

test('chunks of a long prompt sit at fixed places from its start, whatever the focus', () => {
  assert.deepEqual(chunkBounds(1000, 511), [
    [0, 511],
    [511, 1000],
  ]);
  assert.deepEqual(chunkBounds(511, 511), [[0, 511]]);
  assert.deepEqual(chunkBounds(3, 511), [[0, 3]]);
  assert.deepEqual(chunkBounds(0, 511), []);
});

test('units the editor shows are covered before the earlier side', () => {
  // Focus 3, view covers 3..4: unit 4 comes before unit 2 when only one more fits.
  assert.deepEqual(planAnalysis({ lengths: [10, 10, 10, 10, 10], bos: 1, focus: 3, want: [3, 4], total: 22 }), { first: 3, last: 4 });
  // Without a view, the earlier side first.
  assert.deepEqual(planAnalysis({ lengths: [10, 10, 10, 10, 10], bos: 1, focus: 3, total: 22 }), { first: 2, last: 3 });
});
