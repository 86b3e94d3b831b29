/*
 * norm/runs_avx512.h -- batch normalization's sums over one run of a
 * channel (forward and backward) and backward's dL/dx loop, float32 with
 * AVX-512F (runs_avx512.c): the twins of channel.inc's add_run,
 * add_squares_run, add_grad_run and dL/dx loop, which the tests run at the
 * lower SIMD levels and compare with the same reference.
 */
#ifndef TN_NORM_RUNS_AVX512_H
#define TN_NORM_RUNS_AVX512_H

#include <stdint.h>

#include "common/simd.h"

#if TN_X86
/* lane[l] += x[i] for the i = l (mod 8) of the run, then the tail into lane[0..) (channel.inc's add_run). */
void sbn_add_run_avx512(const float *x, int64_t n, double lane[8]);

/* lane[l] += (x[i] - center)^2, likewise (channel.inc's add_squares_run). */
void sbn_add_squares_run_avx512(const float *x, int64_t n, double center, double lane[8]);

/* lane_g[l] += g[i], lane_gx[l] += g[i] * (x[i] - mean) for the i = l (mod 8) of the run, then the tail
 * into lane[0..); g = dy, or 0 where relu and x * scale + shift <= 0.  The same sums in the same order
 * as channel.inc's plain loop. */
void sbn_add_grad_run_avx512(const float *dy, const float *x, int64_t n, float mean, int relu, float scale,
                             float shift, double lane_g[8], double lane_gx[8]);

/* dx[i] = a * g[i] + b * x[i] + k over the run (g as above). */
void sbn_input_grad_run_avx512(const float *dy, const float *x, int64_t n, int relu, float scale, float shift,
                               float a, float b, float k, float *dx);
#endif

#endif
