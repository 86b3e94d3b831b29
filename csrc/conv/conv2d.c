/*
 * conv/conv2d.c -- 2-D convolution (NCHW): the tn_*conv2d_forward/backward
 * functions of tinynet.h (and their reference twins), and the one place that
 * decides, per call and per pass, which algorithm computes it (each one on its
 * own, for the tests: alone.c):
 *
 *   panels         (panels.c)            32 or more output channels (ResNet's
 *                                        64 to 512), padding past kernel - 1;
 *                                        float and double
 *   winograd       (winograd.c)          of those, float32 3x3 stride-1 forward
 *                                        passes and dL/dx with 64 or more
 *                                        channels in and out (ResNet's 28x28,
 *                                        14x14 and 7x7 stages; without AVX-512
 *                                        its 4x4 too)
 *   positions      (positions.c)         of the rest, float32 forward passes, dL/dW
 *                                        (and stride-1 dL/dx) of small images,
 *                                        where a quarter or more of im2col's
 *                                        multiply-adds would read the padding
 *                                        (dL/dW, and every pass below AVX-512:
 *                                        15 % or more; ResNet's 7x7 and 4x4)
 *   taps           (taps.c)              of the rest, float32 stride-1 forward
 *                                        passes and dL/dx (ResNet's 28x28 and,
 *                                        without AVX-512, its 14x14, before
 *                                        Winograd took them)
 *   rows           (rows.c)              float32 on a CPU with AVX2, stride 1,
 *                                        images 12 or more pixels wide, up to
 *                                        16 channels
 *   direct         (direct_forward.c,    float32 on a CPU with AVX2, stride 1,
 *                   direct_backward.c)   small images, 4 to 32 channels
 *   im2col + GEMM  (im2col.c)            everything else
 *
 * The math and the picture of im2col are in im2col.c, the rows' in rows.h, the
 * direct picture in direct.h, the panels' in panels.c.  The direct path exists because for
 * small images im2col costs as much as the multiply: at 7x7 with 16 channels
 * it copies every input pixel nine times into a matrix four times the size
 * of the image, and the backward pass writes and reads that much again.
 * With many channels the multiply dominates again and wants the GEMM's
 * micro-kernel; the panel path feeds it without an im2col matrix and shares
 * one packing of the weights among all the images of a call.
 *
 * The plain loops the tests compare every path with (tn_sconv2d_forward_ref
 * and its twins) are reference.inc, instantiated at the end of this file.
 */
#include <stddef.h>
#include <string.h>

#include "tinynet.h"
#include "common/simd.h"
#include "common/threads.h"
#include "conv/conv.h"
#include "conv/rows.h"

/* Forward passes of images with more output pixels than this go through im2col; so do gradients of
 * images past DIRECT_MAX_GRAD_PIXELS, and weight gradients past DIRECT_MAX_PIXELS from fewer than
 * DIRECT_MIN_GRAD_CHANNELS input channels.  Measured on the 6-conv CNN's layers (batch 1024): at 28x28
 * with 4 channels the direct backward took 18.7 ms against im2col's 25.5 on one thread (CIFAR-sized 32x32
 * with 16 channels: 7.3 against 8.7), but the direct forward 8.7 against 8.0, and the weight gradient
 * of the 1-channel first layer 5.5 against 4.9. */
#define DIRECT_MAX_PIXELS 256
#define DIRECT_MAX_GRAD_PIXELS 1024
#define DIRECT_MIN_GRAD_CHANNELS 4
/* So do convolutions with more channels than this (in the tiles' vectors): ResNet's 64 to 512 run near
 * the core's peak in the GEMM, whose AVX-512 micro-tile is 14 x 32, against the direct tile's 6 x 16. */
#define DIRECT_MAX_CHANNELS 32

/* Convolutions with at least this many output channels (the GEMM's m) go through the panels. */
#define PANELS_MIN_CHANNELS 32

enum conv_pass { CONV_FORWARD, CONV_WEIGHT_GRAD, CONV_INPUT_GRAD };

/* The row convolution takes images whose rows fill most of its 16-pixel pieces (the outputs' rows;
 * for dL/dx, the inputs'), with few channels: each channel costs a broadcast and a register.  Measured
 * on one thread against the paths below (AVX-512 Xeon, batch 1024 unless said): 4 -> 4 at 28x28
 * forward 2.8 ms against 7.2, dL/dx 2.7 against 7.9, dL/dW 4.0 against 9.9; 16 -> 16 at 28x28 (batch
 * 256) forward 6.9 against 10.2, dL/dx 6.9 against 10.3.  Its dL/dW reloads the image for every block
 * of 4 output channels: from 16 of them it lost (11.7 ms against 11.0), at 8 it was level.  The AVX2
 * tiles (16 registers: 4 output channels a forward tile, 2 a dL/dW tile) win on fewer channels: on the
 * same machine at the AVX2 level, 4 -> 4 at 28x28 forward 3.6 ms against 6.8, dL/dx 3.6 against 7.7,
 * dL/dW 5.1 against 9.1, but 8 -> 8 at 14x14 dL/dW 4.8 against 3.8 and 16 -> 16 at 28x28 dL/dx 11.1
 * against 10.0. */
#define ROWS_MIN_WIDTH 12
#define ROWS_MAX_CHANNELS 16
#define ROWS_MAX_GRAD_CHANNELS 8      /* output channels, for dL/dW (AVX-512) */
#define ROWS_MAX_GRAD_CHANNELS_AVX2 6 /* output channels, for dL/dW (AVX2) */
#define ROWS_MAX_DX_CHANNELS_AVX2 8   /* input and output channels, for dL/dx (AVX2) */

static int rows_serve(const tn_conv2d_shape *s, enum conv_pass pass)
{
    const int simd = tn_get_simd_level();
    if (simd < TN_SIMD_AVX2 || !input_grad_is_forward(s) || s->batch < 1)
        return 0;
    if (s->in_channels > ROWS_MAX_CHANNELS || s->out_channels > ROWS_MAX_CHANNELS)
        return 0;
    const int avx512 = simd >= TN_SIMD_AVX512;
    switch (pass) {
    case CONV_FORWARD:
        return s->out_w >= ROWS_MIN_WIDTH;
    case CONV_WEIGHT_GRAD:
        return s->out_w >= ROWS_MIN_WIDTH && s->kernel_w <= ROWS_MAX_KERNEL_W &&
               s->out_channels <= (avx512 ? ROWS_MAX_GRAD_CHANNELS : ROWS_MAX_GRAD_CHANNELS_AVX2);
    case CONV_INPUT_GRAD:
        return s->in_w >= ROWS_MIN_WIDTH && (avx512 || (s->in_channels <= ROWS_MAX_DX_CHANNELS_AVX2 &&
                                                        s->out_channels <= ROWS_MAX_DX_CHANNELS_AVX2));
    }
    return 0;
}

/* 1 when the panel path computes this convolution: enough output channels to fill the GEMM's
 * micro-tiles, and a batch of at least one image per thread (its threads take whole images).
 * Also every convolution padded past kernel - 1, where some outputs see nothing but zeros: the
 * other paths copy each image into a zero border of that padding (stride = padding = 100000 on a
 * 5x5 image would be 200005 x 200005 pixels for a 3x3 output), the panels clip each tap to the
 * image and need scratch in proportion to the output only. */
static int panels_serve(const tn_conv2d_shape *s)
{
    if (s->pad_h >= s->kernel_h || s->pad_w >= s->kernel_w)
        return 1;
    return s->out_channels >= PANELS_MIN_CHANNELS && s->batch >= tn_get_num_threads();
}

/* The convolution by output positions (positions.c) computes, of what the panels serve, the float32
 * forward passes and weight gradients whose taps read the padding in a quarter or more of im2col's
 * multiply-adds, with a batch to fill its B panels (the images are its columns, nr at a time: 16 images
 * half-fill AVX-512's 32).  ResNet-10's 4x4 stage (3x3 kernel, padding 1: 31 % of the multiply-adds
 * read the padding, which positions.c leaves out), batch 64, one thread on an AVX-512 Xeon: 512 -> 512
 * forward 24.3 ms against the panels' 30.8, dL/dW 29.1 against 35.5; the stride-2 entry 256 -> 512
 * from 7x7 forward 13.0 against 15.6, dL/dW 15.0 against 19.8.  At 7x7 (18 %) 256 -> 256 drew level
 * forward (22.7 against 23.9) and lost dL/dW (33.4 against 31.8), and the stride-2 entry 128 -> 256
 * from 14x14 lost (14.5 against 12.9).  dL/dx of a stride-1 convolution is such a forward pass (of dL/dy
 * by the turned kernel), with the same share of padding. */
#define POSITIONS_MAX_PADDING_SHARE 0.25
/* Below AVX-512 the panels' fill (AVX2: 8 columns a vector, not 16) and micro-kernel cost more for each
 * multiply-add, and positions.c wins from 15 % of padding: at the AVX2 level on the same machine, 256 ->
 * 256 at 7x7 (18 %) forward 46.1-47.8 ms against the panels' 55.0-63.2 (and taps.c's 64.6-69.9), dL/dW
 * 54.8-62.0 against 66.9-67.2, dL/dx 49.2-49.4; but the stride-2 entry 128 -> 256 from 14x14 (9 %) stays
 * with the panels (forward 27.3-30.8 against 28.3-33.1, dL/dW 32.5-36.3 against 35.1-38.7). */
#define POSITIONS_MAX_PADDING_SHARE_AVX2 0.15
/* Its dL/dW runs the packed micro-kernel since 2026-12-01 (before, it read dL/dy's rows in place), and
 * then won from 15 % of padding with AVX-512 too: batch 64, one process, the paths taking turns, best
 * of 8 calls, 256 -> 256 at 7x7 (18 %) one thread 28.2 ms against the panels' 33.6, two threads 17.0
 * against 19.7; at 9 % (the stride-2 entry 128 -> 256 from 14x14: 15.4 against 17.7, two threads 10.7
 * against 10.6) and at 14x14 (128 -> 128, 9 %: 33.4 against 24.3) it did not. */
#define POSITIONS_MAX_PADDING_SHARE_WEIGHT_GRAD 0.15
#define POSITIONS_MIN_BATCH 16
/* ... and images of at most this many pixels, in and out (its scratch holds a copy of the whole input
 * and of the whole output: a 2000 x 2000 image read at a few strided taps would be copied whole). */
#define POSITIONS_MAX_PIXELS 256

static int small_image(int64_t h, int64_t w)
{
    return h >= 1 && w >= 1 && h <= POSITIONS_MAX_PIXELS && w <= POSITIONS_MAX_PIXELS && h * w <= POSITIONS_MAX_PIXELS;
}

/* (A padding share of at least the MAX_PADDING_SHARE named: the names give the largest share that
 * stays with the panels.) */
static int positions_serve(const tn_conv2d_shape *s, enum conv_pass pass)
{
    if (s->batch < POSITIONS_MIN_BATCH || !small_image(s->out_h, s->out_w) || !small_image(s->in_h, s->in_w))
        return 0;
    if (pass == CONV_WEIGHT_GRAD)
        return sconv_positions_share(s) <= 1 - POSITIONS_MAX_PADDING_SHARE_WEIGHT_GRAD;
    if (tn_get_simd_level() >= TN_SIMD_AVX512)
        return sconv_positions_share(s) <= 1 - POSITIONS_MAX_PADDING_SHARE;
    return sconv_positions_share(s) <= 1 - POSITIONS_MAX_PADDING_SHARE_AVX2;
}

/* The convolution one kernel tap at a time (taps.c) computes, of what the panels serve, the float32
 * stride-1 forward passes (and so the dL/dx, a forward pass of dL/dy) with padding <= kernel - 1 whose
 * images fill its panels of nr outputs and whose k per kernel row (channels x kernel width) fills a
 * micro-kernel call.  It leaves out the im2col fill: kw shifted copies of each image instead of kh*kw.
 * Batch 64, one thread, best of 5 calls, against the panels: on an AVX-512 Xeon, 64 -> 64 at 28x28
 * forward 26.3-27.7 ms against 28.5-28.7, dL/dx 26.3-28.0 against 29.0-29.3, 32 -> 32 at 32x32 9.6
 * against 10.7; level at 128 -> 128 14x14 (26.3 against 26.2) and 64 -> 64 56x56 (batch 16: copies
 * of 2.5 MB, past L2), far behind at 256 -> 256 7x7 (35 against 26: 49 outputs in panels of 32) and
 * 3 -> 64 (k 9: 5.2 against 3.4).  Below AVX-512 it wins wherever the shape lets it: at the AVX2 level
 * (same machine, the panels filling with AVX2) 64 -> 64 28x28 forward 51.5-60.6 ms against 55.9-63.8,
 * dL/dx 53.5-61.0 against 56.1-74.2, 128 -> 128 14x14 forward 52.0-62.0 against 52.8-65.4, 32 -> 32
 * 32x32 18.6-19.9 against 21.3-21.6; in plain C, 28x28 forward 176-179 against 240-259.  Except with a
 * k per kernel row of a few numbers (ResNet's stem, 1 channel: forward 2.6-3.5 ms against the panels'
 * 1.5-2.1, 3 channels at 32x32 6.5-6.7 against 3.9-4.0; 8 channels, k 24: 3.7-4.0 against 4.1-4.5). */
#define TAPS_MIN_PIXELS 256        /* output pixels, with AVX-512 */
#define TAPS_MIN_ROW_DEPTH 64      /* channels x kernel width, with AVX-512 */
#define TAPS_MIN_ROW_DEPTH_AVX2 16 /* ... below it */
#define TAPS_MAX_COPIES_AVX512 (2 * 1024 * 1024) /* bytes of shifted copies per thread, with AVX-512 */

static int taps_serve(const tn_conv2d_shape *s)
{
    const double copies = sconv_taps_copies(s); /* (-1: not a shape it takes, or copies past its limit) */
    if (copies < 0)
        return 0;
    if (tn_get_simd_level() < TN_SIMD_AVX512)
        return s->in_channels * s->kernel_w >= TAPS_MIN_ROW_DEPTH_AVX2;
    return copies <= TAPS_MAX_COPIES_AVX512 && s->out_h * s->out_w >= TAPS_MIN_PIXELS &&
           s->in_channels * s->kernel_w >= TAPS_MIN_ROW_DEPTH;
}

/* Winograd's F(2x2, 3x3) (winograd.c) computes, of what the panels serve, the float32 3x3 stride-1
 * forward passes (and so the dL/dx, a forward pass of dL/dy) with 64 or more channels in and out, on
 * images of 36 to 1024 output pixels with AVX-512 and 16 to 1024 below it: 16 products for every 4
 * outputs and channel pair instead of 36, plus transforms whose cost grows with C + C_out, not
 * C x C_out.  Batch 64, one thread, against what the dispatcher chose before (processes taking turns, the
 * best of 5 calls in each of 5-6 rounds, best round; AVX-512 Xeon), forward / dL/dx: 64 -> 64 at 28x28
 * 1.15 / 1.14 times as fast, 128 at 14x14 1.41 / 1.37, 256 at 7x7 1.32 / 1.26; at the AVX2 level (same
 * machine) 1.39 / 1.40, 1.68 / 1.65, 1.26 / 1.23, and 512 at 4x4 1.18 / 1.12; in plain C (batch 16, one
 * process, the two taking turns, two runs) 1.75-1.85, 1.92-2.01, 1.22-1.33 and 1.09-1.56 -- but with
 * AVX-512 the 4x4 stage lost (0.83-0.90 in single runs: positions.c leaves out the padding there),
 * 64 -> 64 at 14x14 was level and 32 -> 64 at 7x7 lost (0.66; single runs of an earlier version of the
 * transforms). */
#define WINOGRAD_MIN_CHANNELS 64
#define WINOGRAD_MIN_PIXELS 36                /* output pixels, with AVX-512 */
#define WINOGRAD_MIN_PIXELS_BELOW_AVX512 16   /* ... with AVX2 or in plain C */
#define WINOGRAD_MAX_PIXELS 1024

static int winograd_serves(const tn_conv2d_shape *s)
{
    if (!sconv_winograd_fits(s))
        return 0;
    if (s->in_channels < WINOGRAD_MIN_CHANNELS || s->out_channels < WINOGRAD_MIN_CHANNELS)
        return 0;
    const int64_t pixels = s->out_h * s->out_w;
    return pixels <= WINOGRAD_MAX_PIXELS &&
           pixels >= (tn_get_simd_level() >= TN_SIMD_AVX512 ? WINOGRAD_MIN_PIXELS : WINOGRAD_MIN_PIXELS_BELOW_AVX512);
}

/* Enough channels to fill at least half of their blocks (the zeros past the
 * last channel cost multiply-adds; below half, im2col + GEMM was faster)?
 * With blocks of 8 below 16 channels and of 16 from there (direct.h), that
 * is every count from 4 up: 4-8 in one block of 8, 9-15 in two, 17-32 in
 * two of 16. */
static int channels_fit(int64_t channels) { return channels >= 4 && channels <= DIRECT_MAX_CHANNELS; }

/* 1 when the direct convolution computes this pass of this float32
 * convolution, 0 when im2col + GEMM does. */
static int direct_serves(const tn_conv2d_shape *s, enum conv_pass pass)
{
    if (tn_get_simd_level() < TN_SIMD_AVX2)
        return 0;
    if (s->stride_h != 1 || s->stride_w != 1 || s->batch < 1)
        return 0;
    const int wide_grad = pass == CONV_INPUT_GRAD ||
                          (pass == CONV_WEIGHT_GRAD && s->in_channels >= DIRECT_MIN_GRAD_CHANNELS);
    if (s->out_h * s->out_w > (wide_grad ? DIRECT_MAX_GRAD_PIXELS : DIRECT_MAX_PIXELS))
        return 0;
    switch (pass) {
    case CONV_FORWARD:
    case CONV_WEIGHT_GRAD:
        return channels_fit(s->out_channels);
    case CONV_INPUT_GRAD:
        /* dx as a convolution of dL/dy needs padding <= kernel - 1.  It runs
         * every tap over every input pixel, where im2col + GEMM runs them
         * over the output pixels only: when the convolution shrinks the
         * image (LeNet's 12x12 -> 8x8, 2.25 times fewer) the zeros around
         * dL/dy cost more than col2im does. */
        return channels_fit(s->in_channels) && input_grad_is_forward(s) &&
               s->in_h * s->in_w <= DIRECT_MAX_GRAD_PIXELS && 2 * s->in_h * s->in_w <= 3 * s->out_h * s->out_w;
    }
    return 0;
}

/* ---- the public functions (tinynet.h) ------------------------------------------ */

int tn_sconv2d_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y)
{
    if (panels_serve(s)) {
        if (winograd_serves(s)) {
            const int err = sconv_winograd_forward(s, x, w, bias, y);
            if (err != TN_ERR_UNSUPPORTED) /* (an output not finite: computed again below, exactly) */
                return err;
        }
        if (positions_serve(s, CONV_FORWARD))
            return sconv_positions_forward(s, x, w, bias, y);
        return taps_serve(s) ? sconv_taps_forward(s, x, w, bias, y) : sconv_panels_forward(s, x, w, bias, y);
    }
    if (rows_serve(s, CONV_FORWARD))
        return sconv_rows_forward(s, x, w, bias, y, tn_get_simd_level()); /* (rows_serve checked it) */
    if (direct_serves(s, CONV_FORWARD))
        return sconv_direct_forward(s, x, w, bias, y, tn_get_simd_level()); /* (direct_serves checked it) */
    return sconv_im2col_forward(s, x, w, bias, y);
}

int tn_dconv2d_forward(const tn_conv2d_shape *s, const double *x, const double *w, const double *bias, double *y)
{
    if (panels_serve(s))
        return dconv_panels_forward(s, x, w, bias, y);
    return dconv_im2col_forward(s, x, w, bias, y); /* the direct tiles are float32 only */
}

int tn_sconv2d_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                        float *dx, float *dw, float *db)
{
    if (panels_serve(s)) {
        if ((dw || db) && positions_serve(s, CONV_WEIGHT_GRAD)) {
            int err = sconv_positions_weight_grad(s, x, dy, dw, db);
            if (err)
                return err;
            dw = db = NULL; /* done: what is left is dx */
            if (!dx)
                return 0;
        }
        if (dx && input_grad_is_forward(s)) {
            const tn_conv2d_shape t = input_grad_as_forward(s);
            int err = TN_ERR_UNSUPPORTED; /* (an output not finite: computed again below, exactly) */
            if (winograd_serves(&t))
                err = sconv_winograd_input_grad(&t, w, dy, dx);
            if (err == TN_ERR_UNSUPPORTED && positions_serve(&t, CONV_FORWARD)) /* (dL/dx: a forward pass) */
                err = sconv_positions_input_grad(&t, w, dy, dx);
            else if (err == TN_ERR_UNSUPPORTED && taps_serve(&t))
                err = sconv_taps_input_grad(&t, w, dy, dx);
            if (err != TN_ERR_UNSUPPORTED) {
                if (err)
                    return err;
                dx = NULL; /* done: the panels compute dW and db, if still asked */
                if (!dw && !db)
                    return 0;
            }
        }
        return sconv_panels_backward(s, x, w, dy, dx, dw, db);
    }
    /* Each pass goes its own way: LeNet-5's second convolution, for one,
     * gets dW and db from the direct path and dx from im2col + GEMM.  Each
     * path below computes the passes it serves and leaves the rest (NULL
     * once done) to the next. */
    const int rows_dx = dx && rows_serve(s, CONV_INPUT_GRAD);
    const int rows_dw = (dw || db) && rows_serve(s, CONV_WEIGHT_GRAD);
    if (rows_dx || rows_dw) {
        int err = sconv_rows_backward(s, x, w, dy, rows_dx ? dx : NULL, rows_dw ? dw : NULL, rows_dw ? db : NULL,
                                      tn_get_simd_level());
        if (err)
            return err;
        dx = rows_dx ? NULL : dx;
        dw = rows_dw ? NULL : dw;
        db = rows_dw ? NULL : db;
    }
    const int direct_dx = dx && direct_serves(s, CONV_INPUT_GRAD);
    const int direct_dw = (dw || db) && direct_serves(s, CONV_WEIGHT_GRAD);
    if (direct_dx || direct_dw) {
        int err = sconv_direct_backward(s, x, w, dy, direct_dx ? dx : NULL, direct_dw ? dw : NULL,
                                        direct_dw ? db : NULL, tn_get_simd_level());
        if (err)
            return err;
        dx = direct_dx ? NULL : dx;
        dw = direct_dw ? NULL : dw;
        db = direct_dw ? NULL : db;
    }
    if (!dx && !dw && !db)
        return 0;
    return sconv_im2col_backward(s, x, w, dy, dx, dw, db);
}

int tn_dconv2d_backward(const tn_conv2d_shape *s, const double *x, const double *w, const double *dy,
                        double *dx, double *dw, double *db)
{
    if (panels_serve(s))
        return dconv_panels_backward(s, x, w, dy, dx, dw, db);
    return dconv_im2col_backward(s, x, w, dy, dx, dw, db); /* the direct tiles are float32 only */
}

/* ---- the reference loops ----------------------------------------------------------
 * float:  tn_sconv2d_forward_ref, tn_sconv2d_backward_ref
 * double: tn_dconv2d_forward_ref, tn_dconv2d_backward_ref */

#define TN_TEMPLATE "conv/reference.inc"
#include "common/for_each_real.h"
