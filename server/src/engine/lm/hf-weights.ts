// Tensors of a Hugging Face model folder: one model.safetensors or shards listed in
// model.safetensors.index.json. Reads lazily, one tensor at a time, converting to float32.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { readSafetensorsHeader, readTensorF32, type StHeader } from '../io/safetensors';
import { expectFinite, type RawTensor } from './weights';
import { readJsonFile } from '../io/read-json';

export class HfWeights {
  private readonly where = new Map<string, StHeader>();

  constructor(readonly dir: string) {
    const index = path.join(dir, 'model.safetensors.index.json');
    let files: string[];
    if (existsSync(index)) {
      const j = readJsonFile(index) as { weight_map?: Record<string, string> } | null;
      if (!j?.weight_map || typeof j.weight_map !== 'object') throw new Error(`${index}: no "weight_map" object`);
      files = [...new Set(Object.values(j.weight_map))];
    } else if (existsSync(path.join(dir, 'model.safetensors'))) {
      files = ['model.safetensors'];
    } else {
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.safetensors'))
        .sort();
      if (files.length === 0) throw new Error(`${dir}: no model.safetensors, no model.safetensors.index.json and no *.safetensors`);
    }
    for (const f of files) {
      const full = path.join(dir, f);
      if (!existsSync(full)) throw new Error(`${index}: shard ${f} is listed but missing from ${dir}`);
      const h = readSafetensorsHeader(full);
      for (const name of h.entries.keys()) this.where.set(name, h);
    }
  }

  /** Total number of values over all tensors (what float32 weights will take / 4). */
  totalElements(): number {
    let n = 0;
    for (const [name, h] of this.where) n += h.entries.get(name)!.shape.reduce((a, d) => a * d, 1);
    return n;
  }

  names(): string[] {
    return [...this.where.keys()];
  }

  has(name: string): boolean {
    return this.where.has(name);
  }

  /** The tensor under the first of `names` present (checkpoints differ in prefixes). */
  get(...names: string[]): RawTensor {
    for (const n of names) {
      const h = this.where.get(n);
      if (!h) continue;
      const t = readTensorF32(h, n);
      expectFinite(h.file, n, t.data);
      return t;
    }
    throw new Error(`${this.dir}: missing tensor ${names.join(' (or ')}${names.length > 1 ? ')' : ''}`);
  }

  getOptional(...names: string[]): RawTensor | undefined {
    return names.some((n) => this.where.has(n)) ? this.get(...names) : undefined;
  }
}

export function readConfig(dir: string): Record<string, unknown> {
  return readJsonFile(path.join(dir, 'config.json')) as Record<string, unknown>;
}

/** A required positive integer field of config.json. */
export function cfgInt(cfg: Record<string, unknown>, file: string, ...keys: string[]): number {
  for (const k of keys) {
    const v = cfg[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`${file}: field ${k} = ${JSON.stringify(v)} must be a positive integer`);
    return v;
  }
  throw new Error(`${file}: missing field ${keys.join(' / ')}`);
}

export function cfgNum(cfg: Record<string, unknown>, file: string, key: string, dflt?: number): number {
  const v = cfg[key];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new Error(`${file}: missing field ${key}`);
    return dflt;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: field ${key} = ${JSON.stringify(v)} must be a number`);
  return v;
}
