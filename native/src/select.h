// Exact order statistics for top-k masks, matching tf.topk's k-th value (duplicates counted).
#pragma once
#include <cstddef>

/** The k-th largest of a[0..n) (1-based k, 1 <= k <= n); `scratch` holds n floats. */
float kth_largest(const float* a, size_t n, size_t k, float* scratch);

/** The k-th largest of n non-negative floats by a two-pass radix select on their bits (no copy). */
float kth_largest_nonneg(const float* a, size_t n, size_t k);

/**
 * How many entries equal to `kth` a top-k keeps so that exactly k survive: all entries above kth,
 * then the lowest-index ties (the tfjs path's exactTopKMask, SAELens keeping exactly k).
 */
size_t ties_kept(const float* a, size_t n, size_t k, float kth);
