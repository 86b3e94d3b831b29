/*
 * conv/conv.h -- the convolution algorithms, as the dispatcher (conv2d.c)
 * calls them.  Internal: the C API is tn_sconv2d_* / tn_dconv2d_* in
 * tinynet.h.  Each takes the arguments of the public function it serves and
 * returns 0 or TN_ERR_NOMEM; any of dx, dw, db may be NULL (not computed).
 */
#ifndef TN_CONV_H
#define TN_CONV_H

#include "tinynet.h"

/* Stride 1 and padding at most kernel - 1: then dL/dx is the forward convolution of dL/dy, padded
 * kernel - 1 - padding, by the kernel turned by 180 degrees (input_grad_as_forward), which is how the
 * row, direct, position and tap paths compute it. */
static inline int input_grad_is_forward(const tn_conv2d_shape *s)
{
    return s->stride_h == 1 && s->stride_w == 1 && s->pad_h <= s->kernel_h - 1 && s->pad_w <= s->kernel_w - 1;
}

/* The shape of that forward convolution: the input's pixels are its outputs. */
static inline tn_conv2d_shape input_grad_as_forward(const tn_conv2d_shape *s)
{
    tn_conv2d_shape t = *s;
    t.in_channels = s->out_channels;
    t.out_channels = s->in_channels;
    t.in_h = s->out_h;
    t.in_w = s->out_w;
    t.out_h = s->in_h;
    t.out_w = s->in_w;
    t.pad_h = s->kernel_h - 1 - s->pad_h;
    t.pad_w = s->kernel_w - 1 - s->pad_w;
    return t;
}

/* im2col + GEMM (im2col.c): every shape, float and double. */
int sconv_im2col_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y);
int dconv_im2col_forward(const tn_conv2d_shape *s, const double *x, const double *w, const double *bias, double *y);
int sconv_im2col_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                          float *dx, float *dw, float *db);
int dconv_im2col_backward(const tn_conv2d_shape *s, const double *x, const double *w, const double *dy,
                          double *dx, double *dw, double *db);

/* conv/positions.c: small images one output position at a time, the taps that read the padding left
 * out; float32.  The forward pass, dL/dW with dL/db (either may be NULL), and dL/dx of a stride-1
 * convolution as the forward convolution of shape t (conv2d.c's input_grad_as_forward).  _share: the
 * share of im2col's multiply-adds that read inside the image. */
int sconv_positions_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y);
int sconv_positions_input_grad(const tn_conv2d_shape *t, const float *w, const float *dy, float *dx);
int sconv_positions_weight_grad(const tn_conv2d_shape *s, const float *x, const float *dy, float *dw, float *db);
double sconv_positions_share(const tn_conv2d_shape *s);

/* conv/taps.c: a stride-1 convolution one kernel tap at a time, B read in place from shifted copies of
 * each image; float32.  The forward pass, and dL/dx of a stride-1 convolution as the forward convolution
 * of shape t (conv2d.c's input_grad_as_forward).  Padding at most kernel - 1. */
int sconv_taps_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y);
int sconv_taps_input_grad(const tn_conv2d_shape *t, const float *w, const float *dy, float *dx);
/* The bytes of one thread's shifted copies for shape s, or -1 when taps.c cannot take it: stride past 1,
 * padding past kernel - 1, or copies past its limit (64 MiB). */
double sconv_taps_copies(const tn_conv2d_shape *s);

/* conv/winograd.c: a 3x3 stride-1 convolution by Winograd's F(2x2, 3x3), 16 products for every 4
 * outputs and channel pair instead of 36; float32.  The forward pass, and dL/dx of a stride-1
 * convolution as the forward convolution of shape t (conv2d.c's input_grad_as_forward).  Either returns
 * TN_ERR_UNSUPPORTED, with the output written but not to be used, when an output came out infinite or
 * NaN (winograd.c says why): then another path computes it.  _fits: 1 when it can compute shape s (3x3
 * kernel, stride 1, padding at most 2). */
int sconv_winograd_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y);
int sconv_winograd_input_grad(const tn_conv2d_shape *t, const float *w, const float *dy, float *dx);
int sconv_winograd_fits(const tn_conv2d_shape *s);

/* im2col + GEMM with im2col written straight into the GEMM's panels (panels.c): every shape, float
 * and double. */
int sconv_panels_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y);
int dconv_panels_forward(const tn_conv2d_shape *s, const double *x, const double *w, const double *bias, double *y);
int sconv_panels_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                          float *dx, float *dw, float *db);
int dconv_panels_backward(const tn_conv2d_shape *s, const double *x, const double *w, const double *dy,
                          double *dx, double *dw, double *db);

/* The direct convolution (direct_forward.c, direct_backward.c): float32,
 * stride 1, batch >= 1; dx also needs padding <= kernel - 1 on both axes.
 * `simd` is the tiles' SIMD level, a TN_SIMD_* (AVX2, AVX-512 or plain C; see direct_tile.c). */
int sconv_direct_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y,
                         int simd);
int sconv_direct_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                          float *dx, float *dw, float *db, int simd);

/* The row convolution (rows.c): float32, stride 1, batch >= 1, padding <= kernel - 1; dL/dW also
 * needs a kernel at most ROWS_MAX_KERNEL_W (5) wide, else TN_ERR_UNSUPPORTED.  `simd` is the tiles' SIMD
 * level, a TN_SIMD_* (AVX-512, AVX2 or plain C; see rows_avx512.c, rows_avx2.c, rows_plain.c). */
int sconv_rows_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y,
                       int simd);
int sconv_rows_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                        float *dx, float *dw, float *db, int simd);

#endif
