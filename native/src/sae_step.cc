// The gradients are derived by hand from training-sae.ts's losses; each block names the tfjs
// expression it differentiates. Shapes: x, xc, dX, E: [B, D]; A, F, Dbuf, G: [B, S]; W_enc: [D, S];
// W_dec: [S, D]. Big products go to sgemm; everything elementwise is one fused loop.
#include "sae_step.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "blas.h"
#include "select.h"

namespace {

using std::size_t;

// JUMPLENS_NATIVE_PROFILE=1 prints each phase's milliseconds to stderr (for tuning, not for tests).
struct Phases {
  bool on = std::getenv("JUMPLENS_NATIVE_PROFILE") != nullptr;
  std::chrono::steady_clock::time_point t = std::chrono::steady_clock::now();
  void mark(const char* name) {
    if (!on) return;
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "%s %.1f ms  ", name, std::chrono::duration<double, std::milli>(now - t).count());
    t = now;
  }
  ~Phases() {
    if (on) std::fprintf(stderr, "\n");
  }
};

void gemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}

void adam(float* p, const float* g, float* m, float* v, size_t n, const StepConfig& c) {
  const float b1 = c.beta1, b2 = c.beta2, omb1 = static_cast<float>(1.0 - c.beta1), omb2 = static_cast<float>(1.0 - c.beta2);
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = b1 == 0.0f ? gi : m[i] * b1 + gi * omb1;
    const float vi = v[i] * b2 + gi * gi * omb2;
    m[i] = mi;
    v[i] = vi;
    p[i] -= (mi / c.bc1) / (std::sqrt(vi / c.bc2) + c.eps) * c.lr;
  }
}

// x̂ in R (= f·W_dec, without b_dec) -> R = ∂/∂x̂ of Σ||x − x̂||² / B = −2 (x − x̂) / B, in place;
// returns Σ||x − x̂||². x, R: [B, D]; bdec: [D].
double residual_grad(const float* x, const float* bdec, float* R, int B, int D, float invB) {
  double sse = 0;
  const size_t BD = static_cast<size_t>(B) * D;
  for (size_t q0 = 0; q0 < BD; q0 += D) for (size_t q = q0, jj = 0; jj < static_cast<size_t>(D); q++, jj++) {
    const float e = x[q] - (R[q] + bdec[jj]);
    sse += static_cast<double>(e) * e;
    R[q] = -2.0f * e * invB;
  }
  return sse;
}

bool trains(const StepConfig& c, int param) {
  if (c.thresholdsOnly) return param == THRESHOLD;
  switch (c.arch) {
    case JUMPRELU: return param <= THRESHOLD;
    case GATED: return param == W_ENC || param == W_DEC || param == B_DEC || param == B_GATE || param == B_MAG || param == R_MAG;
    default: return param <= B_DEC;
  }
}

}  // namespace

const char* sae_step(const StepConfig& c, StepBuffers& b, Scratch& s, StepMetrics& out, float* fired) {
  const int B = c.B, D = c.D, S = c.S;
  Phases ph;
  const size_t BS = static_cast<size_t>(B) * S, BD = static_cast<size_t>(B) * D, DS = static_cast<size_t>(D) * S;
  float** p = b.p;
  const float* x = b.x;
  const bool gated = c.arch == GATED;
  for (int i = 0; i < N_PARAMS; i++) {
    const bool needed = i == W_ENC || i == W_DEC || i == B_DEC || (gated ? i >= B_GATE : i == B_ENC) || (i == THRESHOLD && c.arch == JUMPRELU);
    if (needed && !p[i]) return "missing parameter buffer";
    if (trains(c, i) && (!b.m[i] || !b.v[i])) return "missing Adam moment buffer";
  }
  if (!b.tokensSinceFired || !x) return "missing tokens_since_fired or batch";
  if (c.arch == BATCHTOPK && !b.batchThreshold) return "missing batch_threshold";
  s.A.resize(BS); s.F.resize(BS); s.Dbuf.resize(BS);
  s.xc.resize(BD); s.dX.resize(BD);
  if (gated) s.G.resize(BS);
  if (gated || c.arch == TOPK || c.arch == BATCHTOPK) s.E.resize(BD);
  for (auto& v : s.cols) v.assign(S, 0.0f);
  float *A = s.A.data(), *F = s.F.data(), *Dg = s.Dbuf.data(), *xc = s.xc.data(), *dX = s.dX.data();
  float *decNorm = s.cols[0].data(), *dead = s.cols[1].data(), *th = s.cols[2].data(), *dth = s.cols[3].data();
  float *dbEnc = s.cols[4].data(), *wCoef = s.cols[5].data(), *dbGate = s.cols[6].data(), *drMag = s.cols[7].data();
  const float invB = 1.0f / B;
  const float* Wenc = p[W_ENC];
  const float* Wdec = p[W_DEC];
  const float* bdec = p[B_DEC];

  // Variance of x about its batch mean, for explained variance.
  double sumSq = 0, meanSq = 0;
  {
    std::vector<double> mean(D, 0.0);
    for (int r = 0; r < B; r++)
      for (int i = 0; i < D; i++) {
        const float xi = x[static_cast<size_t>(r) * D + i];
        mean[i] += xi;
        sumSq += static_cast<double>(xi) * xi;
        xc[static_cast<size_t>(r) * D + i] = xi - bdec[i];
      }
    for (int i = 0; i < D; i++) meanSq += mean[i] * mean[i] / B;
  }
  int nDead = 0;
  for (int j = 0; j < S; j++) {
    double n2 = 0;
    for (int i = 0; i < D; i++) n2 += static_cast<double>(Wdec[static_cast<size_t>(j) * D + i]) * Wdec[static_cast<size_t>(j) * D + i];
    decNorm[j] = static_cast<float>(std::sqrt(n2));
    dead[j] = b.tokensSinceFired[j] >= c.deadWindow ? 1.0f : 0.0f;
    nDead += dead[j] > 0;
  }

  ph.mark("prep");
  // A = (x - b_dec) W_enc (+ b_enc).
  gemm(false, false, B, S, D, xc, D, Wenc, S, 0.0f, A, S);
  ph.mark("gemm_enc");
  double sparsity = 0, aux = 0;
  float gStep = 0;
  if (c.arch == JUMPRELU) {
    const float* t = p[THRESHOLD];
    for (int j = 0; j < S; j++) th[j] = c.logTheta ? std::exp(t[j]) : std::max(t[j], 0.0f);
    size_t count = 0;
    for (int r = 0; r < B; r++) {
      float* a = A + static_cast<size_t>(r) * S;
      float* f = F + static_cast<size_t>(r) * S;
      for (int j = 0; j < S; j++) {
        const float z = a[j] + p[B_ENC][j];
        a[j] = z;
        const bool on = z > th[j];
        f[j] = on ? z : 0.0f;
        count += on;
      }
    }
    // meanL0 = Σ H(π - θ) / B; the sparsity term and its gradient per step entry.
    const double meanL0 = static_cast<double>(count) / B;
    if (c.quadratic) {
      const double T = c.targetL0;
      sparsity = c.lambda * (2 / T) * (meanL0 - T) * (meanL0 - T);
      gStep = static_cast<float>(c.lambda * (2 / T) * 2 * (meanL0 - T) / B);
    } else {
      sparsity = c.lambda * meanL0;
      gStep = c.lambda * invB;
    }
    if (c.preActCoef > 0) {
      // aux = coef · Σ relu(θ - π) · ‖d‖ · dead / B.
      double pre = 0;
      for (int r = 0; r < B; r++) {
        const float* a = A + static_cast<size_t>(r) * S;
        for (int j = 0; j < S; j++) {
          const float u = th[j] - a[j];
          if (u > 0 && dead[j] > 0) {
            pre += static_cast<double>(u) * decNorm[j];
            wCoef[j] += u;
          }
        }
      }
      aux = c.preActCoef * pre / B;
      for (int j = 0; j < S; j++) wCoef[j] *= c.preActCoef * invB;
    }
  } else if (c.arch == STANDARD) {
    double l1 = 0;
    for (size_t q0 = 0; q0 < BS; q0 += S) for (size_t q = q0, jj = 0; jj < static_cast<size_t>(S); q++, jj++) {
      const int j = static_cast<int>(jj);
      const float z = A[q] + p[B_ENC][j];
      A[q] = z;
      const float f = z > 0 ? z : 0.0f;
      F[q] = f;
      l1 += static_cast<double>(f) * decNorm[j];
      wCoef[j] += f;
    }
    sparsity = c.lambda * l1 / B;
    for (int j = 0; j < S; j++) wCoef[j] *= c.lambda * invB;
  } else if (c.arch == TOPK) {
    for (int r = 0; r < B; r++) {
      float* a = A + static_cast<size_t>(r) * S;
      float* f = F + static_cast<size_t>(r) * S;
      for (int j = 0; j < S; j++) a[j] += p[B_ENC][j];
      const float kth = kth_largest(a, S, c.k, Dg);
      // Exactly k: ties at the k-th value by lowest index.
      size_t ties = ties_kept(a, S, c.k, kth);
      for (int j = 0; j < S; j++) {
        const bool keep = a[j] > kth || (a[j] == kth && ties > 0 && ties--);
        f[j] = keep && a[j] > 0 ? a[j] : 0.0f;
      }
    }
  } else if (c.arch == BATCHTOPK) {
    for (size_t q0 = 0; q0 < BS; q0 += S) for (size_t q = q0, jj = 0; jj < static_cast<size_t>(S); q++, jj++) {
      const float z = A[q] + p[B_ENC][jj];
      A[q] = z;
      F[q] = z > 0 ? z : 0.0f;
    }
    const size_t kb = std::min(static_cast<size_t>(c.k) * B, BS);
    const float kth = kth_largest_nonneg(F, BS, kb);
    out.minKept = kth;
    out.hasMinKept = true;
    // Exactly k·B over the flattened batch: ties at the cut by lowest flat index.
    size_t ties = ties_kept(F, BS, kb, kth);
    for (size_t q = 0; q < BS; q++)
      if (!(F[q] > kth || (F[q] == kth && ties > 0 && ties--))) F[q] = 0.0f;
  } else {
    // Gated: A = g, G = fGate = relu(π_gate), F = 1[π_gate > 0] · relu(π_mag).
    float* G = s.G.data();
    double l1 = 0;
    for (size_t q0 = 0; q0 < BS; q0 += S) for (size_t q = q0, jj = 0; jj < static_cast<size_t>(S); q++, jj++) {
      const int j = static_cast<int>(jj);
      const float g = A[q];
      const float pg = g + p[B_GATE][j];
      const float pm = g * std::exp(p[R_MAG][j]) + p[B_MAG][j];
      const float fg = pg > 0 ? pg : 0.0f;
      G[q] = fg;
      F[q] = pg > 0 && pm > 0 ? pm : 0.0f;
      l1 += static_cast<double>(fg) * decNorm[j];
      wCoef[j] += fg;
    }
    sparsity = c.lambda * l1 / B;
    for (int j = 0; j < S; j++) wCoef[j] *= c.lambda * invB;
    // Auxiliary reconstruction through the gate path, decoder frozen: E = -2 (x - x_frozen) / B.
    float* E = s.E.data();
    gemm(false, false, B, D, S, G, S, Wdec, D, 0.0f, E, D);
    aux = residual_grad(x, bdec, E, B, D, invB) / B;
  }

  ph.mark("act");
  // L0 and fired latents of f.
  {
    // Branch-free (f > 0 is a coin flip early in training): per-latent counts, then their sum.
    std::vector<int>& cnt = s.counts;
    cnt.assign(S, 0);
    for (int r = 0; r < B; r++) {
      const float* f = F + static_cast<size_t>(r) * S;
      for (int j = 0; j < S; j++) cnt[j] += f[j] > 0.0f;
    }
    size_t active = 0;
    for (int j = 0; j < S; j++) {
      active += cnt[j];
      fired[j] = cnt[j] > 0 ? 1.0f : 0.0f;
    }
    out.l0 = static_cast<double>(active) / B;
  }

  ph.mark("l0");
  // x̂ = f W_dec + b_dec; dX = ∂mse/∂x̂ = -2 (x - x̂) / B.
  gemm(false, false, B, D, S, F, S, Wdec, D, 0.0f, dX, D);
  const double sse = residual_grad(x, bdec, dX, B, D, invB);
  out.mse = sse / B;
  out.ev = 1.0 - sse / (sumSq - meanSq);

  ph.mark("gemm_dec");
  const bool trainDec = trains(c, W_DEC);
  std::vector<float>& gWdv = s.gWd;
  if (trainDec) {
    gWdv.resize(static_cast<size_t>(S) * D);
    gemm(true, false, S, D, B, F, S, dX, D, 0.0f, gWdv.data(), D);
  }
  ph.mark("gemm_gWd");
  // df = dX W_decᵀ.
  gemm(false, true, B, S, D, dX, D, Wdec, D, 0.0f, Dg, S);

  ph.mark("gemm_df");
  if (c.arch == JUMPRELU) {
    // Branch-free so it vectorises: Σ_b g·K and Σ_b K per latent, then the STE factors (as tfjs
    // sums over the batch before multiplying by -θ/ε and -1/ε).
    const float eps = c.bandwidth;
    float* __restrict sumGK = dbGate;  // free scratch columns for JumpReLU
    float* __restrict sumK = drMag;
    const float* __restrict thr = th;
    for (int r = 0; r < B; r++) {
      const float* __restrict a = A + static_cast<size_t>(r) * S;
      float* __restrict d = Dg + static_cast<size_t>(r) * S;
      for (int j = 0; j < S; j++) {
        const float z = a[j], g = d[j];
        const float k = std::fabs((z - thr[j]) / eps) < 0.5f ? 1.0f : 0.0f;
        sumGK[j] += g * k;
        sumK[j] += k;
        d[j] = z > thr[j] ? g : 0.0f;
      }
    }
    for (int j = 0; j < S; j++) dth[j] = sumGK[j] * (-th[j] / eps) + sumK[j] * gStep * (-1.0f / eps);
    if (c.preActCoef > 0) {
      const float preC = c.preActCoef * invB;
      for (int r = 0; r < B; r++) {
        const float* a = A + static_cast<size_t>(r) * S;
        float* d = Dg + static_cast<size_t>(r) * S;
        for (int j = 0; j < S; j++)
          if (dead[j] > 0 && th[j] - a[j] > 0) {
            d[j] -= preC * decNorm[j];
            dth[j] += preC * decNorm[j];
          }
      }
    }
  } else if (c.arch == STANDARD) {
    for (size_t q0 = 0; q0 < BS; q0 += S) for (size_t q = q0, jj = 0; jj < static_cast<size_t>(S); q++, jj++) Dg[q] = A[q] > 0 ? Dg[q] + c.lambda * invB * decNorm[jj] : 0.0f;
  } else if (c.arch == TOPK || c.arch == BATCHTOPK) {
    for (size_t q0 = 0; q0 < BS; q0 += S) for (size_t q = q0, jj = 0; jj < static_cast<size_t>(S); q++, jj++)
      if (!(F[q] > 0)) Dg[q] = 0.0f;
    if (c.auxKCoef > 0 && nDead > 0) aux = auxk(c, A, dead, nDead, Wdec, dX, Dg, trainDec ? gWdv.data() : nullptr, s);
  } else {
    // Gated backward. Magnitude path first (Dg = ∂/∂π_mag), then the gate path's ∂/∂fGate into F.
    float* G = s.G.data();
    for (size_t q0 = 0; q0 < BS; q0 += S) for (size_t q = q0, jj = 0; jj < static_cast<size_t>(S); q++, jj++)
      if (!(F[q] > 0)) Dg[q] = 0.0f;
    gemm(false, true, B, S, D, s.E.data(), D, Wdec, D, 0.0f, F, S);
    for (int r = 0; r < B; r++) {
      const float* g = A + static_cast<size_t>(r) * S;
      float* d = Dg + static_cast<size_t>(r) * S;
      const float* fg = G + static_cast<size_t>(r) * S;
      const float* dfg = F + static_cast<size_t>(r) * S;
      for (int j = 0; j < S; j++) {
        const float sc = std::exp(p[R_MAG][j]);
        const float dpm = d[j];
        const float dpg = fg[j] > 0 ? dfg[j] + c.lambda * invB * decNorm[j] : 0.0f;
        th[j] += dpm;                 // b_mag
        drMag[j] += dpm * g[j] * sc;  // r_mag
        dbGate[j] += dpg;
        d[j] = dpm * sc + dpg;  // ∂/∂g
      }
    }
  }
  ph.mark("backward_elem");
  out.sparsity = sparsity;
  out.aux = aux;
  out.loss = out.mse + sparsity + aux;

  // ∂/∂π summed over the batch (b_enc; for gated, ∂/∂g for the b_dec term).
  for (int r = 0; r < B; r++) {
    const float* d = Dg + static_cast<size_t>(r) * S;
    for (int j = 0; j < S; j++) dbEnc[j] += d[j];
  }

  // Updates. W_enc: ∂ = xcᵀ Dg.
  if (trains(c, W_ENC)) {
    s.gWe.resize(DS);
    gemm(true, false, D, S, B, xc, D, Dg, S, 0.0f, s.gWe.data(), S);
  }
  ph.mark("gemm_gWe");
  if (trains(c, B_DEC)) {
    // ∂/∂b_dec = Σ_b dX - W_enc · Σ_b ∂π (the -b_dec inside the encoder).
    std::vector<float> gb(D, 0.0f);
    for (size_t q0 = 0; q0 < BD; q0 += D) for (size_t q = q0, jj = 0; jj < static_cast<size_t>(D); q++, jj++) gb[jj] += dX[q];
    std::vector<float> wd(D);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, D, S, 1.0f, Wenc, S, dbEnc, 1, 0.0f, wd.data(), 1);
    for (int i = 0; i < D; i++) gb[i] -= wd[i];
    adam(p[B_DEC], gb.data(), b.m[B_DEC], b.v[B_DEC], D, c);
  }
  ph.mark("b_dec");
  if (trains(c, W_ENC)) adam(p[W_ENC], s.gWe.data(), b.m[W_ENC], b.v[W_ENC], DS, c);
  ph.mark("adam_enc");
  if (trainDec) {
    // Per decoder row: add the norm terms' gradient (coef · d/‖d‖), project out the component along
    // the row, Adam, then back to unit norm.
    for (int j = 0; j < S; j++) {
      float* w = p[W_DEC] + static_cast<size_t>(j) * D;
      float* g = gWdv.data() + static_cast<size_t>(j) * D;
      if (wCoef[j] != 0 && decNorm[j] > 0)
        for (int i = 0; i < D; i++) g[i] += wCoef[j] * w[i] / decNorm[j];
      float dot = 0;
      for (int i = 0; i < D; i++) dot += g[i] * w[i];
      for (int i = 0; i < D; i++) g[i] -= dot * w[i];
      adam(w, g, b.m[W_DEC] + static_cast<size_t>(j) * D, b.v[W_DEC] + static_cast<size_t>(j) * D, D, c);
      double n2 = 0;
      for (int i = 0; i < D; i++) n2 += static_cast<double>(w[i]) * w[i];
      const float n = static_cast<float>(std::sqrt(n2));
      for (int i = 0; i < D; i++) w[i] /= n;
    }
  }
  ph.mark("adam_dec");
  if (trains(c, B_ENC)) adam(p[B_ENC], dbEnc, b.m[B_ENC], b.v[B_ENC], S, c);
  if (trains(c, THRESHOLD)) {
    const float* t = p[THRESHOLD];
    for (int j = 0; j < S; j++) dth[j] *= c.logTheta ? th[j] : (t[j] > 0 ? 1.0f : 0.0f);
    adam(p[THRESHOLD], dth, b.m[THRESHOLD], b.v[THRESHOLD], S, c);
  }
  if (gated && trains(c, B_GATE)) {
    adam(p[B_GATE], dbGate, b.m[B_GATE], b.v[B_GATE], S, c);
    adam(p[B_MAG], th, b.m[B_MAG], b.v[B_MAG], S, c);
    adam(p[R_MAG], drMag, b.m[R_MAG], b.v[R_MAG], S, c);
  }
  for (int j = 0; j < S; j++) b.tokensSinceFired[j] = (b.tokensSinceFired[j] + B) * (1.0f - fired[j]);
  if (out.hasMinKept) {
    const float mk = static_cast<float>(out.minKept);
    b.batchThreshold[0] = c.stepIndex == 0 ? mk : b.batchThreshold[0] * (1.0f - c.emaRate) + mk * c.emaRate;
  }
  return nullptr;
}
