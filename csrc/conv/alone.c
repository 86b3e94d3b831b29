/*
 * conv/alone.c -- each convolution algorithm on its own, whatever the
 * dispatcher (conv2d.c) would choose: the tn_sconv2d_<path>_* functions of
 * tinynet.h, for the tests, which compare every path with the reference
 * loops.  Each refuses (TN_ERR_UNSUPPORTED) the shapes its path cannot
 * compute, before it reads an array.
 */
#include "tinynet.h"
#include "common/simd.h"
#include "conv/conv.h"

/* ---- the direct convolution on its own, for the tests ---------------------------
 * Whatever direct_serves() would say, on any shape the direct path can
 * compute, with AVX2 tiles when the SIMD level allows and plain C ones
 * otherwise: so the tests can compare it with the reference loops. */

static int direct_can_compute(const tn_conv2d_shape *s, int input_grad)
{
    if (s->stride_h != 1 || s->stride_w != 1 || s->batch < 1)
        return 0;
    return !input_grad || input_grad_is_forward(s);
}

int tn_sconv2d_direct_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y)
{
    if (!direct_can_compute(s, 0))
        return TN_ERR_UNSUPPORTED;
    return sconv_direct_forward(s, x, w, bias, y, tn_get_simd_level());
}

int tn_sconv2d_direct_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                               float *dx, float *dw, float *db)
{
    if (!direct_can_compute(s, dx != NULL))
        return TN_ERR_UNSUPPORTED;
    return sconv_direct_backward(s, x, w, dy, dx, dw, db, tn_get_simd_level());
}

/* ---- the row convolution on its own, for the tests ------------------------------
 * Whatever rows_serve() would say, on any shape it can compute, with AVX-512
 * tiles when the SIMD level allows and plain C ones otherwise. */

static int rows_can_compute(const tn_conv2d_shape *s)
{
    return s->batch >= 1 && input_grad_is_forward(s);
}

int tn_sconv2d_rows_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y)
{
    if (!rows_can_compute(s))
        return TN_ERR_UNSUPPORTED;
    return sconv_rows_forward(s, x, w, bias, y, tn_get_simd_level());
}

int tn_sconv2d_rows_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy, float *dx,
                             float *dw, float *db)
{
    if (!rows_can_compute(s))
        return TN_ERR_UNSUPPORTED;
    return sconv_rows_backward(s, x, w, dy, dx, dw, db, tn_get_simd_level());
}

/* ---- the panel path on its own, for the tests --------------------------------------
 * Whatever panels_serve() would say: it computes every shape. */

int tn_sconv2d_panels_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y)
{
    return sconv_panels_forward(s, x, w, bias, y);
}

int tn_dconv2d_panels_forward(const tn_conv2d_shape *s, const double *x, const double *w, const double *bias,
                              double *y)
{
    return dconv_panels_forward(s, x, w, bias, y);
}

int tn_sconv2d_panels_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                               float *dx, float *dw, float *db)
{
    return sconv_panels_backward(s, x, w, dy, dx, dw, db);
}

int tn_dconv2d_panels_backward(const tn_conv2d_shape *s, const double *x, const double *w, const double *dy,
                               double *dx, double *dw, double *db)
{
    return dconv_panels_backward(s, x, w, dy, dx, dw, db);
}

int tn_sconv2d_positions_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias,
                                 float *y)
{
    return sconv_positions_forward(s, x, w, bias, y);
}

int tn_sconv2d_positions_input_grad(const tn_conv2d_shape *s, const float *w, const float *dy, float *dx)
{
    if (!input_grad_is_forward(s))
        return TN_ERR_UNSUPPORTED;
    const tn_conv2d_shape t = input_grad_as_forward(s);
    return sconv_positions_input_grad(&t, w, dy, dx);
}

int tn_sconv2d_positions_weight_grad(const tn_conv2d_shape *s, const float *x, const float *dy, float *dw,
                                     float *db)
{
    return sconv_positions_weight_grad(s, x, dy, dw, db);
}

/* (Whatever taps_serve() would say of the images and channels: every shape whose copies it allows.) */
int tn_sconv2d_taps_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y)
{
    if (sconv_taps_copies(s) < 0)
        return TN_ERR_UNSUPPORTED;
    return sconv_taps_forward(s, x, w, bias, y);
}

int tn_sconv2d_taps_input_grad(const tn_conv2d_shape *s, const float *w, const float *dy, float *dx)
{
    if (!input_grad_is_forward(s))
        return TN_ERR_UNSUPPORTED;
    const tn_conv2d_shape t = input_grad_as_forward(s);
    if (sconv_taps_copies(&t) < 0)
        return TN_ERR_UNSUPPORTED;
    return sconv_taps_input_grad(&t, w, dy, dx);
}

/* ---- Winograd's F(2x2, 3x3) on its own, for the tests ------------------------------
 * Whatever winograd_serves() would say of the images and channels: every 3x3 stride-1 shape with
 * padding <= 2. */

int tn_sconv2d_winograd_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias,
                                float *y)
{
    if (!sconv_winograd_fits(s))
        return TN_ERR_UNSUPPORTED;
    return sconv_winograd_forward(s, x, w, bias, y);
}

int tn_sconv2d_winograd_input_grad(const tn_conv2d_shape *s, const float *w, const float *dy, float *dx)
{
    if (!sconv_winograd_fits(s))
        return TN_ERR_UNSUPPORTED;
    const tn_conv2d_shape t = input_grad_as_forward(s);
    return sconv_winograd_input_grad(&t, w, dy, dx);
}
