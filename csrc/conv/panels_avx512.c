/*
 * conv/panels_avx512.c -- the panel convolution's im2col fill with AVX-512F
 * (float): the twin of panels.inc's fill_col_panels, which the tests run at
 * the lower SIMD levels and compare with the same reference.
 *
 * A stretch of a panel row is `len` consecutive columns j = 0 .. len-1; the
 * columns [a, z) read the image at first + (j - a) * stride_w, the others
 * are zero (padding).  Sixteen columns at a time, that is one masked load
 * (stride 1) or masked gather (a larger stride) whose mask holds exactly the
 * lanes of [a, z) -- the masked-off lanes read nothing and come out zero --
 * and one masked store of the lanes the stretch has.  The plain fill spends
 * a loop, and for short image rows (ResNet's 28, 14, 7, 4 pixels) mostly
 * its overhead, on each of those pieces.  When the stretches run on across
 * output rows (image_runs), a masked load's mask comes from comparing the
 * outputs' rows and columns with the tap's ranges (fill_run).  And col2im's
 * strided adds for a stride of 2 (scol2im_row_stride2_avx512).
 */
#include <stdint.h>

#include "common/simd.h"
#include "conv/panels.h"

#if TN_X86

/* Lanes [lo, hi) of 16 (either end may lie outside 0 .. 16). */
static TN_AVX512 TN_ALWAYS_INLINE __mmask16 lanes_between(int64_t lo, int64_t hi)
{
    lo = lo < 0 ? 0 : lo > 16 ? 16 : lo;
    hi = hi < 0 ? 0 : hi > 16 ? 16 : hi;
    return (__mmask16)(tn_avx512_first_lanes((int)hi) & ~tn_avx512_first_lanes((int)lo));
}

/* The lanes of `store` whose output (i, j) -- iv, jv -- lies inside the tap's ranges i_lo <= i < i_hi and
 * j_lo <= j < j_hi: the outputs whose pixel for this tap is inside the image, the rest stay 0. */
static TN_AVX512 TN_ALWAYS_INLINE __mmask16 tap_lanes(const conv_tap *tap, __mmask16 store, __m512i iv, __m512i jv)
{
    __mmask16 load = _mm512_mask_cmpge_epi32_mask(store, iv, _mm512_set1_epi32((int32_t)tap->i_lo));
    load = _mm512_mask_cmplt_epi32_mask(load, iv, _mm512_set1_epi32((int32_t)tap->i_hi));
    load = _mm512_mask_cmpge_epi32_mask(load, jv, _mm512_set1_epi32((int32_t)tap->j_lo));
    return _mm512_mask_cmplt_epi32_mask(load, jv, _mm512_set1_epi32((int32_t)tap->j_hi));
}

/* A stretch that runs on across output rows (image_runs(s)): rows `rows` of the batch `taps`, row r at
 * out + r * nr.  Output u = (i, j) of the stretch reads pixel u + the tap's offset of image_b when i and
 * j are inside the tap's ranges: 16 outputs at a time, their i and j worked out once for all the rows
 * and compared with each tap's ranges for the load's mask. */
static TN_AVX512 void fill_run(const tn_conv2d_shape *s, const conv_tap *taps, int64_t rows, const conv_stretch *st,
                             const float *image_b, int64_t nr, float *out)
{
    const int64_t out_w = s->out_w;
    int32_t oi = (int32_t)st->i, oj = (int32_t)st->j0;
    const float *first = address_at(image_b, st->i * out_w + st->j0); /* + tap offset (in_w == out_w) */
    for (int64_t j = 0; j < st->len; j += 16) {
        int32_t is[16], js[16];
        for (int l = 0; l < 16; l++) {
            is[l] = oi;
            js[l] = oj;
            if (++oj == out_w) {
                oj = 0;
                oi++;
            }
        }
        const __m512i iv = _mm512_loadu_si512(is), jv = _mm512_loadu_si512(js);
        const __mmask16 store = tn_avx512_first_lanes((int)tn_min64(16, st->len - j));
        float *to = out + j;
        for (int64_t r = 0; r < rows; r++, to += nr) {
            const conv_tap *tap = &taps[r];
            const __mmask16 load = tap_lanes(tap, store, iv, jv);
            _mm512_mask_storeu_ps(to, store, _mm512_maskz_loadu_ps(load, address_at(first, tap->offset + j)));
        }
    }
}

/* fill_run's twin for strided_runs(s): output u = (i, j) of the stretch reads pixel i * row_step + j * sw
 * + the tap's offset of image_b, so the 16 outputs' pixels are gathered, their numbers (relative to the
 * tap's offset) worked out once for all the rows. */
static TN_AVX512 void fill_gathered_run(const tn_conv2d_shape *s, const conv_tap *taps, int64_t rows,
                                      const conv_stretch *st, const float *image_b, int64_t nr, float *out)
{
    const int64_t out_w = s->out_w, row_step = s->stride_h * s->in_w, sw = s->stride_w;
    int32_t oi = (int32_t)st->i, oj = (int32_t)st->j0;
    for (int64_t j = 0; j < st->len; j += 16) {
        int32_t is[16], js[16], pixel[16];
        for (int l = 0; l < 16; l++) {
            is[l] = oi;
            js[l] = oj;
            /* < 2^31 by strided_runs(s); lanes past the stretch are never read */
            pixel[l] = l < st->len - j ? (int32_t)(oi * row_step + oj * sw) : 0;
            if (++oj == out_w) {
                oj = 0;
                oi++;
            }
        }
        const __m512i iv = _mm512_loadu_si512(is), jv = _mm512_loadu_si512(js), pv = _mm512_loadu_si512(pixel);
        const __mmask16 store = tn_avx512_first_lanes((int)tn_min64(16, st->len - j));
        float *to = out + j;
        for (int64_t r = 0; r < rows; r++, to += nr) {
            const conv_tap *tap = &taps[r];
            const __mmask16 load = tap_lanes(tap, store, iv, jv);
            const __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), load, pv,
                                                      address_at(image_b, tap->offset), 4);
            _mm512_mask_storeu_ps(to, store, v);
        }
    }
}

/* A stretch along one output row (fill_stretch_fn), piece by piece of 16 columns: for each row, the
 * stretch's columns that see the image, by one masked load or gather per piece. */
static TN_AVX512 void fill_pieces(const tn_conv2d_shape *s, const conv_tap *taps, int64_t rows, const conv_stretch *st,
                                  const float *image_b, int64_t nr, float *out)
{
    const int64_t sw = s->stride_w, row_step = s->stride_h * s->in_w;
    /* a gather's lane l reads l * sw numbers on (32-bit indices); past that, one number at a time */
    const int gathers = sw > 1 && sw <= INT32_MAX / 16;
    const __m512i lane_steps = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                  _mm512_set1_epi32(gathers ? (int)sw : 1));
    const __m512 zero = _mm512_setzero_ps();
    const float *at_j0 = image_b + st->i * row_step + st->j0 * sw; /* + tap offset */
    for (int64_t r = 0; r < rows; r++, out += nr) {
        const conv_tap *tap = &taps[r];
        int64_t a, z; /* the stretch's columns [a, z) see the image; the others, padding */
        stretch_inside(tap, st, &a, &z);
        /* column j's number, for a <= j < z (an address only for the others) */
        const float *column0 = address_at(at_j0, tap->offset);
        for (int64_t j = 0; j < st->len; j += 16) {
            const __mmask16 store = tn_avx512_first_lanes((int)tn_min64(16, st->len - j));
            const __mmask16 load = lanes_between(a - j, z - j);
            __m512 v = zero;
            if (load == 0)
                ; /* all padding */
            else if (sw == 1)
                v = _mm512_maskz_loadu_ps(load, address_at(column0, j));
            else if (gathers)
                v = _mm512_mask_i32gather_ps(zero, load, lane_steps, address_at(column0, j * sw), 4);
            else {
                float column[16] = {0};
                for (int64_t l = 0; l < 16; l++)
                    if (load >> l & 1)
                        column[l] = column0[(j + l) * sw];
                v = _mm512_loadu_ps(column);
            }
            _mm512_mask_storeu_ps(out + j, store, v);
        }
    }
}

/* col2im's adds of one row of dcol (one tap, `tap`) for a stride of 2 (panels.inc's col2im_rows states
 * them): for each image and output row, to[2 j] += from[j] over the tap's columns, 8 numbers at a time:
 * an expanding load puts from's next 8 numbers into the even lanes, and the load, the add and the store
 * touch those lanes of `to` only (its odd numbers belong to other taps, perhaps to another thread's
 * image).  The plain loop's strided adds ran ResNet's 64 -> 128 stride-2 dL/dx at 28x28 with a third
 * of its time in col2im. */
TN_AVX512 void scol2im_row_stride2_avx512(const tn_conv2d_shape *s, const conv_tap *tap, const float *row,
                                          int64_t images, float *dx_group)
{
    const int64_t image = s->in_channels * s->in_h * s->in_w, row_step = s->stride_h * s->in_w;
    const int64_t P = s->out_h * s->out_w, ow = s->out_w, n = tap->j_hi - tap->j_lo;
    for (int64_t b = 0; b < images; b++)
        for (int64_t i = tap->i_lo; i < tap->i_hi; i++) {
            const float *from = row + b * P + i * ow + tap->j_lo;
            float *to = dx_group + b * image + tap->offset + i * row_step + tap->j_lo * 2;
            for (int64_t j = 0; j < n; j += 8) {
                const int count = (int)tn_min64(8, n - j);
                const __mmask16 even = (__mmask16)(0x5555 & tn_avx512_first_lanes(2 * count - 1));
                const __m512 add = _mm512_maskz_expandloadu_ps(even, from + j);
                const __m512 sum = _mm512_add_ps(_mm512_maskz_loadu_ps(even, to + 2 * j), add);
                _mm512_mask_storeu_ps(to + 2 * j, even, sum);
            }
        }
}

void sfill_col_panels_avx512(const tn_conv2d_shape *s, const float *x_group, int64_t k0, int64_t depth,
                             const conv_stretch *cut, int64_t stretches, int64_t nr, int64_t stride, float *panels)
{
    fill_by_stretches(s, x_group, k0, depth, cut, stretches, nr, stride, panels, fill_run, fill_gathered_run,
                      fill_pieces);
}

#endif
