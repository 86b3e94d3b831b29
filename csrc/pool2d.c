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
 * vectorises what is worth vectorising.  They live in pool2d_impl.inc,
 * included once for float (tn_s...) and once for double (tn_d...).
 */
#include "tinynet.h"

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

#define REAL float
#define TN(name) tn_s##name
#include "pool2d_impl.inc"
#undef REAL
#undef TN

#define REAL double
#define TN(name) tn_d##name
#include "pool2d_impl.inc"
#undef REAL
#undef TN
