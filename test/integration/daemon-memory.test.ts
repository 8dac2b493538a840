// The daemon's tensor count (jumplens/status -> tf.memory()) must not grow over 1000 edit/hover
// cycles: every KV-cache truncation, encode and top-k must free what it allocates.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, writeRandomSae, type Daemon } from '../helpers/daemon-client';
import { tempDir } from '../helpers/paths';
import type { StatusResult } from '../../protocol';

const tmp = tempDir('jumplens-daemon-mem-');
let d: Daemon | undefined;
after(async () => {
  await d?.close();
  tmp.cleanup();
});

test('tf.memory() of the daemon does not grow over 1000 edit/hover cycles', async () => {
  const sae = await writeRandomSae(`${tmp.dir}/sae`);
  d = await startDaemon({ sae, debounceMs: 0, runsDir: `${tmp.dir}/runs` }, tmp.dir);
  const uri = 'file:///mem.jlp';
  const base = 'Once upon a time, a little bird sang in the tall tree.';
  let text = base;
  let version = 1;
  void d.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'jumplens-prompt', version, text } });
  await d.waitFor('jumplens/tokenFeatures', (p) => p.version === 1);
  const end = () => ({ line: 0, character: text.length });
  let first: StatusResult | undefined;
  const words = ['s', ' dog', 'x', ' happy'];
  for (let i = 0; i < 1000; i++) {
    version++;
    let change: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string };
    if (i % 3 === 2) {
      // Edit in the middle: swap one character, so the tail from there is recomputed.
      const at = 10 + (i % 20);
      const ch = text[at] === 'a' ? 'e' : 'a';
      change = { range: { start: { line: 0, character: at }, end: { line: 0, character: at + 1 } }, text: ch };
      text = text.slice(0, at) + ch + text.slice(at + 1);
    } else if (text.length > base.length + 20) {
      change = { range: { start: { line: 0, character: base.length }, end: end() }, text: '' };
      text = base;
    } else {
      const w = words[i % words.length];
      change = { range: { start: end(), end: end() }, text: w };
      text += w;
    }
    void d.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
    const h = await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: (i * 7) % text.length } });
    assert.ok(h, `hover ${i} answered`);
    if (i === 9) first = (await d.conn.sendRequest('jumplens/status')) as StatusResult;
  }
  await d.waitFor('jumplens/tokenFeatures', (p) => p.version === version);
  const last = (await d.conn.sendRequest('jumplens/status')) as StatusResult;
  assert.ok(first && first.memory.numTensors > 0, 'the model and SAE tensors are counted');
  assert.equal(last.memory.numTensors, first!.memory.numTensors, 'tensor count after 1000 cycles equals the count after 10');
  assert.ok(last.memory.numBytes <= first!.memory.numBytes * 1.05 + 1e6, `bytes ${first!.memory.numBytes} -> ${last.memory.numBytes}`);
});
