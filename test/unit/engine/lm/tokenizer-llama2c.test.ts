// llama2.c tokenizer.bin: reference encodings from shared/models/README.md (run.c), offsets in
// UTF-16 that rebuild the text, byte-fallback offsets, decode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Llama2cTokenizer } from '../../../../server/src/engine/lm/llama2c-tokenizer';
import { sharedFile } from '../../../helpers/paths';

const tok512 = Llama2cTokenizer.load(sharedFile('models', 'tok512.bin'), 512);
const tok32k = Llama2cTokenizer.load(sharedFile('models', 'tokenizer.bin'), 32000);

const ids = (t: Llama2cTokenizer, s: string) => t.encode(s).map((x) => x.id);

test('reference encodings (llama2.c run.c)', () => {
  assert.deepEqual(ids(tok512, 'Once upon a time'), [1, 403, 407, 261, 378]);
  assert.deepEqual(ids(tok512, 'The little dog'), [1, 291, 376, 400, 428]);
  assert.deepEqual(
    tok512.encode('The little dog').map((x) => x.text),
    ['', ' The', ' little', ' do', 'g'],
  );
  assert.deepEqual(
    ids(tok32k, 'Once upon a time, there was a little girl named Lily.'),
    [1, 9038, 2501, 263, 931, 29892, 727, 471, 263, 2217, 7826, 4257, 365, 2354, 29889],
  );
  assert.deepEqual(ids(tok32k, 'The little dog'), [1, 450, 2217, 11203]);
  assert.deepEqual(ids(tok512, ''), [1]);
  assert.deepEqual(tok512.encode('ab', { bos: false })[0].id !== 1, true);
});

test('offsets are UTF-16, tile the text, and byte-fallback tokens share their character', () => {
  const texts = ['Héllo wörld! 你好，世界 😀👍🏽 naïve café — “quotes”', '  two  spaces\nnew line\ttab', 'e\u0301 combining', '🎉'];
  for (const t of [tok512, tok32k]) {
    for (const text of texts) {
      const spans = t.encode(text);
      assert.equal(spans[0].id, 1);
      assert.deepEqual([spans[0].start, spans[0].end], [0, 0]);
      let pos = 0;
      for (const s of spans.slice(1)) {
        assert.equal(s.start, pos, `${JSON.stringify(text)}: gap before token ${s.id}`);
        assert.ok(s.end >= s.start);
        pos = s.end;
      }
      assert.equal(pos, text.length);
      assert.equal(
        spans
          .slice(1)
          .map((s) => text.slice(s.start, s.end))
          .join(''),
        text,
      );
      assert.equal(t.decode(spans.map((s) => s.id)), text);
    }
  }
  // 😀 is 4 UTF-8 bytes and 2 UTF-16 units: in tok512 it falls back to 4 byte tokens.
  const spans = tok512.encode('a😀b').slice(1);
  const byteToks = spans.filter((s) => s.id >= 3 && s.id < 259);
  assert.equal(byteToks.length, 4);
  assert.deepEqual([byteToks[0].start, byteToks[0].end, byteToks[0].text], [1, 3, '😀']);
  for (const s of byteToks.slice(1)) assert.deepEqual([s.start, s.end, s.text], [3, 3, '']);
});

test('truncated or inconsistent tokenizer.bin is rejected with the file named', () => {
  assert.throws(() => Llama2cTokenizer.load(sharedFile('models', 'tok512.bin'), 1000), /tok512\.bin: .*512 tokens but the model's vocab_size is 1000/);
  assert.throws(() => Llama2cTokenizer.load('/nonexistent/tok.bin'), /\/nonexistent\/tok\.bin: cannot read/);
});
