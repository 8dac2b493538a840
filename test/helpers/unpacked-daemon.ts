// The daemon of an unpacked .vsix started the way the extension starts it for a user with no
// settings (client/src/daemon.ts): `dist/server/daemon.js` with the initializationOptions the
// extension sends, a workspace outside the repository, no JUMPLENS_* variables, and
// workspace/configuration answered as VS Code answers it when nothing is set (the manifest's
// defaults, with the bundled SAE filled in by the extension's middleware).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DRAWS_TOKEN_FEATURES_OPTION, TOKEN_FEATURES_DELTA_OPTION } from '../../protocol';
import { INIT_OPTION_SETTINGS, withDefaultSae } from '../../client/src/settings-defaults';
import { connectDaemon, type Daemon } from './daemon-client';

/** The environment a new user's editor has: none of the developer's JumpLens variables. */
export function newUserEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('JUMPLENS_')));
}

/** `jumplens.*` settings as `getConfiguration('jumplens')` returns them when the user set none. */
export function manifestDefaults(ext: string): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(path.join(ext, 'package.json'), 'utf8'));
  const conf = pkg.contributes.configuration;
  const props: Record<string, { default?: unknown }> = Array.isArray(conf) ? Object.assign({}, ...conf.map((c) => c.properties)) : conf.properties;
  const out: Record<string, unknown> = {};
  for (const [key, p] of Object.entries(props)) {
    if (!key.startsWith('jumplens.') || p.default === undefined) continue;
    const parts = key.slice('jumplens.'.length).split('.');
    let o = out;
    for (const part of parts.slice(0, -1)) o = (o[part] ??= {}) as Record<string, unknown>;
    o[parts[parts.length - 1]] = p.default;
  }
  return out;
}

export async function startUnpackedDaemon(ext: string, workspace: string): Promise<Daemon> {
  const sae = path.join(ext, 'assets', 'default-sae');
  const defaults = manifestDefaults(ext);
  const plain = Object.fromEntries(INIT_OPTION_SETTINGS.map((k) => [k, defaults[k]]).filter(([, v]) => v !== undefined && v !== ''));
  return connectDaemon({
    args: [path.join(ext, 'dist', 'server', 'daemon.js'), '--stdio'],
    cwd: workspace,
    env: newUserEnv(),
    initialize: {
      rootUri: `file://${workspace}`,
      workspaceFolders: [{ uri: `file://${workspace}`, name: path.basename(workspace) }],
      capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true }, textDocument: { hover: { contentFormat: ['markdown'] } } },
      initializationOptions: withDefaultSae({ extensionPath: ext, ...plain, [TOKEN_FEATURES_DELTA_OPTION]: true, [DRAWS_TOKEN_FEATURES_OPTION]: true }, sae),
    },
    configuration: (items) => items.map((it) => (it.section === 'jumplens' ? withDefaultSae(defaults, sae) : null)),
  });
}
