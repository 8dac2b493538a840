// The daemon's defaults have one source (server/src/defaults.ts, through DEFAULT_SETTINGS); the
// extension manifest must repeat them as literals, so this test keeps the two equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_MODEL } from '../../../server/src/defaults';
import { DEFAULT_SETTINGS, mergeSettings } from '../../../server/src/session/settings';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } | { properties: Record<string, { default?: unknown }> }[] };
};
const cfg = manifest.contributes.configuration;
const props = Object.assign({}, ...(Array.isArray(cfg) ? cfg : [cfg]).map((c) => c.properties)) as Record<string, { default?: unknown }>;
const def = (k: string) => props[`jumplens.${k}`]?.default;

test("the manifest's setting defaults are the daemon's", () => {
  assert.equal(DEFAULT_SETTINGS.model, DEFAULT_MODEL);
  assert.equal(def('model'), DEFAULT_SETTINGS.model);
  assert.equal(def('topK'), DEFAULT_SETTINGS.topK);
  assert.deepEqual(def('languages'), DEFAULT_SETTINGS.languages);
  assert.equal(def('maxTokens'), DEFAULT_SETTINGS.maxTokens);
  assert.equal(def('inlayHints.enabled'), DEFAULT_SETTINGS.inlayHints.enabled);
  assert.equal(def('inlayHints.minActivation'), DEFAULT_SETTINGS.inlayHints.minActivation);
});

test('settings from the client merge over the defaults; wrong types are ignored', () => {
  const s = mergeSettings(DEFAULT_SETTINGS, { model: 'gpt2', topK: 'many', maxTokens: 512, inlayHints: { enabled: true } });
  assert.equal(s.model, 'gpt2');
  assert.equal(s.topK, DEFAULT_SETTINGS.topK);
  assert.equal(s.maxTokens, 512);
  assert.deepEqual(s.inlayHints, { enabled: true, minActivation: DEFAULT_SETTINGS.inlayHints.minActivation });
  assert.equal(DEFAULT_SETTINGS.inlayHints.enabled, false, 'the defaults object is not mutated');
});
