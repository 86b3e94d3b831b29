/*
 * common/sizes.h -- integer arithmetic on sizes and indices, shared by every
 * kernel family.  Sizes are int64_t and never negative here (tinynet.kernels
 * checks them before any C runs).
 */
#ifndef TN_COMMON_SIZES_H
#define TN_COMMON_SIZES_H

#include <stdint.h>

/* ceil(a / b) for a >= 0, b >= 1. */
static inline int64_t tn_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* The smallest multiple of b that is >= a (a >= 0, b >= 1). */
static inline int64_t tn_round_up(int64_t a, int64_t b) { return tn_ceil_div(a, b) * b; }

static inline int64_t tn_min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t tn_max64(int64_t a, int64_t b) { return a > b ? a : b; }

#endif
