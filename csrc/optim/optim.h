/*
 * optim/optim.h -- what the optimizer files share: the settings of one step,
 * in the precision of the parameters.  Internal: the C API is
 * tn_ssgd_step, tn_sadam_step and their twins in tinynet.h.
 *
 *   optim.c        the public functions: one call updates every parameter,
 *                  choosing the SIMD variant of the loops and the threads
 *   update.inc     the loops over a range of one parameter's elements
 *   reference.inc  the plain loops (tn_ssgd_step_ref, ...)
 *
 * The scalars are rounded to the parameters' type first, as numpy does with
 * a Python float in `p - lr * g` on a float32 array, so the C step and the
 * numpy step of tinynet/optim agree bit for bit.
 */
#ifndef TN_OPTIM_H
#define TN_OPTIM_H

#include <stdint.h>

#include "common/simd.h"

/* SGD: lr, weight_decay, momentum and 1 - dampening; flags as in tinynet.h;
 * for float, near_subnormal: a stretch of a momentum buffer holding a
 * nonzero number smaller than this goes to the SIMD loops that make its
 * products in double (subnormals_avx512.c). */
typedef struct {
    float lr, weight_decay, momentum, undamped;
    int nesterov, maximize;
    float near_subnormal;
} ssgd_scalars;

typedef struct {
    double lr, weight_decay, momentum, undamped;
    int nesterov, maximize;
} dsgd_scalars;

/* Adam at one step t of one parameter: beta1, beta2, 1 - beta1, 1 - beta2,
 * weight_decay (coupled: added to the gradient) or decay_factor = 1 - lr *
 * weight_decay (decoupled: AdamW), step_size = lr / (1 - beta1^t), and in
 * double, as numpy computes them, sqrt(1 - beta2^t) and eps. */
typedef struct {
    float beta1, beta2, one_minus_beta1, one_minus_beta2, weight_decay, decay_factor, step_size;
    double sqrt_bias_correction2, eps;
    int decoupled, maximize;
    float near_subnormal, grad_near_subnormal; /* as ssgd_scalars' (subnormals_avx512.c) */
} sadam_scalars;

/* A float step over the numbers [begin, end) of one parameter: update.inc's loops (ssgd_range, sadam_range)
 * and the careful ones below have this shape. */
typedef void ssgd_range_fn(float *p, const float *grads, float *b, int fresh, int64_t begin, int64_t end,
                           const ssgd_scalars *s);
typedef void sadam_range_fn(float *p, const float *grads, float *m, float *v, float *v_max, int64_t begin,
                            int64_t end, const sadam_scalars *s);

typedef struct {
    double beta1, beta2, one_minus_beta1, one_minus_beta2, weight_decay, decay_factor, step_size;
    double sqrt_bias_correction2, eps;
    int decoupled, maximize;
} dadam_scalars;

#if TN_X86
/* The float steps without the microcode of subnormal numbers (one instruction set a file:
 * subnormals_avx512.c says how): whether one of x[0..count) is nonzero and smaller in size than
 * `below`, and SGD's step with a momentum buffer of update.inc's sgd_range, products near the
 * subnormals made in double... */
int any_near_subnormal_avx512(const float *x, int64_t count, float below);
int any_near_subnormal_avx2(const float *x, int64_t count, float below);
ssgd_range_fn ssgd_careful_avx512, ssgd_careful_avx2;
/* ... and Adam's step of update.inc's adam_range, likewise. */
sadam_range_fn sadam_careful_avx512, sadam_careful_avx2;
#endif

/* Whether two arrays of `bytes` bytes starting at a and b share any byte
 * (zero-size arrays share none).  A parameter whose arrays do is skipped:
 * its update would read values it has already written. */
static inline int tn_arrays_overlap(const void *a, const void *b, int64_t bytes)
{
    const uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return bytes > 0 && x < y + (uintptr_t)bytes && y < x + (uintptr_t)bytes;
}

#endif
