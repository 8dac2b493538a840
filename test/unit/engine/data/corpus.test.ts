import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readCorpus } from '../../../../server/src/engine/data/corpus';
import { sharedFile, tempDir } from '../../../helpers/paths';

test('reads the real TinyStories JSON and the <|endoftext|>-separated text dump', () => {
  const json = [...readCorpus(sharedFile('data', 'tinystories-train-first1000.json'))];
  assert.equal(json.length, 1000);
  assert.ok(json[0].startsWith('One day, a little girl named Lily found a needle in her room.'));
  const txt = [...readCorpus(sharedFile('data', 'tinystoriesv2-gpt4-first8k-lines.txt'))];
  assert.ok(txt[0].startsWith('Once upon a time there was a little boy named Ben.'));
  assert.ok(txt.length > 1000 && txt.every((d) => !d.includes('<|endoftext|>')));
});

test('held-out slices, folders, JSONL, and clear errors for malformed corpora', () => {
  const tail = [...readCorpus(sharedFile('data', 'tinystories-train-first1000.json'), { skipDocs: 990 })];
  assert.equal(tail.length, 10);
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'a.txt'), 'alpha');
    writeFileSync(path.join(dir, 'sub', 'b.jsonl'), '{"text":"beta"}\n\n{"text":"gamma"}\n');
    writeFileSync(path.join(dir, 'ignored.bin'), 'x');
    assert.deepEqual([...readCorpus(dir)], ['alpha', 'beta', 'gamma']);
    assert.deepEqual([...readCorpus(dir, { maxDocs: 2 })], ['alpha', 'beta']);
    writeFileSync(path.join(dir, 'sub', 'b.jsonl'), '{"text":"beta"}\n{"txt":1}\n');
    assert.throws(() => [...readCorpus(dir)], /b\.jsonl:2: expected a string or an object with a "text" string/);
    writeFileSync(path.join(dir, 'c.json'), '{"not":"an array"}');
    assert.throws(() => [...readCorpus(path.join(dir, 'c.json'))], /c\.json: a JSON corpus must be an array/);
    assert.throws(() => [...readCorpus(path.join(dir, 'missing'))], /missing: corpus not found/);
  } finally {
    cleanup();
  }
});
