/*
 * conv/panels.h -- what the panel convolution's C files share (panels.c has
 * the picture): which outputs of a kernel tap see the image (conv_tap), the
 * stretches a group's columns are cut into (conv_stretch), and the AVX-512
 * and AVX2 fills of B panels (panels_avx512.c, panels_avx2.c), the plain one's twins.
 */
#ifndef TN_CONV_PANELS_H
#define TN_CONV_PANELS_H

#include <stdint.h>

#include "tinynet.h"
#include "common/sizes.h"

/*
 * Which outputs read inside the image along one axis, for one tap: output t
 * reads input t*stride + offset (offset = tap - pad), inside when
 * 0 <= t*stride + offset < in_size.  Sets [*lo, *hi) to those t, clipped to
 * [0, out_size).
 */
static inline void inside_outputs(int64_t offset, int64_t stride, int64_t in_size, int64_t out_size,
                                  int64_t *lo, int64_t *hi)
{
    int64_t first = offset >= 0 ? 0 : tn_ceil_div(-offset, stride);
    int64_t end = in_size - offset <= 0 ? 0 : tn_ceil_div(in_size - offset, stride);
    *lo = first < out_size ? first : out_size;
    *hi = end < out_size ? end : out_size;
    if (*hi < *lo)
        *hi = *lo;
}

/* One im2col row k = (c, p, q) as the fills need it: where it reads (from an image's start, for output
 * pixel (0, 0), which may lie outside the image) and which outputs read inside the image. */
typedef struct {
    int64_t channel, offset;
    int64_t i_lo, i_hi, j_lo, j_hi;
} conv_tap;

static inline conv_tap tap_of(const tn_conv2d_shape *s, int64_t k)
{
    conv_tap tap;
    const int64_t taps = s->kernel_h * s->kernel_w, p = k % taps / s->kernel_w, q = k % s->kernel_w;
    tap.channel = k / taps;
    tap.offset = tap.channel * s->in_h * s->in_w + (p - s->pad_h) * s->in_w + (q - s->pad_w);
    inside_outputs(p - s->pad_h, s->stride_h, s->in_h, s->out_h, &tap.i_lo, &tap.i_hi);
    inside_outputs(q - s->pad_w, s->stride_w, s->in_w, s->out_w, &tap.j_lo, &tap.j_hi);
    return tap;
}

/* A stretch of a group's columns t .. t+len: outputs (i, j0 .. j0+len) of image b, all in one panel:
 * panel t / nr from its lane t % nr (kept, not divided again for every row of the panels).  When
 * stretches_run_on(s), a stretch starts at output (i, j0) and may go on into the next output rows (with
 * image_runs(s), its outputs u0 .. u0+len (u = i * out_w + j) read pixels u0 + tap offset .. on,
 * consecutive too). */
typedef struct {
    int64_t b, i, j0, len, t, panel, lane;
} conv_stretch;

/* The columns [*a, *z) of stretch st whose pixel for `tap` is inside the image (the others read the padding):
 * for the fills of stretches that do not run on across output rows. */
static inline void stretch_inside(const conv_tap *tap, const conv_stretch *st, int64_t *a, int64_t *z)
{
    *a = *z = 0;
    if (st->i >= tap->i_lo && st->i < tap->i_hi) {
        *a = tn_min64(st->len, tap->j_lo > st->j0 ? tap->j_lo - st->j0 : 0);
        *z = tn_min64(st->len, tap->j_hi > st->j0 ? tap->j_hi - st->j0 : 0);
        *z = *z < *a ? *a : *z;
    }
}

/* Whether stretches run on across output rows: stride 1 and out_w == in_w (so output u = (i, j) reads
 * pixel u + (p - pad_h) * in_w + (q - pad_w) for tap (p, q): ResNet's 3x3 convolutions with padding 1),
 * and an image's outputs counted in 32 bits (the AVX-512 fill's masks compare i and j as such). */
static inline int image_runs(const tn_conv2d_shape *s)
{
    return s->stride_h == 1 && s->stride_w == 1 && s->out_w == s->in_w && s->out_h * s->out_w <= INT32_MAX;
}

/* Whether stretches run on across output rows read through gathers instead: stride_w past 1 (ResNet's
 * stage entries, 3x3 and 1x1 with stride 2, whose output rows of 14, 7 and 4 columns were as many short
 * stretches, each filled with its own gather), output (i, j) reading pixel i * stride_h * in_w +
 * j * stride_w + the tap's offset, and those pixel numbers and the outputs counted in 32 bits (the
 * gathers' indices, the masks' comparisons). */
static inline int strided_runs(const tn_conv2d_shape *s)
{
    if (s->stride_w == 1) /* (output rows read consecutive pixels: one load each, no gather) */
        return 0;
    if (s->out_h * s->out_w > INT32_MAX || s->stride_h > INT32_MAX || s->stride_w > INT32_MAX || s->in_w < 1)
        return 0;
    if (s->out_h * s->stride_h > INT32_MAX / s->in_w)
        return 0;
    return s->out_w * s->stride_w <= INT32_MAX - s->out_h * s->stride_h * s->in_w;
}

/* Whether a group's stretches run on across output rows (and images' ends): image_runs or strided_runs. */
static inline int stretches_run_on(const tn_conv2d_shape *s) { return image_runs(s) || strided_runs(s); }

/* first + offset numbers, as an address only, for the SIMD fills: it may lie outside the image, where their
 * masks let nothing be read (computed on integers, since C defines pointer arithmetic inside an array only). */
static inline const float *address_at(const float *first, int64_t offset)
{
    return (const float *)((intptr_t)first + (intptr_t)offset * (intptr_t)sizeof(float));
}

/* One stretch's rows in a SIMD fill: rows `rows` (im2col rows of the taps `taps`) of stretch st of image
 * image_b, row r at out + r * nr.  panels_avx512.c and panels_avx2.c each have three: for stretches that
 * run on across output rows (image_runs: one masked load per vector; strided_runs: a gather), and piece
 * by piece along one output row. */
typedef void fill_stretch_fn(const tn_conv2d_shape *s, const conv_tap *taps, int64_t rows, const conv_stretch *st,
                             const float *image_b, int64_t nr, float *out);

/* A SIMD fill's loops: rows a batch of TAPS_AT_ONCE at a time, stretches outside, rows inside, so that a
 * stretch's numbers (its outputs' rows and columns, pixels, masks) are worked out once per batch and its
 * rows are written one after the other, nr numbers apart. */
static inline void fill_by_stretches(const tn_conv2d_shape *s, const float *x_group, int64_t k0, int64_t depth,
                                     const conv_stretch *cut, int64_t stretches, int64_t nr, int64_t stride,
                                     float *panels, fill_stretch_fn *run, fill_stretch_fn *gathered_run,
                                     fill_stretch_fn *pieces)
{
    enum { TAPS_AT_ONCE = 64 };
    conv_tap taps[TAPS_AT_ONCE];
    const int64_t image = s->in_channels * s->in_h * s->in_w;
    fill_stretch_fn *fill = image_runs(s) ? run : strided_runs(s) ? gathered_run : pieces;
    for (int64_t r0 = 0; r0 < depth; r0 += TAPS_AT_ONCE) {
        const int64_t rows = tn_min64(TAPS_AT_ONCE, depth - r0);
        for (int64_t r = 0; r < rows; r++)
            taps[r] = tap_of(s, k0 + r0 + r);
        for (int64_t e = 0; e < stretches; e++)
            fill(s, taps, rows, &cut[e], x_group + cut[e].b * image, nr,
                 panels + cut[e].panel * stride + r0 * nr + cut[e].lane);
    }
}

/*
 * im2col rows k0 .. k0+depth of a group into B panels of nr columns, `stride`
 * numbers apart (panels.inc's fill_col_panels, which states the math), with
 * AVX-512 masked loads: one load and one store per 16 columns of a stretch,
 * padding zeroed by the load's mask.  Only for float, on a CPU with AVX-512F.
 */
void sfill_col_panels_avx512(const tn_conv2d_shape *s, const float *x_group, int64_t k0, int64_t depth,
                             const conv_stretch *cut, int64_t stretches, int64_t nr, int64_t stride, float *panels);
/* col2im's adds of one row of dcol for a stride of 2, with AVX-512 expanding loads and masked stores
 * (panels.inc's col2im_rows: the same adds in the same order). */
void scol2im_row_stride2_avx512(const tn_conv2d_shape *s, const conv_tap *tap, const float *row, int64_t images,
                                float *dx_group);
/* The same with AVX2 masked loads and gathers, 8 columns at a time (panels_avx2.c): on a CPU with AVX2. */
void sfill_col_panels_avx2(const tn_conv2d_shape *s, const float *x_group, int64_t k0, int64_t depth,
                           const conv_stretch *cut, int64_t stretches, int64_t nr, int64_t stride, float *panels);

#endif
