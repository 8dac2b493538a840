// Inlay hints are off by default: a client that registers providers at run time gets the provider
// only while jumplens.inlayHints.enabled is on (VS Code asks a registered provider after every
// keystroke); one that cannot gets it at initialize, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcessLsp } from '../helpers/in-process-lsp';
import { RecordingLspClient } from '../helpers/recording-lsp-client';

/** A client that records run-time registrations of the inlay-hint provider and their disposal. */
class Registrar extends RecordingLspClient {
  readonly log: string[] = [];
  refuse = false;
  registerInlayHints = async (): Promise<{ dispose(): void }> => {
    if (this.refuse) throw new Error('registration refused');
    this.log.push('register');
    return { dispose: () => void this.log.push('unregister') };
  };
}

async function started(client: RecordingLspClient, dynamicRegistration: boolean, enabled: boolean) {
  const lsp = startInProcessLsp(client, { capabilities: { textDocument: { inlayHint: { dynamicRegistration } } }, options: { inlayHints: { enabled } } });
  await lsp.server.initialized();
  const configure = (on: boolean) => lsp.server.didChangeConfiguration({ settings: { jumplens: { inlayHints: { enabled: on } } } });
  return { init: lsp.init, stop: lsp.stop, configure };
}

test('with run-time registration, the inlay-hint provider follows the setting', async () => {
  const client = new Registrar();
  const s = await started(client, true, false);
  try {
    assert.equal(s.init.capabilities.inlayHintProvider, false, 'not announced at initialize');
    assert.deepEqual(client.log, [], 'hints off: nothing registered');
    await s.configure(true);
    assert.deepEqual(client.log, ['register']);
    await s.configure(true);
    assert.deepEqual(client.log, ['register'], 'a settings change that keeps hints on registers nothing more');
    await s.configure(false);
    assert.deepEqual(client.log, ['register', 'unregister']);
    // Changes in quick succession end as the last one says (and skip what it undoes).
    await Promise.all([s.configure(true), s.configure(false)]);
    assert.deepEqual(client.log, ['register', 'unregister']);
    await Promise.all([s.configure(false), s.configure(true)]);
    assert.deepEqual(client.log, ['register', 'unregister', 'register']);
  } finally {
    await s.stop();
  }
});

test('hints on from the start register once initialized; a refused registration is reported', async () => {
  const client = new Registrar();
  const s = await started(client, true, true);
  try {
    assert.deepEqual(client.log, ['register']);
  } finally {
    await s.stop();
  }
  const refusing = new Registrar();
  refusing.refuse = true;
  const r = await started(refusing, true, true);
  try {
    assert.match(refusing.errors.join('\n'), /inlay hints: the editor refused their registration: registration refused/);
  } finally {
    await r.stop();
  }
});

test('a client without run-time registration gets the provider at initialize', async () => {
  const client = new Registrar();
  const s = await started(client, false, false);
  try {
    assert.equal(s.init.capabilities.inlayHintProvider, true);
    await s.configure(true);
    assert.deepEqual(client.log, [], 'nothing registered at run time');
  } finally {
    await s.stop();
  }
});
