/*
 * pool2d.c -- 2-D max and average pooling (NCHW), forward and backward.
 *
 * Every (image, channel) plane is pooled on its own: output (i, j) looks at
 * the kh x kw window of the padded input whose top-left corner is at
 * (i*sh - ph, j*sw - pw).  Only the part of the window inside the image is
 * read; what lies in the padding is handled by the meaning of the padding:
 *
 *   max:      y[i,j] = max over the window of x          (padding is -inf)
 *             argmax[i,j] = r * W + c of that maximum     (first on ties)
 *   average:  y[i,j] = (sum over the window of x) / d      (padding is 0)
 *             d = kh * kw              when count_include_pad (PyTorch's default)
 *             d = in-bounds elements   otherwise
 *
 * Backward (chain rule, G = dL/dy):
 *
 *   max:      dL/dx[k] = sum of G[i,j] over the outputs whose argmax is k
 *             (d max / d x is 1 for the winner and 0 for the rest)
 *   average:  dL/dx[r,c] = sum over the windows containing (r,c) of G[i,j] / d
 *
 * When stride < kernel, windows overlap and one input receives gradient from
 * several outputs, so backward *adds*.  Planes never share an input, so each
 * thread owns whole planes: the additions cannot race, and happen in a fixed
 * order (row-major over the outputs), so results do not depend on threads.
 *
 * Every window holds at least one input: tinynet.kernels admits only
 * pad <= kernel / 2 for max pooling and kernel <= padded input, so the first
 * window starts at -pad > -kernel and the last one starts before the image
 * ends.  That is why max pooling never has to output -inf.
 *
 * The kernels are plain C loops; they are memory-bound, and the compiler
 * vectorises what is worth vectorising -- except float 2x2 max pooling,
 * which has an AVX2 version below.  They live in pool2d_impl.inc, included
 * once for float (tn_s...) and once for double (tn_d...).
 */
#include "tinynet.h"
#include "simd.h"

#include <math.h>
#include <string.h>

/* Below this many window reads in total, one thread is faster than several. */
#define POOL_SMALL_WORK ((int64_t)1 << 15)

/* The in-bounds part [*lo, *hi) of window number t along one axis. */
static void window_span(int64_t t, int64_t stride, int64_t pad, int64_t kernel, int64_t in_size,
                        int64_t *lo, int64_t *hi)
{
    int64_t start = t * stride - pad;
    int64_t end = start + kernel;
    *lo = start < 0 ? 0 : start;
    *hi = end > in_size ? in_size : end;
}

/* Threads for a loop over the planes: all of them unless the job is tiny. */
static int pool_threads(const tn_pool2d_shape *s)
{
    int64_t planes = s->batch * s->channels;
    int64_t work = planes * s->out_h * s->out_w * s->kernel_h * s->kernel_w;
    int threads = tn_get_num_threads();
    if (work < POOL_SMALL_WORK || planes < 2)
        return 1;
    return planes < threads ? (int)planes : threads;
}

/* ---- float 2x2 max pooling with AVX2 -------------------------------------------
 * LeNet's and the 6-conv CNN's pooling (2x2 windows, stride 2) compiled as
 * plain C stays scalar, with a compare and branch per candidate; here eight
 * windows are pooled at once.  A row pair of 16 inputs is split into its
 * even and odd columns, and the four candidates of each window are compared
 * in the same order and with the same rule as the plain loop (strictly
 * greater wins; a NaN beats a number), so the result is identical. */
#if TN_X86

/* [x0..x7], [x8..x15] -> even columns [x0 x2 .. x14] and odd [x1 x3 .. x15] */
static TN_AVX2 TN_ALWAYS_INLINE void split_even_odd(__m256 a, __m256 b, __m256 *even, __m256 *odd)
{
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}

/* best, where = v, index where v wins (strictly greater, or a NaN over a number) */
static TN_AVX2 TN_ALWAYS_INLINE void take_if_wins(__m256 v, __m256i index, __m256 *best, __m256i *where)
{
    const __m256 greater = _mm256_cmp_ps(v, *best, _CMP_GT_OQ);
    const __m256 nan_over_number = _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), _mm256_cmp_ps(*best, *best, _CMP_ORD_Q));
    const __m256 take = _mm256_or_ps(greater, nan_over_number);
    *best = _mm256_blendv_ps(*best, v, take);
    *where = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(*where), _mm256_castsi256_ps(index), take));
}

/* Windows j .. j+count-1 (count <= 8) of output row i.  Only the 2*count
 * inputs of each row pair are read (masked loads); the results go through
 * a small buffer when count < 8, as masked stores are slow on some CPUs. */
static TN_AVX2 TN_ALWAYS_INLINE void pool_8_windows(const tn_pool2d_shape *s, const float *x, int64_t i, int64_t j, int64_t count,
                                          float *y, int32_t *argmax)
{
    const int64_t W = s->in_w, ow = s->out_w;
    const float *top = x + 2 * i * W + 2 * j, *bottom = top + W;
    __m256 top_even, top_odd, bottom_even, bottom_odd;
    if (count == 8) {
        split_even_odd(_mm256_loadu_ps(top), _mm256_loadu_ps(top + 8), &top_even, &top_odd);
        split_even_odd(_mm256_loadu_ps(bottom), _mm256_loadu_ps(bottom + 8), &bottom_even, &bottom_odd);
    } else {
        const __m256i low = tn_avx2_first_lanes((int)(2 * count)), high = tn_avx2_first_lanes((int)(2 * count - 8));
        split_even_odd(_mm256_maskload_ps(top, low), _mm256_maskload_ps(top + 8, high), &top_even, &top_odd);
        split_even_odd(_mm256_maskload_ps(bottom, low), _mm256_maskload_ps(bottom + 8, high), &bottom_even, &bottom_odd);
    }
    const __m256i first = _mm256_add_epi32(_mm256_set1_epi32((int32_t)(2 * i * W + 2 * j)),
                                           _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
    const __m256i below = _mm256_add_epi32(first, _mm256_set1_epi32((int32_t)W));
    const __m256i one = _mm256_set1_epi32(1);
    __m256 best = top_even;
    __m256i where = first;
    take_if_wins(top_odd, _mm256_add_epi32(first, one), &best, &where);
    take_if_wins(bottom_even, below, &best, &where);
    take_if_wins(bottom_odd, _mm256_add_epi32(below, one), &best, &where);
    if (count == 8) {
        _mm256_storeu_ps(y + i * ow + j, best);
        _mm256_storeu_si256((__m256i *)(argmax + i * ow + j), where);
    } else {
        float best_out[8];
        int32_t where_out[8];
        _mm256_storeu_ps(best_out, best);
        _mm256_storeu_si256((__m256i *)where_out, where);
        for (int64_t t = 0; t < count; t++) {
            y[i * ow + j + t] = best_out[t];
            argmax[i * ow + j + t] = where_out[t];
        }
    }
}

/* Every output of one plane. */
static TN_AVX2 void max_pool_2x2_avx2(const tn_pool2d_shape *s, const float *x, float *y, int32_t *argmax)
{
    const int64_t ow = s->out_w;
    for (int64_t i = 0; i < s->out_h; i++)
        for (int64_t j = 0; j < ow; j += 8)
            pool_8_windows(s, x, i, j, ow - j < 8 ? ow - j : 8, y, argmax);
}
#endif

/* Pool one plane with SIMD if this CPU can; 1 if it did, 0 if the plain loop must. */
static int tn_smax_pool_2x2_simd(const tn_pool2d_shape *s, const float *x, float *y, int32_t *argmax)
{
#if TN_X86
    if (tn_get_simd_level() >= 1) {
        max_pool_2x2_avx2(s, x, y, argmax);
        return 1;
    }
#endif
    (void)s, (void)x, (void)y, (void)argmax;
    return 0;
}

#define REAL float
#define TN(name) tn_s##name
#define MAX_POOL_2X2_SIMD tn_smax_pool_2x2_simd
#include "pool2d_impl.inc"
#undef MAX_POOL_2X2_SIMD
#undef REAL
#undef TN

#define REAL double
#define TN(name) tn_d##name
#include "pool2d_impl.inc"
#undef REAL
#undef TN
