/*
 * norm/batch_norm.c -- batch normalization (optionally followed by a ReLU),
 * forward and backward: every tn_*batch_norm* function of tinynet.h.
 *
 * x is (N, C, plane): N images of C channels of `plane` numbers (H * W for
 * images, 1 for (N, C) features).  For each channel c, over its M = N * plane
 * values:
 *
 *   mean = sum(x) / M,   var = sum((x - mean)^2) / M     (training: the batch's;
 *                                                          evaluation: given)
 *   x_hat = (x - mean) * inv_std,   inv_std = 1 / sqrt(var + eps)
 *   y = weight * x_hat + bias        = x * scale + shift,
 *       scale = weight * inv_std,      shift = bias - mean * scale
 *   with relu:  y = max(0, weight * x_hat + bias)
 *
 * Backward, with g = dL/dy (times the ReLU's 0/1 derivative, y > 0, when
 * fused), sum_g = sum of g and sum_gx = sum of g * (x - mean) over the channel:
 *
 *   dL/dbias = sum_g,   dL/dweight = sum of g * x_hat = sum_gx * inv_std
 *   dL/dx = weight * inv_std * (g - sum_g / M - x_hat * inv_std * sum_gx / M)   (training)
 *   dL/dx = weight * inv_std * g                                             (evaluation)
 *
 * (In training, mean and var depend on every x of the channel; the two
 * subtracted terms are those paths of the chain rule.)
 *
 * Channels are independent: each is computed whole by one thread, in a
 * fixed order, so results do not depend on the thread count.  The passes
 * over one channel read its N runs of `plane` numbers, which stay in L2
 * between passes at the sizes of a ResNet (64 x 28 x 28 floats = 200 KB),
 * so the three passes of the forward pass (two for the statistics, one for
 * y) cost little more than one.  The loops are plain C, which the compiler
 * vectorises: normalization is memory-bound.
 *
 * The sums over a channel's runs (forward and backward) and backward's dL/dx
 * loop have float32 AVX-512 twins (runs_avx512.c), chosen at run time,
 * which give the same numbers.
 *
 * The plain loops the tests compare these with (tn_sbatch_norm_forward_ref
 * and its twins) are reference.inc; both are instantiated below.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "tinynet.h"
#include "common/simd.h"
#include "common/threads.h"
#include "norm/runs_avx512.h"

/* Running sums per accumulator array: enough for the compiler to fill
 * vector registers with independent additions. */
#define LANES 8

/* Below this many numbers in all, one thread is faster than several. */
#define NORM_SMALL_WORK ((int64_t)1 << 15)

static double sum_lanes(const double lane[LANES])
{
    double total = 0;
    for (int l = 0; l < LANES; l++)
        total += lane[l];
    return total;
}

/* Threads for a loop over the channels. */
static int channel_threads(const tn_batch_norm_shape *s)
{
    if (s->batch * s->channels * s->plane < NORM_SMALL_WORK)
        return 1;
    return tn_threads_for_jobs(s->channels);
}

/* Channels a thread takes at a time from the loop (schedule(dynamic)): about 8 turns per thread, so
 * that a thread on a core shared with another program takes fewer channels (common/threads.h), and
 * few enough turns that handing them out costs little (ResNet's 512 channels of 64 x 4 x 4 numbers
 * take about a microsecond each). */
static int channel_chunk(const tn_batch_norm_shape *s, int threads)
{
    const int64_t chunk = s->channels / (8 * (int64_t)threads);
    return chunk < 1 ? 1 : (int)chunk;
}

/* How many runs ahead the first pass over a channel asks for the memory it will read (channel.inc's
 * prefetch_run): the next run when runs are long, far enough for about 2 KB in flight when they are
 * short (ResNet's 4 x 4 planes are 64 bytes). */
static int64_t ahead_runs(int64_t run_bytes)
{
    const int64_t runs = run_bytes > 0 ? 2048 / run_bytes : 1;
    return runs < 1 ? 1 : runs;
}

/* ---- the per-channel loops, once per type ---------------------------------------
 * float:  sbn_channel_forward, sbn_channel_backward
 * double: dbn_channel_forward, dbn_channel_backward */

#define REAL float
#define NAME(x) s##x
#if TN_X86
#define ADD_RUN_AVX512 sbn_add_run_avx512
#define ADD_SQUARES_RUN_AVX512 sbn_add_squares_run_avx512
#define ADD_GRAD_RUN_AVX512 sbn_add_grad_run_avx512
#define INPUT_GRAD_RUN_AVX512 sbn_input_grad_run_avx512
#endif
#include "norm/channel.inc"
#undef REAL
#undef NAME
#undef ADD_RUN_AVX512
#undef ADD_SQUARES_RUN_AVX512
#undef ADD_GRAD_RUN_AVX512
#undef INPUT_GRAD_RUN_AVX512

#define REAL double
#define NAME(x) d##x
#include "norm/channel.inc"
#undef REAL
#undef NAME

/* ---- the public functions (tinynet.h) ------------------------------------------- */

void tn_sbatch_norm_forward(const tn_batch_norm_shape *s, const float *x, const float *weight, const float *bias,
                            double eps, int training, int relu, float *mean, float *var, float *inv_std, float *y)
{
    const int threads = channel_threads(s), chunk = channel_chunk(s, threads);
#pragma omp parallel for num_threads(threads) schedule(dynamic, chunk) if (threads > 1)
    for (int64_t c = 0; c < s->channels; c++)
        sbn_channel_forward(s, c, x, weight, bias, eps, training, relu, mean, var, inv_std, y);
}

void tn_dbatch_norm_forward(const tn_batch_norm_shape *s, const double *x, const double *weight, const double *bias,
                            double eps, int training, int relu, double *mean, double *var, double *inv_std,
                            double *y)
{
    const int threads = channel_threads(s), chunk = channel_chunk(s, threads);
#pragma omp parallel for num_threads(threads) schedule(dynamic, chunk) if (threads > 1)
    for (int64_t c = 0; c < s->channels; c++)
        dbn_channel_forward(s, c, x, weight, bias, eps, training, relu, mean, var, inv_std, y);
}

void tn_sbatch_norm_backward(const tn_batch_norm_shape *s, const float *x, const float *dy, const float *mean,
                             const float *inv_std, const float *weight, const float *bias, int training, int relu,
                             float *dx, float *dweight, float *dbias)
{
    const int threads = channel_threads(s), chunk = channel_chunk(s, threads);
#pragma omp parallel for num_threads(threads) schedule(dynamic, chunk) if (threads > 1)
    for (int64_t c = 0; c < s->channels; c++)
        sbn_channel_backward(s, c, x, dy, mean, inv_std, weight, bias, training, relu, dx, dweight, dbias);
}

void tn_dbatch_norm_backward(const tn_batch_norm_shape *s, const double *x, const double *dy, const double *mean,
                             const double *inv_std, const double *weight, const double *bias, int training,
                             int relu, double *dx, double *dweight, double *dbias)
{
    const int threads = channel_threads(s), chunk = channel_chunk(s, threads);
#pragma omp parallel for num_threads(threads) schedule(dynamic, chunk) if (threads > 1)
    for (int64_t c = 0; c < s->channels; c++)
        dbn_channel_backward(s, c, x, dy, mean, inv_std, weight, bias, training, relu, dx, dweight, dbias);
}

/* ---- the reference loops ----------------------------------------------------------
 * float:  tn_sbatch_norm_forward_ref, tn_sbatch_norm_backward_ref
 * double: tn_dbatch_norm_forward_ref, tn_dbatch_norm_backward_ref */

#define TN_TEMPLATE "norm/reference.inc"
#include "common/for_each_real.h"
