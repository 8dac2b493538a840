// One entry per SAE architecture: its inference class, its training class, the tensors its SAELens
// files hold, and its metadata from protocol/train.ts. Everything that branches on an architecture
// (createSae, the trainer, the config resolver, the CLI) looks it up here.
import { ARCHITECTURE_INFO, ARCHITECTURES, type ArchitectureInfo, type SaeArchitecture } from '../../../../protocol/train';
import type { ResolvedTrainConfig } from '../train/config';
import type { BaseSae } from './base-sae';
import { BatchTopKSae, BatchTopKTrainingSae } from './batchtopk';
import { GatedSae, GatedTrainingSae } from './gated';
import { JumpReluSae, JumpReluTrainingSae } from './jumprelu';
import { StandardSae, StandardTrainingSae } from './standard';
import { TopKSae, TopKTrainingSae } from './topk';
import { commonInit, type HostTensors, type TrainingSae, type TrainingSaeClass } from './training-sae-base';
import type { SaeConfig, SaeParams } from './types';

export interface ArchitectureEntry {
  name: SaeArchitecture;
  inference: {
    new (cfg: SaeConfig, p: SaeParams, scalingFactor?: number): BaseSae;
    prepareParams(cfg: SaeConfig, p: SaeParams): void;
    validateConfig(cfg: SaeConfig, file: string): void;
  };
  training: TrainingSaeClass;
  /** Tensors beyond W_enc [d_in, d_sae], W_dec [d_sae, d_in] and b_dec [d_in], each [d_sae]. */
  extraTensors: readonly string[];
  info: ArchitectureInfo;
}

function entry(name: SaeArchitecture, inference: ArchitectureEntry['inference'], training: TrainingSaeClass, extraTensors: string[]): ArchitectureEntry {
  return { name, inference, training, extraTensors, info: ARCHITECTURE_INFO[name] };
}

export const REGISTRY: Readonly<Record<SaeArchitecture, ArchitectureEntry>> = {
  jumprelu: entry('jumprelu', JumpReluSae, JumpReluTrainingSae, ['b_enc', 'threshold']),
  standard: entry('standard', StandardSae, StandardTrainingSae, ['b_enc']),
  topk: entry('topk', TopKSae, TopKTrainingSae, ['b_enc']),
  batchtopk: entry('batchtopk', BatchTopKSae, BatchTopKTrainingSae, ['b_enc', 'threshold']),
  gated: entry('gated', GatedSae, GatedTrainingSae, ['b_gate', 'r_mag', 'b_mag']),
};

/** Registered architecture names, in protocol/train.ts's order. */
export function architectureNames(): SaeArchitecture[] {
  return ARCHITECTURES.filter((a) => REGISTRY[a] !== undefined);
}

export function architectureOf(name: string): ArchitectureEntry {
  const e = (REGISTRY as Record<string, ArchitectureEntry | undefined>)[name];
  if (!e) throw new Error(`unknown SAE architecture ${JSON.stringify(name)} (supported: ${ARCHITECTURES.join(', ')})`);
  return e;
}

/** A fresh training SAE with the paper initialisation; bDec: [d_in] initial pre-encoder bias. */
export function initTrainingSae(cfg: ResolvedTrainConfig, bDec?: Float32Array): TrainingSae {
  const cls = architectureOf(cfg.architecture).training;
  const h = commonInit(cfg, bDec);
  cls.initParams(cfg, h);
  return new cls(cfg, h);
}

/** A training SAE from given training-space parameters (fine-tuning), completed with training state. */
export function trainingSaeFromParams(cfg: ResolvedTrainConfig, p: HostTensors): TrainingSae {
  const cls = architectureOf(cfg.architecture).training;
  return new cls(cfg, cls.withState(cfg, p));
}

/** A training SAE restored exactly from a checkpoint's variables. */
export function restoreTrainingSae(cfg: ResolvedTrainConfig, vars: HostTensors): TrainingSae {
  return new (architectureOf(cfg.architecture).training)(cfg, vars);
}
