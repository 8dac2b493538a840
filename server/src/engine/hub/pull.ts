// `jumplens pull <name>`: downloads known checkpoints from the Hugging Face Hub into the models
// folder with @huggingface/hub, for users who are online. Files already present are skipped;
// downloads stream to a temp file and are renamed into place, so an interrupted pull leaves no
// half file under the final name.
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { downloadFile, listFiles } from '@huggingface/hub';
import { modelsDir } from '../lm/models-dir';

export interface PullFile {
  /** Path inside the Hub repo (or a full https URL for files not on the Hub). */
  source: string;
  /** Path under the models folder. */
  target: string;
}

export interface PullPlan {
  name: string;
  repo: string;
  /** Fixed files; for folders known only by prefix, `listUnder` is listed at pull time. */
  files: PullFile[];
  listUnder?: { prefix: string; targetDir: string };
  gated?: boolean;
}

const HF_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

/** The names `jumplens pull` knows, with what each downloads. */
export const KNOWN: Record<string, () => PullPlan> = {
  stories260K: () => ({
    name: 'stories260K',
    repo: 'karpathy/tinyllamas',
    files: [
      { source: 'stories260K/stories260K.bin', target: 'stories260K.bin' },
      { source: 'stories260K/tok512.bin', target: 'tok512.bin' },
    ],
  }),
  ...Object.fromEntries(
    ['stories15M', 'stories42M', 'stories110M'].map((n) => [
      n,
      () => ({
        name: n,
        repo: 'karpathy/tinyllamas',
        files: [
          { source: `${n}.bin`, target: `${n}.bin` },
          // llama2.c's tokenizer.bin lives in its GitHub repository, not on the Hub.
          { source: 'https://raw.githubusercontent.com/karpathy/llama2.c/master/tokenizer.bin', target: 'tokenizer.bin' },
        ],
      }),
    ]),
  ),
  gpt2: () => ({
    name: 'gpt2',
    repo: 'openai-community/gpt2',
    files: [...HF_FILES, 'model.safetensors'].map((f) => ({ source: f, target: `gpt2/${f}` })),
  }),
  'gemma-2-2b': () => ({
    name: 'gemma-2-2b',
    repo: 'google/gemma-2-2b',
    gated: true,
    files: [...HF_FILES, 'model.safetensors.index.json'].map((f) => ({ source: f, target: `gemma-2-2b/${f}` })),
    listUnder: { prefix: '', targetDir: 'gemma-2-2b' },
  }),
};

/**
 * Resolves a pull name: a key of KNOWN, or a Gemma Scope SAE as
 * `gemma-scope-<release>/<path>` (e.g. gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82).
 */
export function resolvePull(name: string): PullPlan {
  const known = KNOWN[name];
  if (known) return known();
  const m = /^(gemma-scope-[a-z0-9-]+)\/(.+)$/.exec(name);
  if (m) {
    const sub = m[2].replace(/\/+$/, '');
    if (sub.split('/').some((s) => s === '..' || s === '')) throw new Error(`pull ${name}: bad path inside ${m[1]}`);
    return { name, repo: `google/${m[1]}`, files: [], listUnder: { prefix: sub, targetDir: path.join(m[1], sub) } };
  }
  throw new Error(`pull: unknown name "${name}"; known: ${Object.keys(KNOWN).join(', ')}, or gemma-scope-<release>/<layer>/<width>/<l0>`);
}

export interface PullOptions {
  dir?: string;
  accessToken?: string;
  /** Injected for tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  force?: boolean;
  onFile?: (f: PullFile, status: 'present' | 'downloading' | 'done') => void;
}

function offline(repo: string, what: string, e: unknown, dir: string): Error {
  const msg = e instanceof Error ? e.message : String(e);
  return new Error(
    `pull: could not fetch ${what} from ${repo} (${msg}); jumplens pull needs network access to huggingface.co, or put the files in ${dir} by hand`,
  );
}

/** Downloads a plan's files under the models folder; returns each file's final path and status. */
export async function pull(name: string, o: PullOptions = {}): Promise<{ path: string; status: 'present' | 'downloaded' }[]> {
  const plan = resolvePull(name);
  const dir = o.dir ?? modelsDir();
  const fetchFn = o.fetch ?? fetch;
  const accessToken = o.accessToken ?? process.env.HF_TOKEN;
  const files = [...plan.files];
  if (plan.listUnder) {
    const { prefix, targetDir } = plan.listUnder;
    try {
      for await (const f of listFiles({ repo: plan.repo, path: prefix || undefined, recursive: true, accessToken, fetch: fetchFn })) {
        if (f.type !== 'file') continue;
        const rel = prefix ? path.posix.relative(prefix, f.path) : f.path;
        // For a whole model, the weights are the only files beyond the fixed list worth fetching.
        if (!prefix && !rel.endsWith('.safetensors')) continue;
        files.push({ source: f.path, target: path.join(targetDir, rel) });
      }
    } catch (e) {
      throw offline(plan.repo, `the file list${prefix ? ` of ${prefix}` : ''}`, e, dir);
    }
    if (files.length === 0) throw new Error(`pull ${name}: ${plan.repo} has no files under ${prefix}`);
  }
  const out: { path: string; status: 'present' | 'downloaded' }[] = [];
  for (const f of files) {
    const target = path.join(dir, f.target);
    if (existsSync(target) && !o.force) {
      o.onFile?.(f, 'present');
      out.push({ path: target, status: 'present' });
      continue;
    }
    o.onFile?.(f, 'downloading');
    let body: ReadableStream<Uint8Array> | null;
    try {
      if (/^https?:\/\//.test(f.source)) {
        const r = await fetchFn(f.source);
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        body = r.body;
      } else {
        const blob = await downloadFile({ repo: plan.repo, path: f.source, accessToken, fetch: fetchFn });
        if (!blob) throw new Error('file not found in the repository');
        body = blob.stream() as ReadableStream<Uint8Array>;
      }
    } catch (e) {
      const gated = plan.gated && !accessToken ? ' (this repository is gated: accept its licence on huggingface.co and set HF_TOKEN)' : '';
      throw offline(plan.repo, f.source + gated, e, dir);
    }
    if (!body) throw new Error(`pull: empty response for ${f.source}`);
    mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.part-${process.pid}`;
    try {
      await pipeline(Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>), createWriteStream(tmp));
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw offline(plan.repo, f.source, e, dir);
    }
    o.onFile?.(f, 'done');
    out.push({ path: target, status: 'downloaded' });
  }
  return out;
}
