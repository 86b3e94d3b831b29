/*
 * pool/pool2d.c -- 2-D max and average pooling (NCHW), forward and backward:
 * every tn_*pool2d* function of tinynet.h, and the one place that chooses
 * which loop pools a plane.
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
 * The loops over a plane are plain C (planes.inc, once per type); they are
 * memory-bound, and the compiler vectorises what is worth vectorising --
 * except float 2x2 max pooling, which has an AVX2 version (max_2x2_avx2.c).
 * The plain loops the tests compare them with (tn_smax_pool2d_forward_ref
 * and its twins) are reference.inc.  Both are instantiated below.
 */
#include <math.h>
#include <string.h>

#include "tinynet.h"
#include "common/simd.h"
#include "common/threads.h"
#include "pool/pool.h"

/* Below this many window reads in total, one thread is faster than several: waking a sleeping
 * thread costs about 100 us (gemm/gemm.c), LeNet-5's pools take about that long on one. */
#define POOL_SMALL_WORK ((int64_t)1 << 20)

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
    if (work < POOL_SMALL_WORK || planes < 2)
        return 1;
    return tn_threads_for_jobs(planes);
}

/* ---- the loops, once per type -----------------------------------------------------
 * planes.inc:    s/dmax_pool_plane, _tiled, _2x2, _backward; s/davg_pool_plane, _backward
 * reference.inc: tn_s/dmax_pool2d_forward_ref, tn_s/dmax_pool2d_backward_ref,
 *                tn_s/davg_pool2d_forward_ref, tn_s/davg_pool2d_backward_ref */

#define REAL float
#define NAME(x) s##x
#include "pool/planes.inc"
#undef NAME
#define NAME(x) tn_s##x
#include "pool/reference.inc"
#undef NAME
#undef REAL

#define REAL double
#define NAME(x) d##x
#include "pool/planes.inc"
#undef NAME
#define NAME(x) tn_d##x
#include "pool/reference.inc"
#undef NAME
#undef REAL

/* ---- the choice -------------------------------------------------------------------- */

/* The loops that can pool a max-pooling plane, fastest first. */
enum max_pool_loop {
    MAX_POOL_2X2_AVX2, /* 2x2 windows, stride 2, no padding, float, AVX2 (max_2x2_avx2.c) */
    MAX_POOL_2X2,      /* the same in plain C, with selects only                         */
    MAX_POOL_TILED,    /* windows that tile the image: stride = kernel, no padding         */
    MAX_POOL_WINDOWS,  /* any windows                                                      */
};

static enum max_pool_loop max_pool_loop_for(const tn_pool2d_shape *s, int avx2)
{
    const int no_padding = s->pad_h == 0 && s->pad_w == 0;
    if (no_padding && s->kernel_h == 2 && s->kernel_w == 2 && s->stride_h == 2 && s->stride_w == 2)
        return avx2 ? MAX_POOL_2X2_AVX2 : MAX_POOL_2X2;
    if (no_padding && s->stride_h == s->kernel_h && s->stride_w == s->kernel_w)
        return MAX_POOL_TILED;
    return MAX_POOL_WINDOWS;
}

/* ---- the public functions (tinynet.h): the planes, shared among threads ------------- */

void tn_smax_pool2d_forward(const tn_pool2d_shape *s, const float *x, float *y, int32_t *argmax)
{
    const enum max_pool_loop loop = max_pool_loop_for(s, tn_get_simd_level() >= TN_SIMD_AVX2);
    const int64_t planes = s->batch * s->channels, in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    const int threads = pool_threads(s);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t k = 0; k < planes; k++) {
        const float *x_k = x + k * in_plane;
        float *y_k = y + k * out_plane;
        int32_t *argmax_k = argmax + k * out_plane;
        switch (loop) {
#if TN_X86
        case MAX_POOL_2X2_AVX2: smax_pool_plane_2x2_avx2(s, x_k, y_k, argmax_k); break;
#endif
        case MAX_POOL_2X2: smax_pool_plane_2x2(s, x_k, y_k, argmax_k); break;
        case MAX_POOL_TILED: smax_pool_plane_tiled(s, x_k, y_k, argmax_k); break;
        default: smax_pool_plane(s, x_k, y_k, argmax_k); break;
        }
    }
}

void tn_dmax_pool2d_forward(const tn_pool2d_shape *s, const double *x, double *y, int32_t *argmax)
{
    const enum max_pool_loop loop = max_pool_loop_for(s, 0); /* the AVX2 loop is float only */
    const int64_t planes = s->batch * s->channels, in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    const int threads = pool_threads(s);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t k = 0; k < planes; k++) {
        const double *x_k = x + k * in_plane;
        double *y_k = y + k * out_plane;
        int32_t *argmax_k = argmax + k * out_plane;
        switch (loop) {
        case MAX_POOL_2X2: dmax_pool_plane_2x2(s, x_k, y_k, argmax_k); break;
        case MAX_POOL_TILED: dmax_pool_plane_tiled(s, x_k, y_k, argmax_k); break;
        default: dmax_pool_plane(s, x_k, y_k, argmax_k); break;
        }
    }
}

void tn_smax_pool2d_backward(const tn_pool2d_shape *s, const float *dy, const int32_t *argmax, float *dx)
{
    const int64_t planes = s->batch * s->channels, in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    const int threads = pool_threads(s);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t k = 0; k < planes; k++)
        smax_pool_plane_backward(in_plane, out_plane, dy + k * out_plane, argmax + k * out_plane, dx + k * in_plane);
}

void tn_dmax_pool2d_backward(const tn_pool2d_shape *s, const double *dy, const int32_t *argmax, double *dx)
{
    const int64_t planes = s->batch * s->channels, in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    const int threads = pool_threads(s);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t k = 0; k < planes; k++)
        dmax_pool_plane_backward(in_plane, out_plane, dy + k * out_plane, argmax + k * out_plane, dx + k * in_plane);
}

void tn_savg_pool2d_forward(const tn_pool2d_shape *s, const float *x, float *y, int count_include_pad)
{
    const int64_t planes = s->batch * s->channels, in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    const int threads = pool_threads(s);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t k = 0; k < planes; k++)
        savg_pool_plane(s, x + k * in_plane, y + k * out_plane, count_include_pad);
}

void tn_davg_pool2d_forward(const tn_pool2d_shape *s, const double *x, double *y, int count_include_pad)
{
    const int64_t planes = s->batch * s->channels, in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    const int threads = pool_threads(s);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t k = 0; k < planes; k++)
        davg_pool_plane(s, x + k * in_plane, y + k * out_plane, count_include_pad);
}

void tn_savg_pool2d_backward(const tn_pool2d_shape *s, const float *dy, float *dx, int count_include_pad)
{
    const int64_t planes = s->batch * s->channels, in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    const int threads = pool_threads(s);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t k = 0; k < planes; k++)
        savg_pool_plane_backward(s, dy + k * out_plane, dx + k * in_plane, count_include_pad);
}

void tn_davg_pool2d_backward(const tn_pool2d_shape *s, const double *dy, double *dx, int count_include_pad)
{
    const int64_t planes = s->batch * s->channels, in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
    const int threads = pool_threads(s);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t k = 0; k < planes; k++)
        davg_pool_plane_backward(s, dy + k * out_plane, dx + k * in_plane, count_include_pad);
}
