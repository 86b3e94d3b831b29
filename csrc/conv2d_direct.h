/*
 * conv2d_direct.h -- the direct-convolution path (conv2d_direct.c), as
 * conv2d.c calls it, and what the two files share.  Internal: not part of
 * the C API in tinynet.h.
 */
#ifndef TN_CONV2D_DIRECT_H
#define TN_CONV2D_DIRECT_H

#include "tinynet.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* This thread's number in the OpenMP team (0 without OpenMP): which scratch buffers are its own. */
static inline int conv_thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

enum { TN_DIRECT_FORWARD, TN_DIRECT_WEIGHT_GRAD, TN_DIRECT_INPUT_GRAD };

/* 1 when the direct path serves this pass of this shape (float32), else 0. */
int tn_sconv_direct_applies(const tn_conv2d_shape *s, int pass);

/* y = conv(x, w) + bias, as tn_sconv2d_forward; bias may be NULL. */
int tn_sconv_direct_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y);

/* dL/dx, dL/dw, dL/db, as tn_sconv2d_backward; any of dx, dw, db may be NULL.
 * Only for shapes where every pass asked for applies. */
int tn_sconv_direct_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                             float *dx, float *dw, float *db);

#endif
