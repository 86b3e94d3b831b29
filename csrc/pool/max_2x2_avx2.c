/*
 * pool/max_2x2_avx2.c -- float 2x2 max pooling, stride 2, no padding, with
 * AVX2 (x86 only; pool2d.c chooses it when tn_get_simd_level() allows).
 *
 * LeNet's and the 6-conv CNN's pooling, compiled as plain C (planes.inc),
 * stays scalar, with a compare and select per candidate; here eight windows
 * are pooled at once.  A row pair of 16 inputs is split into its even and
 * odd columns, and the four candidates of each window are compared in the
 * same order and with the same rule as the plain loop (strictly greater
 * wins; every NaN wins), so the result is identical.
 */
#include "common/simd.h"
#include "pool/pool.h"

#if TN_X86

/* [x0..x7], [x8..x15] -> even columns [x0 x2 .. x14] and odd [x1 x3 .. x15] */
static TN_AVX2 TN_ALWAYS_INLINE void split_even_odd(__m256 a, __m256 b, __m256 *even, __m256 *odd)
{
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}

/* best, where = v, index where v wins (strictly greater, or a NaN: the last NaN holds the argmax) */
static TN_AVX2 TN_ALWAYS_INLINE void take_if_wins(__m256 v, __m256i index, __m256 *best, __m256i *where)
{
    const __m256 greater = _mm256_cmp_ps(v, *best, _CMP_GT_OQ);
    const __m256 take = _mm256_or_ps(greater, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    *best = _mm256_blendv_ps(*best, v, take);
    *where = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(*where), _mm256_castsi256_ps(index), take));
}

/* Windows j .. j+count-1 (count <= 8) of output row i.  A row pair's 16
 * inputs are read with plain loads when they lie inside the plane, which
 * they do but for the last row pairs of a plane narrower than 8 windows;
 * there only its 2*count inputs are read (masked loads).  The 8 results are
 * stored whole when the 8 places lie inside the plane's outputs: places
 * past this row's last window are the next windows, which this loop writes
 * afterwards.  Else (the last row of such a plane) they go through a small
 * buffer, as masked stores are slow on some CPUs.  (When every row's last
 * windows went that way, one thread on an AMD EPYC took 1.9-2.0 ns an input
 * for the 6-conv CNN's 14x14 planes, 7 windows a row; now 0.75-0.9.) */
static TN_AVX2 TN_ALWAYS_INLINE void pool_8_windows(const tn_pool2d_shape *s, const float *x, int64_t i, int64_t j,
                                                    int64_t count, float *y, int32_t *argmax)
{
    const int64_t W = s->in_w, ow = s->out_w;
    const float *top = x + 2 * i * W + 2 * j, *bottom = top + W;
    const int whole_reads = count == 8 || (2 * i + 1) * W + 2 * j + 16 <= s->in_h * W;
    const int whole_writes = count == 8 || i * ow + j + 8 <= s->out_h * ow;
    __m256 top_even, top_odd, bottom_even, bottom_odd;
    if (whole_reads) {
        split_even_odd(_mm256_loadu_ps(top), _mm256_loadu_ps(top + 8), &top_even, &top_odd);
        split_even_odd(_mm256_loadu_ps(bottom), _mm256_loadu_ps(bottom + 8), &bottom_even, &bottom_odd);
    } else {
        const __m256i low = tn_avx2_first_lanes((int)(2 * count)), high = tn_avx2_first_lanes((int)(2 * count - 8));
        split_even_odd(_mm256_maskload_ps(top, low), _mm256_maskload_ps(top + 8, high), &top_even, &top_odd);
        split_even_odd(_mm256_maskload_ps(bottom, low), _mm256_maskload_ps(bottom + 8, high), &bottom_even,
                       &bottom_odd);
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
    if (whole_writes) {
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
TN_AVX2 void smax_pool_plane_2x2_avx2(const tn_pool2d_shape *s, const float *x, float *y, int32_t *argmax)
{
    const int64_t ow = s->out_w;
    for (int64_t i = 0; i < s->out_h; i++)
        for (int64_t j = 0; j < ow; j += 8)
            pool_8_windows(s, x, i, j, ow - j < 8 ? ow - j : 8, y, argmax);
}

#endif /* TN_X86 */
