#include "select.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

float kth_largest(const float* a, size_t n, size_t k, float* scratch) {
  std::memcpy(scratch, a, n * sizeof(float));
  std::nth_element(scratch, scratch + (k - 1), scratch + n, std::greater<float>());
  return scratch[k - 1];
}

// Non-negative IEEE floats order like their bit patterns as unsigned integers, so the k-th largest
// is found from a histogram of the high 16 bits, then of the low 16 bits inside the chosen bin.
float kth_largest_nonneg(const float* a, size_t n, size_t k) {
  const uint32_t* u = reinterpret_cast<const uint32_t*>(a);
  std::vector<size_t> hist(65536, 0);
  for (size_t i = 0; i < n; i++) hist[u[i] >> 16]++;
  size_t above = 0;
  int hi = 65535;
  for (; hi > 0; hi--) {
    if (above + hist[hi] >= k) break;
    above += hist[hi];
  }
  std::fill(hist.begin(), hist.end(), 0);
  for (size_t i = 0; i < n; i++)
    if ((u[i] >> 16) == static_cast<uint32_t>(hi)) hist[u[i] & 0xffff]++;
  int lo = 65535;
  for (; lo > 0; lo--) {
    if (above + hist[lo] >= k) break;
    above += hist[lo];
  }
  uint32_t bits = (static_cast<uint32_t>(hi) << 16) | static_cast<uint32_t>(lo);
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

size_t ties_kept(const float* a, size_t n, size_t k, float kth) {
  size_t above = 0;
  for (size_t i = 0; i < n; i++) above += a[i] > kth;
  return k > above ? k - above : 0;
}
