// The status bar's throttle while typing (client/src/ctx.ts): one run per interval, after the
// requests, seeing the newest state; nothing after dispose.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrailingThrottle } from '../../../client/src/trailing-throttle';

test('requests inside an interval coalesce into one run at its end, with the newest state', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let state = 0;
  const seen: number[] = [];
  const th = new TrailingThrottle(500, () => seen.push(state));
  for (let i = 1; i <= 8; i++) {
    state = i;
    th.request();
    t.mock.timers.tick(60);
  }
  // 8 requests over 480 ms: nothing yet, then one run at 500 ms with the 8th state.
  assert.deepEqual(seen, []);
  t.mock.timers.tick(20);
  assert.deepEqual(seen, [8]);
  // The next request opens a new interval.
  state = 9;
  th.request();
  t.mock.timers.tick(499);
  assert.deepEqual(seen, [8]);
  t.mock.timers.tick(1);
  assert.deepEqual(seen, [8, 9]);
  t.mock.timers.tick(5000);
  assert.deepEqual(seen, [8, 9], 'no run without a request');
});

test('dispose drops the pending run', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let runs = 0;
  const th = new TrailingThrottle(500, () => runs++);
  th.request();
  th.dispose();
  t.mock.timers.tick(1000);
  assert.equal(runs, 0);
});
