/*
 * pool/pool.h -- what pool2d.c calls in the other pooling files.  Internal:
 * the C API is tn_*pool2d_* in tinynet.h.
 */
#ifndef TN_POOL_H
#define TN_POOL_H

#include <stdint.h>

#include "tinynet.h"
#include "common/simd.h"

#if TN_X86
/* max_2x2_avx2.c: one plane of float 2x2 max pooling, stride 2, no padding
 * (the same results as smax_pool_plane_2x2 of planes.inc). */
void smax_pool_plane_2x2_avx2(const tn_pool2d_shape *s, const float *x, float *y, int32_t *argmax);
#endif

#endif
