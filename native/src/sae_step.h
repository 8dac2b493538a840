// One SAE training step (loss, hand-derived gradients, decoder projection, Adam, renorm, dead-latent
// counters) on host buffers, the same computation as TrainingSae.loss + Trainer.step in tfjs.
#pragma once
#include <cstddef>
#include <vector>

enum Arch { JUMPRELU = 0, STANDARD = 1, TOPK = 2, BATCHTOPK = 3, GATED = 4 };
enum Param { W_ENC = 0, B_ENC, W_DEC, B_DEC, THRESHOLD, B_GATE, B_MAG, R_MAG, N_PARAMS };

struct StepConfig {
  int arch;
  int B, D, S;  // batch, d_in, d_sae
  float lr, lambda, bc1, bc2, beta1, beta2, eps;
  float bandwidth;
  bool logTheta, quadratic, thresholdsOnly;
  float targetL0, preActCoef, auxKCoef, deadWindow, emaRate;
  int k, kAux, stepIndex;
};

struct StepMetrics {
  double loss = 0, mse = 0, sparsity = 0, aux = 0, l0 = 0, ev = 0, minKept = 0;
  bool hasMinKept = false;
};

struct StepBuffers {
  float* p[N_PARAMS] = {};  // parameters (nullptr where the architecture has none)
  float* m[N_PARAMS] = {};  // Adam moments of the trainable ones
  float* v[N_PARAMS] = {};
  float* tokensSinceFired = nullptr;  // [S]
  float* batchThreshold = nullptr;    // [1]
  const float* x = nullptr;           // [B, D]
};

/** Scratch owned by one trainer, sized on first use and reused every step. */
struct Scratch {
  std::vector<float> A, F, Dbuf, G, xc, dX, E, gWe, gWd;
  std::vector<float> cols[8];
  std::vector<int> auxIdx, counts;
  std::vector<float> auxVal;
  std::vector<size_t> auxRow;
};

/** The AuxK loss; adds its gradients into Dg [B, S] and gWd [S, D] (nullable). Uses s.E as scratch. */
double auxk(const StepConfig& c, const float* A, const float* dead, int nDead, const float* Wdec, const float* dX, float* Dg, float* gWd, Scratch& s);

/** Returns an error message, or nullptr on success. */
const char* sae_step(const StepConfig& c, StepBuffers& b, Scratch& s, StepMetrics& out, float* fired);
