// Inference encode (the BaseSae activations) fused with the per-token top-k the editor needs.
#pragma once

struct EncodeInput {
  int arch;  // sae_step.h's Arch; BATCHTOPK encodes like JUMPRELU
  int n, D, S, kArch, kOut;
  const float *x, *W_enc, *b_enc, *b_dec, *threshold, *b_gate, *b_mag, *r_mag;  // b_dec: nullptr unless applied to the input
};

/** f: [n, S], the dense activations BaseSae.encode returns. */
const char* encode_dense(const EncodeInput& in, float* out);

/** indices/values: [n, kOut], strongest first (zeros past the token's L0); l0: [n]. */
const char* encode_topk(const EncodeInput& in, int* indices, float* values, int* l0);
