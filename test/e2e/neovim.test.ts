// A real Neovim (headless) as the LSP client of the daemon, on a .jlp file: hover text, inlay hints
// right after open (the daemon refreshes them when analysis lands), semantic tokens carrying
// activation levels, and a diagnostic for `@top-k banana`. Neovim ≥ 0.10 comes from
// scripts/setup-neovim.sh (Debian 13's packages, unpacked into .tools/neovim); with an older nvim
// only hover and diagnostics are asserted (0.7-0.9 have no inlay hints, 0.7-0.8 no semantic tokens).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, tempDir } from '../helpers/paths';

const CANDIDATES = [process.env.JUMPLENS_NVIM, path.join(REPO_ROOT, '.tools', 'neovim', 'bin', 'nvim'), 'nvim'].filter((x): x is string => !!x);

function findNvim(): { bin: string; minor: number } | undefined {
  for (const bin of CANDIDATES) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    const m = /^NVIM v0\.(\d+)/.exec(r.stdout ?? '');
    if (r.status === 0 && m) return { bin, minor: Number(m[1]) };
  }
  return undefined;
}

const nvim = findNvim();
if (!nvim) console.log('# neovim e2e skipped: no nvim (run scripts/setup-neovim.sh; .ci/run does)');

const LUA = `
local cfg = vim.json.decode(vim.env.JUMPLENS_NVIM_TEST)
local out = { nvim = tostring(vim.version()) }
local function finish()
  local f = io.open(cfg.result, 'w'); f:write(vim.json.encode(out)); f:close()
  vim.cmd('qa!')
end
local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(cfg.file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'jumplens-prompt'
  local id = vim.lsp.start_client({ name = 'jumplens', cmd = cfg.cmd, root_dir = cfg.root, init_options = cfg.init })
  vim.lsp.buf_attach_client(buf, id)
  local client = vim.lsp.get_client_by_id(id)
  if vim.lsp.inlay_hint and vim.lsp.inlay_hint.enable then vim.lsp.inlay_hint.enable(true, { bufnr = buf }) end
  vim.wait(120000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do table.insert(out.diagnostics, { lnum = d.lnum, message = d.message }) end
  local r = client.request_sync('textDocument/hover', { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = 1, character = 1 } }, 120000, buf)
  out.hover = r and r.result and r.result.contents and (r.result.contents.value or r.result.contents) or vim.inspect(r)
  if vim.lsp.inlay_hint and vim.lsp.inlay_hint.get then
    -- No edit, no re-request by hand: the hints must arrive through the server's refresh.
    vim.wait(60000, function() return #vim.lsp.inlay_hint.get({ bufnr = buf }) > 0 end, 50)
    out.inlayHints = #vim.lsp.inlay_hint.get({ bufnr = buf })
  end
  if vim.lsp.semantic_tokens and vim.lsp.semantic_tokens.get_at_pos then
    local function levels()
      local seen = {}
      local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      for row = 1, #lines - 1 do
        for col = 0, #lines[row + 1] - 1 do
          for _, t in ipairs(vim.lsp.semantic_tokens.get_at_pos(buf, row, col) or {}) do seen[t.type] = true end
        end
      end
      return vim.tbl_keys(seen)
    end
    vim.wait(60000, function() return #levels() > 0 end, 100)
    out.semanticTypes = levels()
    out.legend = client.server_capabilities.semanticTokensProvider and client.server_capabilities.semanticTokensProvider.legend.tokenTypes
  end
  client.stop()
end)
if not ok then out.error = tostring(err) end
finish()
`;

test('Neovim as a plain LSP client: hover, inlay hints right after open, semantic token levels, @top-k diagnostic', { skip: !nvim, timeout: 300_000 }, () => {
  const { dir, cleanup } = tempDir('jumplens-nvim-');
  try {
    const file = path.join(dir, 'story.jlp');
    writeFileSync(file, '@top-k banana\nOnce upon a time, there was a little girl named Lily.\nShe loved to play in the park with her dog.\n');
    const sae = path.join(REPO_ROOT, 'assets', 'default-sae');
    assert.ok(existsSync(path.join(sae, 'cfg.json')), 'the bundled default SAE');
    const result = path.join(dir, 'result.json');
    writeFileSync(path.join(dir, 'init.lua'), LUA);
    const cfg = {
      file,
      result,
      root: dir,
      cmd: [process.execPath, path.join(REPO_ROOT, 'bin', 'jumplens'), 'daemon', '--stdio'],
      init: { sae, debounceMs: 0, runsDir: path.join(dir, 'runs'), inlayHints: { enabled: true, minActivation: 0 } },
    };
    const r = spawnSync(nvim!.bin, ['--headless', '--clean', '-u', path.join(dir, 'init.lua')], {
      cwd: REPO_ROOT,
      env: { ...process.env, JUMPLENS_NVIM_TEST: JSON.stringify(cfg) },
      encoding: 'utf8',
      timeout: 280_000,
    });
    assert.ok(existsSync(result), `nvim wrote no result (status ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(readFileSync(result, 'utf8'));
    console.log(`# ${JSON.stringify(out).slice(0, 600)}`);
    assert.equal(out.error, undefined, out.error);
    assert.ok(
      out.diagnostics.some((d: { lnum: number; message: string }) => d.lnum === 0 && /top-k/i.test(d.message)),
      JSON.stringify(out.diagnostics),
    );
    assert.match(out.hover, /id \d+/, 'hover names the token id');
    assert.match(out.hover, /of (doc |corpus )?max/, 'hover has the top-feature table');
    if (nvim!.minor >= 10) {
      assert.ok(out.inlayHints > 0, 'inlay hints right after open, without an edit');
      assert.ok(out.legend.includes('jumplensLevel4'));
      assert.ok(out.semanticTypes.length > 0 && out.semanticTypes.every((t: string) => /^jumplensLevel[0-4]$/.test(t)), JSON.stringify(out.semanticTypes));
    }
  } finally {
    cleanup();
  }
});
