/*
 * conv/panels_avx2.c -- the panel convolution's im2col fill with AVX2
 * (float): panels_avx512.c's twin, 8 columns a vector, for CPUs without
 * AVX-512 (where the plain fill of panels.inc took 38-40 % of ResNet's
 * stride-2 forward pass and dL/dW: its loop per stretch, and per number for
 * the strided reads).  The tests run it at the AVX2 level and compare it
 * with the same reference as the others.
 *
 * The same pieces as there, with AVX2's masks: a lane mask is a vector whose
 * lanes are all ones or all zeros, made by comparisons; a masked load
 * (vmaskmovps) or gather reads only the lanes of its mask -- the others
 * read nothing and come out zero -- and a stretch's last, partial vector is
 * written by a masked store.
 */
#include <stdint.h>

#include "common/simd.h"
#include "conv/panels.h"

#if TN_X86

/* Lanes [lo, hi) of 8 (either end may lie outside 0 .. 8). */
static TN_AVX2 TN_ALWAYS_INLINE __m256i lanes_between(int64_t lo, int64_t hi)
{
    lo = lo < 0 ? 0 : lo > 8 ? 8 : lo;
    hi = hi < 0 ? 0 : hi > 8 ? 8 : hi;
    return _mm256_andnot_si256(tn_avx2_first_lanes((int)lo), tn_avx2_first_lanes((int)hi));
}

/* The lanes of `store` whose output (i, j) -- iv, jv -- lies inside the tap's ranges i_lo <= i < i_hi and
 * j_lo <= j < j_hi (the ranges are 32-bit by image_runs / strided_runs, so i_lo - 1 and j_lo - 1 are too). */
static TN_AVX2 TN_ALWAYS_INLINE __m256i tap_lanes(const conv_tap *tap, __m256i store, __m256i iv, __m256i jv)
{
    __m256i in = _mm256_and_si256(store, _mm256_cmpgt_epi32(iv, _mm256_set1_epi32((int32_t)tap->i_lo - 1)));
    in = _mm256_and_si256(in, _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)tap->i_hi), iv));
    in = _mm256_and_si256(in, _mm256_cmpgt_epi32(jv, _mm256_set1_epi32((int32_t)tap->j_lo - 1)));
    return _mm256_and_si256(in, _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)tap->j_hi), jv));
}

/* The outputs (i, j) of 8 consecutive columns of a stretch that runs on across output rows, from (*oi, *oj)
 * on (advanced past them); with pixels != NULL also their pixels i * row_step + j * sw, 0 past the
 * stretch's `left` columns (< 2^31 by strided_runs). */
static TN_AVX2 TN_ALWAYS_INLINE void eight_outputs(int32_t *oi, int32_t *oj, int64_t out_w, int64_t left,
                                                    int64_t row_step, int64_t sw, __m256i *iv, __m256i *jv,
                                                    __m256i *pixels)
{
    int32_t is[8], js[8], ps[8];
    for (int l = 0; l < 8; l++) {
        is[l] = *oi;
        js[l] = *oj;
        ps[l] = l < left ? (int32_t)(*oi * row_step + *oj * sw) : 0;
        if (++*oj == out_w) {
            *oj = 0;
            ++*oi;
        }
    }
    *iv = _mm256_loadu_si256((const __m256i *)is);
    *jv = _mm256_loadu_si256((const __m256i *)js);
    if (pixels)
        *pixels = _mm256_loadu_si256((const __m256i *)ps);
}

/* A stretch that runs on across output rows (image_runs(s)): rows `rows` of the batch `taps`, row r at
 * out + r * nr.  Output u = (i, j) of the stretch reads pixel u + the tap's offset of image_b when i and
 * j are inside the tap's ranges. */
static TN_AVX2 void fill_run(const tn_conv2d_shape *s, const conv_tap *taps, int64_t rows, const conv_stretch *st,
                             const float *image_b, int64_t nr, float *out)
{
    const int64_t out_w = s->out_w;
    int32_t oi = (int32_t)st->i, oj = (int32_t)st->j0;
    const float *first = address_at(image_b, st->i * out_w + st->j0); /* + tap offset (in_w == out_w) */
    for (int64_t j = 0; j < st->len; j += 8) {
        __m256i iv, jv;
        eight_outputs(&oi, &oj, out_w, st->len - j, 0, 0, &iv, &jv, NULL);
        const __m256i store = tn_avx2_first_lanes((int)tn_min64(8, st->len - j));
        float *to = out + j;
        for (int64_t r = 0; r < rows; r++, to += nr) {
            const __m256i load = tap_lanes(&taps[r], store, iv, jv);
            tn_avx2_store_first(to, st->len - j, store, _mm256_maskload_ps(address_at(first, taps[r].offset + j), load));
        }
    }
}

/* fill_run's twin for strided_runs(s): output u = (i, j) of the stretch reads pixel i * row_step + j * sw
 * + the tap's offset of image_b, so the 8 outputs' pixels are gathered. */
static TN_AVX2 void fill_gathered_run(const tn_conv2d_shape *s, const conv_tap *taps, int64_t rows,
                                      const conv_stretch *st, const float *image_b, int64_t nr, float *out)
{
    const int64_t out_w = s->out_w, row_step = s->stride_h * s->in_w, sw = s->stride_w;
    int32_t oi = (int32_t)st->i, oj = (int32_t)st->j0;
    for (int64_t j = 0; j < st->len; j += 8) {
        __m256i iv, jv, pv;
        eight_outputs(&oi, &oj, out_w, st->len - j, row_step, sw, &iv, &jv, &pv);
        const __m256i store = tn_avx2_first_lanes((int)tn_min64(8, st->len - j));
        float *to = out + j;
        for (int64_t r = 0; r < rows; r++, to += nr) {
            const __m256i load = tap_lanes(&taps[r], store, iv, jv);
            const __m256 v = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), address_at(image_b, taps[r].offset), pv,
                                                      _mm256_castsi256_ps(load), 4);
            tn_avx2_store_first(to, st->len - j, store, v);
        }
    }
}

/* A stretch along one output row (fill_stretch_fn), piece by piece of 8 columns: for each row, the
 * stretch's columns that see the image, by one masked load or gather per piece. */
static TN_AVX2 void fill_pieces(const tn_conv2d_shape *s, const conv_tap *taps, int64_t rows, const conv_stretch *st,
                                const float *image_b, int64_t nr, float *out)
{
    const int64_t sw = s->stride_w, row_step = s->stride_h * s->in_w;
    /* a gather's lane l reads l * sw numbers on (32-bit indices); past that, one number at a time */
    const int gathers = sw > 1 && sw <= INT32_MAX / 8;
    const __m256i lane_steps = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                                  _mm256_set1_epi32(gathers ? (int)sw : 1));
    const float *at_j0 = image_b + st->i * row_step + st->j0 * sw; /* + tap offset */
    for (int64_t r = 0; r < rows; r++, out += nr) {
        const conv_tap *tap = &taps[r];
        int64_t a, z; /* the stretch's columns [a, z) see the image; the others, padding */
        stretch_inside(tap, st, &a, &z);
        /* column j's number, for a <= j < z (an address only for the others) */
        const float *column0 = address_at(at_j0, tap->offset);
        for (int64_t j = 0; j < st->len; j += 8) {
            const __m256i store = tn_avx2_first_lanes((int)tn_min64(8, st->len - j));
            const __m256i load = lanes_between(a - j, z - j);
            __m256 v = _mm256_setzero_ps();
            if (_mm256_testz_si256(load, load))
                ; /* all padding */
            else if (sw == 1)
                v = _mm256_maskload_ps(address_at(column0, j), load);
            else if (gathers)
                v = _mm256_mask_i32gather_ps(v, address_at(column0, j * sw), lane_steps, _mm256_castsi256_ps(load), 4);
            else {
                float column[8] = {0};
                for (int64_t l = 0; l < 8; l++)
                    if (a - j <= l && l < z - j)
                        column[l] = column0[(j + l) * sw];
                v = _mm256_loadu_ps(column);
            }
            tn_avx2_store_first(out + j, st->len - j, store, v);
        }
    }
}

void sfill_col_panels_avx2(const tn_conv2d_shape *s, const float *x_group, int64_t k0, int64_t depth,
                           const conv_stretch *cut, int64_t stretches, int64_t nr, int64_t stride, float *panels)
{
    fill_by_stretches(s, x_group, k0, depth, cut, stretches, nr, stride, panels, fill_run, fill_gathered_run,
                      fill_pieces);
}

#endif
