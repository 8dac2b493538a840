// AuxK for TopK and BatchTopK ([TopK] §2.4), as training-sae.ts's auxK: reconstruct the residual
// e = x - x̂ (no gradient) from the k_aux largest dead pre-activations, decoded without bias;
// aux = α Σ(e - ê)² / Σ(e - mean e)². Adds its gradient into Dg (∂/∂π) and gWd (∂/∂W_dec, when trained).
#include <algorithm>
#include <vector>

#include "sae_step.h"
#include "select.h"

double auxk(const StepConfig& c, const float* A, const float* dead, int nDead, const float* Wdec, const float* dX, float* Dg, float* gWd, Scratch& s) {
  const int B = c.B, D = c.D, S = c.S;
  const size_t BD = static_cast<size_t>(B) * D;
  const int kAux = std::min(c.kAux, nDead);
  float* E = s.E.data();
  s.auxIdx.clear(); s.auxVal.clear(); s.auxRow.assign(B + 1, 0);
  std::vector<float> rowv(S), tmp(S);
  for (int r = 0; r < B; r++) {
    const float* a = A + static_cast<size_t>(r) * S;
    for (int j = 0; j < S; j++) rowv[j] = dead[j] > 0 ? a[j] : -1e9f;
    const float kth = kth_largest(rowv.data(), S, kAux, tmp.data());
    for (int j = 0; j < S; j++)
      if (dead[j] > 0 && rowv[j] >= kth && a[j] > 0) {
        s.auxIdx.push_back(j);
        s.auxVal.push_back(a[j]);
      }
    s.auxRow[r + 1] = s.auxIdx.size();
  }
  std::vector<double> emean(D, 0.0);
  for (size_t q0 = 0; q0 < BD; q0 += D) for (size_t q = q0, jj = 0; jj < static_cast<size_t>(D); q++, jj++) emean[jj] += -dX[q] * B * 0.5;  // e = -dX·B/2
  for (int i = 0; i < D; i++) emean[i] /= B;
  double num = 0, den = 0;
  for (int r = 0; r < B; r++) {
    float* er = E + static_cast<size_t>(r) * D;
    const float* dr = dX + static_cast<size_t>(r) * D;
    for (int i = 0; i < D; i++) er[i] = -dr[i] * B * 0.5f;
    for (int i = 0; i < D; i++) den += (er[i] - emean[i]) * (er[i] - emean[i]);
    for (size_t t = s.auxRow[r]; t < s.auxRow[r + 1]; t++) {
      const float* w = Wdec + static_cast<size_t>(s.auxIdx[t]) * D;
      const float av = s.auxVal[t];
      for (int i = 0; i < D; i++) er[i] -= av * w[i];
    }
    for (int i = 0; i < D; i++) num += static_cast<double>(er[i]) * er[i];
  }
  const double denC = std::max(den, 1e-12);
  // ∂aux/∂ê = -2α (e - ê) / den, then into the selected pre-activations and decoder rows.
  const float gc = static_cast<float>(-2.0 * c.auxKCoef / denC);
  for (int r = 0; r < B; r++) {
    float* er = E + static_cast<size_t>(r) * D;
    for (int i = 0; i < D; i++) er[i] *= gc;
    for (size_t t = s.auxRow[r]; t < s.auxRow[r + 1]; t++) {
      const int j = s.auxIdx[t];
      const float* w = Wdec + static_cast<size_t>(j) * D;
      float dot = 0;
      for (int i = 0; i < D; i++) dot += er[i] * w[i];
      Dg[static_cast<size_t>(r) * S + j] += dot;
      if (gWd) {
        float* gw = gWd + static_cast<size_t>(j) * D;
        const float av = s.auxVal[t];
        for (int i = 0; i < D; i++) gw[i] += av * er[i];
      }
    }
  }
  return c.auxKCoef * num / denC;
}
