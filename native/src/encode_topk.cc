#include "encode_topk.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "blas.h"
#include "sae_step.h"
#include "select.h"

namespace {

const char* check(const EncodeInput& in) {
  if (!in.x || !in.W_enc) return "missing x or W_enc";
  if (in.arch == GATED ? !(in.b_gate && in.b_mag && in.r_mag) : !in.b_enc) return "missing encoder bias";
  if ((in.arch == JUMPRELU || in.arch == BATCHTOPK) && !in.threshold) return "missing threshold";
  return nullptr;
}

// f = the architecture's activation of x: [n, D] -> z: [n, S] (BaseSae.encode's semantics).
void encode_rows(const EncodeInput& in, float* z) {
  const int n = in.n, D = in.D, S = in.S;
  const bool gated = in.arch == GATED;
  static thread_local std::vector<float> xin, scale, tmp;
  const float* xa = in.x;
  if (in.b_dec) {
    xin.resize(static_cast<size_t>(n) * D);
    for (int r = 0; r < n; r++)
      for (int i = 0; i < D; i++) xin[static_cast<size_t>(r) * D + i] = in.x[static_cast<size_t>(r) * D + i] - in.b_dec[i];
    xa = xin.data();
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, S, D, 1.0f, xa, D, in.W_enc, S, 0.0f, z, S);
  if (gated) {
    scale.resize(S);
    for (int j = 0; j < S; j++) scale[j] = std::exp(in.r_mag[j]);
  }
  tmp.resize(S);
  for (int r = 0; r < n; r++) {
    float* f = z + static_cast<size_t>(r) * S;
    if (gated) {
      for (int j = 0; j < S; j++) {
        const float mag = f[j] * scale[j] + in.b_mag[j];
        f[j] = f[j] + in.b_gate[j] > 0 && mag > 0 ? mag : 0.0f;
      }
      continue;
    }
    const float* __restrict be = in.b_enc;
    for (int j = 0; j < S; j++) f[j] += be[j];
    if (in.arch == TOPK) {
      const float kth = kth_largest(f, S, in.kArch, tmp.data());
      // Exactly k: ties at the k-th value by lowest index.
      size_t ties = ties_kept(f, S, in.kArch, kth);
      for (int j = 0; j < S; j++) {
        const bool keep = f[j] > kth || (f[j] == kth && ties > 0 && ties--);
        f[j] = keep && f[j] > 0 ? f[j] : 0.0f;
      }
    } else if (in.arch == STANDARD) {
      for (int j = 0; j < S; j++) f[j] = f[j] > 0 ? f[j] : 0.0f;
    } else {
      const float* __restrict th = in.threshold;
      for (int j = 0; j < S; j++) {
        const float rl = f[j] > 0 ? f[j] : 0.0f;
        f[j] = rl > th[j] ? rl : 0.0f;
      }
    }
  }
}

}  // namespace

const char* encode_dense(const EncodeInput& in, float* out) {
  if (const char* err = check(in)) return err;
  encode_rows(in, out);
  return nullptr;
}

const char* encode_topk(const EncodeInput& in, int* indices, float* values, int* l0) {
  if (const char* err = check(in)) return err;
  const int n = in.n, S = in.S, K = in.kOut;
  static const bool profile = std::getenv("JUMPLENS_NATIVE_PROFILE") != nullptr;
  // Reused between calls: the editor encodes a chunk per keystroke.
  static thread_local std::vector<float> z;
  z.resize(static_cast<size_t>(n) * S);
  encode_rows(in, z.data());
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<int> heap;
  for (int r = 0; r < n; r++) {
    float* f = z.data() + static_cast<size_t>(r) * S;
    // One scan: L0 (branch-free) and a size-K min-heap of the strongest, which later entries rarely
    // enter, so the scan is one mostly-false compare per latent. Stronger: larger value, then lower index.
    auto weaker = [f](int a, int b) { return f[a] > f[b] || (f[a] == f[b] && a < b); };  // heap "less": top = weakest
    int count = 0;
    for (int j = 0; j < S; j++) count += f[j] > 0.0f;
    heap.clear();
    float floor = 0.0f;  // an entry must beat this to enter: 0 until the heap is full, then its weakest
    for (int j = 0; j < S; j++) {
      if (!(f[j] > floor)) continue;
      if (static_cast<int>(heap.size()) == K) {
        std::pop_heap(heap.begin(), heap.end(), weaker);
        heap.back() = j;
      } else heap.push_back(j);
      std::push_heap(heap.begin(), heap.end(), weaker);
      if (static_cast<int>(heap.size()) == K) floor = f[heap.front()];
    }
    l0[r] = count;
    std::sort_heap(heap.begin(), heap.end(), weaker);  // strongest first
    const int take = static_cast<int>(heap.size());
    int* ir = indices + static_cast<size_t>(r) * K;
    float* vr = values + static_cast<size_t>(r) * K;
    for (int t = 0; t < take; t++) {
      ir[t] = heap[t];
      vr[t] = f[heap[t]];
    }
    // Past the L0: the lowest-index zero entries, value 0, as tf.topk picks them.
    int t = take;
    for (int j = 0; j < S && t < K; j++)
      if (!(f[j] > 0)) {
        ir[t] = j;
        vr[t++] = 0.0f;
      }
  }
  if (profile)
    std::fprintf(stderr, "encode_topk: rows %.1f ms\n", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  return nullptr;
}
