/*
 * optim/optim.c -- one optimizer step over every parameter in one call:
 * tn_ssgd_step, tn_dsgd_step, tn_sadam_step, tn_dadam_step, and their plain
 * twins (..._ref).
 *
 * Why in C.  In numpy, SGD with momentum is four passes over every
 * parameter (b *= momentum, b += g, lr * g, p -= that) and Adam about ten,
 * each a Python call and a temporary array.  A parameter of a small model
 * (784 x 128 floats, 400 KB) fits in the L2 cache, so those passes cost
 * little memory traffic but a lot of calls and loads; here each element is
 * read once, updated in registers and written once, for all parameters in
 * one call from Python.
 *
 * The loops (update.inc) are compiled three times, for baseline x86-64, AVX2
 * and AVX-512 (per-function target attributes, as the GEMM kernels), and the
 * SIMD level in use (runtime.c) picks one.  Elements are independent, so the
 * results are the same on every SIMD path and thread count, and the same as
 * numpy's (update.inc says how).  With AVX2 or AVX-512, the stretches of a
 * float parameter whose momentum buffer (or Adam's first moment) holds
 * numbers near the subnormals go to subnormals_avx2.c / subnormals_avx512.c
 * instead, which compute the same bits without the microcode x86 cores spend
 * on subnormal floats (ssgd_by_stretches and sadam_by_stretches below;
 * subnormals_avx512.c says why).
 *
 * Threads.  A parameter is cut into chunks of OPTIM_CHUNK that threads take
 * one at a time (dynamic schedule: a thread that starts late, its core busy
 * with another program, finds the chunks already done by the others instead
 * of holding them up); one of a single chunk runs on the caller's thread.
 * Two chunks are enough to share: the weights were just read by every thread
 * of the forward and backward GEMMs, so each cache line the update writes
 * must first be taken back from the other cores' caches, a wait per line
 * that the threads then share.  The small MLP's 784 x 128 weights (four
 * chunks) took 95 us a step to update on one thread after 2-thread GEMMs,
 * against 27 us after 1-thread ones; on two threads, 42-47 us.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "tinynet.h"
#include "common/sizes.h"
#include "common/threads.h"
#include "optim/optim.h"

#define OPTIM_CHUNK ((int64_t)1 << 15)
#define SUBNORMAL_STRETCH 512 /* numbers looked at together for subnormals (ssgd_by_stretches, sadam_...) */

/* ---- the loops, once per type and instruction set -------------------------------
 * update.inc makes NAME(sgd_range) and NAME(adam_range):
 *   float:  ssgd_range_portable, ssgd_range_avx2, ssgd_range_avx512 (and sadam_range_...)
 *   double: dsgd_range_portable, dsgd_range_avx2, dsgd_range_avx512 (and dadam_range_...)
 * reference.inc makes tn_ssgd_step_ref, tn_sadam_step_ref, tn_dsgd_step_ref, tn_dadam_step_ref. */

#define REAL float
#define SQRT sqrtf
#define SGD_SCALARS ssgd_scalars
#define ADAM_SCALARS sadam_scalars
#define TARGET
#define NAME(x) s##x##_portable
#include "optim/update.inc"
#undef NAME
#undef TARGET
#if TN_X86
#define TARGET TN_AVX2
#define NAME(x) s##x##_avx2
#include "optim/update.inc"
#undef NAME
#undef TARGET
#define TARGET TN_AVX512
#define NAME(x) s##x##_avx512
#include "optim/update.inc"
#undef NAME
#undef TARGET
#endif
#define NAME(x) tn_s##x
#include "optim/reference.inc"
#undef NAME
#undef REAL
#undef SQRT
#undef SGD_SCALARS
#undef ADAM_SCALARS

#define REAL double
#define SQRT sqrt
#define SGD_SCALARS dsgd_scalars
#define ADAM_SCALARS dadam_scalars
#define TARGET
#define NAME(x) d##x##_portable
#include "optim/update.inc"
#undef NAME
#undef TARGET
#if TN_X86
#define TARGET TN_AVX2
#define NAME(x) d##x##_avx2
#include "optim/update.inc"
#undef NAME
#undef TARGET
#define TARGET TN_AVX512
#define NAME(x) d##x##_avx512
#include "optim/update.inc"
#undef NAME
#undef TARGET
#endif
#define NAME(x) tn_d##x
#include "optim/reference.inc"
#undef NAME
#undef REAL
#undef SQRT
#undef SGD_SCALARS
#undef ADAM_SCALARS

/* ---- choosing the loop and the threads ------------------------------------------ */

/* The loop of the SIMD level in use, e.g. ssgd_range_avx512. */
#if TN_X86
#define SIMD_VARIANT(name) \
    (tn_get_simd_level() == TN_SIMD_AVX512 ? name##_avx512 \
     : tn_get_simd_level() == TN_SIMD_AVX2 ? name##_avx2 : name##_portable)
#else
#define SIMD_VARIANT(name) name##_portable
#endif

/* Run `update` over elements [0, size) of parameter k: on this thread, or in
 * chunks shared by the free threads (see the top of this file). */
#define OVER_CHUNKS(size, update)                                                                  \
    do {                                                                                           \
        const int64_t chunks_ = tn_ceil_div((size), OPTIM_CHUNK);                                  \
        const int threads_ = tn_threads_for_jobs(chunks_);                                         \
        if (threads_ == 1) {                                                                       \
            const int64_t begin = 0, end = (size);                                                 \
            update;                                                                                \
        } else {                                                                                   \
            _Pragma("omp parallel for num_threads(threads_) schedule(dynamic, 1)")                \
            for (int64_t c_ = 0; c_ < chunks_; c_++) {                                             \
                const int64_t begin = c_ * OPTIM_CHUNK, end = tn_min64((size), begin + OPTIM_CHUNK); \
                update;                                                                            \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* Whether any two of the first `count` arrays, `bytes` bytes each, overlap. */
static int any_overlap(void *const *arrays, int count, int64_t bytes)
{
    for (int i = 0; i < count; i++)
        for (int j = i + 1; j < count; j++)
            if (tn_arrays_overlap(arrays[i], arrays[j], bytes))
                return 1;
    return 0;
}

/* The size below which a float of a step may make a subnormal product: x * y is subnormal only if
 * |x| |y| < 2^-126, so, with y one of the step's `count` scalars (or 1), not when |x| is at least
 * 2^-126 / (the smallest of them).  Sixteen times that leaves room for the sums in between (a
 * velocity a little smaller than the gradient it came from); it is never below 2^-126, so every
 * subnormal is caught.  Only time depends on it: a product made in double is the float product.
 * (A sum that cancels down near the subnormals is not foreseen, and costs the microcode.) */
static double near_subnormal(const float *scalars, int count)
{
    double smallest = 1;
    for (int i = 0; i < count; i++) {
        const double size = fabs((double)scalars[i]);
        if (size != 0 && size < smallest)
            smallest = size;
    }
    return ldexp(1, -122) / smallest;
}

/* A size as a float threshold (one beyond every float: infinity). */
static float as_threshold(double size) { return size < FLT_MAX ? (float)size : INFINITY; }

static float sgd_near_subnormal(float lr, float weight_decay, float momentum, float undamped)
{
    const float scalars[4] = {lr, weight_decay, momentum, undamped};
    return as_threshold(near_subnormal(scalars, 4));
}

#if TN_X86
/* Whether one of x[0..count) is nonzero and smaller in size than `below`, with the SIMD level's vectors
 * (AVX2 or more: the callers ask only then). */
static int any_near_subnormal(const float *x, int64_t count, float below)
{
    return tn_get_simd_level() >= TN_SIMD_AVX512 ? any_near_subnormal_avx512(x, count, below)
                                                 : any_near_subnormal_avx2(x, count, below);
}
#endif

/* A float parameter with a momentum buffer, in stretches of SUBNORMAL_STRETCH numbers: update.inc's loop
 * for a stretch whose buffer (and, with weight decay, parameter) holds no number near the subnormals,
 * the SIMD level's loop that makes their products in double for the others (subnormals_avx512.c says
 * why).  The same bits either way. */
static void ssgd_by_stretches(float *p, const float *g, float *b, int fresh, int64_t begin, int64_t end,
                              const ssgd_scalars *s)
{
#if TN_X86
    const int simd = tn_get_simd_level();
    if (simd >= TN_SIMD_AVX2) {
        const int avx512 = simd >= TN_SIMD_AVX512;
        ssgd_range_fn *plain = avx512 ? ssgd_range_avx512 : ssgd_range_avx2;
        ssgd_range_fn *careful = avx512 ? ssgd_careful_avx512 : ssgd_careful_avx2;
        for (int64_t start = begin; start < end; start += SUBNORMAL_STRETCH) {
            const int64_t count = tn_min64(SUBNORMAL_STRETCH, end - start);
            const int near = (!fresh && any_near_subnormal(b + start, count, s->near_subnormal)) ||
                             (s->weight_decay != 0 && any_near_subnormal(p + start, count, s->near_subnormal));
            (near ? careful : plain)(p, g, b, fresh, start, start + count, s);
        }
        return;
    }
#endif
    ssgd_range_portable(p, g, b, fresh, begin, end, s);
}

/* Adam's float step in stretches, as ssgd_by_stretches: a stretch whose first moments (and
 * parameter, with weight decay) hold no number near the subnormals, nor its gradient one whose square
 * would be (below s->grad_near_subnormal), takes update.inc's loop; the others the SIMD level's careful
 * loop.  (The second moments shrink by beta2 = 0.999 a step: some 60,000 steps from where a gradient
 * leaves them to the subnormals.  They are not looked at here, to spare a pass; should one get there,
 * it costs time, and the careful loop looks at it.) */
static void sadam_by_stretches(float *p, const float *g, float *m, float *v, float *v_max, int64_t begin,
                               int64_t end, const sadam_scalars *s)
{
#if TN_X86
    const int simd = tn_get_simd_level();
    if (simd >= TN_SIMD_AVX2) {
        const int avx512 = simd >= TN_SIMD_AVX512;
        sadam_range_fn *plain = avx512 ? sadam_range_avx512 : sadam_range_avx2;
        sadam_range_fn *careful = avx512 ? sadam_careful_avx512 : sadam_careful_avx2;
        const float below = s->near_subnormal;
        for (int64_t start = begin; start < end; start += SUBNORMAL_STRETCH) {
            const int64_t count = tn_min64(SUBNORMAL_STRETCH, end - start);
            const int near = any_near_subnormal(m + start, count, below) ||
                             any_near_subnormal(g + start, count, s->grad_near_subnormal) ||
                             (s->weight_decay != 0 && any_near_subnormal(p + start, count, below));
            (near ? careful : plain)(p, g, m, v, v_max, start, start + count, s);
        }
        return;
    }
#endif
    sadam_range_portable(p, g, m, v, v_max, begin, end, s);
}

/* ---- the public functions (tinynet.h) ----------------------------------------- */

void tn_ssgd_step(int64_t count, float **params, float **grads, float **buffers, const int32_t *fresh,
                  const int64_t *sizes, double lr, double weight_decay, double momentum, double dampening,
                  int nesterov, int maximize, int32_t *skipped)
{
    const ssgd_scalars s = {(float)lr, (float)weight_decay, (float)momentum, (float)(1 - dampening), nesterov,
                            maximize, sgd_near_subnormal((float)lr, (float)weight_decay, (float)momentum,
                                                         (float)(1 - dampening))};
    ssgd_range_fn *range = SIMD_VARIANT(ssgd_range);
    for (int64_t k = 0; k < count; k++) {
        float *b = buffers != NULL ? buffers[k] : NULL;
        void *arrays[3] = {params[k], grads[k], b};
        skipped[k] = any_overlap(arrays, b != NULL ? 3 : 2, sizes[k] * (int64_t)sizeof(float));
        if (skipped[k])
            continue;
        if (b != NULL)
            OVER_CHUNKS(sizes[k], ssgd_by_stretches(params[k], grads[k], b, fresh[k], begin, end, &s));
        else
            OVER_CHUNKS(sizes[k], range(params[k], grads[k], b, fresh[k], begin, end, &s));
    }
}

void tn_dsgd_step(int64_t count, double **params, double **grads, double **buffers, const int32_t *fresh,
                  const int64_t *sizes, double lr, double weight_decay, double momentum, double dampening,
                  int nesterov, int maximize, int32_t *skipped)
{
    const dsgd_scalars s = {lr, weight_decay, momentum, 1 - dampening, nesterov, maximize};
    void (*range)(double *, const double *, double *, int, int64_t, int64_t, const dsgd_scalars *) =
        SIMD_VARIANT(dsgd_range);
    for (int64_t k = 0; k < count; k++) {
        double *b = buffers != NULL ? buffers[k] : NULL;
        void *arrays[3] = {params[k], grads[k], b};
        skipped[k] = any_overlap(arrays, b != NULL ? 3 : 2, sizes[k] * (int64_t)sizeof(double));
        if (skipped[k])
            continue;
        OVER_CHUNKS(sizes[k], range(params[k], grads[k], b, fresh[k], begin, end, &s));
    }
}

void tn_sadam_step(int64_t count, float **params, float **grads, float **exp_avgs, float **exp_avg_sqs,
                   float **max_exp_avg_sqs, const int64_t *sizes, const int64_t *steps, double lr, double beta1,
                   double beta2, double eps, double weight_decay, int decoupled, int maximize, int32_t *skipped)
{
    for (int64_t k = 0; k < count; k++) {
        const double t = (double)steps[k];
        sadam_scalars s = {(float)beta1, (float)beta2, (float)(1 - beta1), (float)(1 - beta2),
                           (float)weight_decay, (float)(1 - lr * weight_decay),
                           (float)(lr / (1 - pow(beta1, t))), sqrt(1 - pow(beta2, t)), eps,
                           decoupled, maximize, 0, 0};
        /* Near the subnormals: a moment, a parameter times a scalar, or a gradient whose square times
         * 1 - beta2 might be subnormal (below the root of the moments' threshold, or the threshold). */
        const float scalars[7] = {s.beta1, s.beta2, s.one_minus_beta1, s.one_minus_beta2, s.weight_decay,
                                  s.decay_factor, s.step_size};
        const double below = near_subnormal(scalars, 7);
        s.near_subnormal = as_threshold(below);
        s.grad_near_subnormal = as_threshold(below < 1 ? sqrt(below) : below);
        float *v_max = max_exp_avg_sqs != NULL ? max_exp_avg_sqs[k] : NULL;
        void *arrays[5] = {params[k], grads[k], exp_avgs[k], exp_avg_sqs[k], v_max};
        skipped[k] = any_overlap(arrays, v_max != NULL ? 5 : 4, sizes[k] * (int64_t)sizeof(float));
        if (skipped[k])
            continue;
        OVER_CHUNKS(sizes[k],
                    sadam_by_stretches(params[k], grads[k], exp_avgs[k], exp_avg_sqs[k], v_max, begin, end, &s));
    }
}

void tn_dadam_step(int64_t count, double **params, double **grads, double **exp_avgs, double **exp_avg_sqs,
                   double **max_exp_avg_sqs, const int64_t *sizes, const int64_t *steps, double lr, double beta1,
                   double beta2, double eps, double weight_decay, int decoupled, int maximize, int32_t *skipped)
{
    void (*range)(double *, const double *, double *, double *, double *, int64_t, int64_t,
                  const dadam_scalars *) = SIMD_VARIANT(dadam_range);
    for (int64_t k = 0; k < count; k++) {
        const double t = (double)steps[k];
        const dadam_scalars s = {beta1, beta2, 1 - beta1, 1 - beta2, weight_decay, 1 - lr * weight_decay,
                                 lr / (1 - pow(beta1, t)), sqrt(1 - pow(beta2, t)), eps, decoupled, maximize};
        double *v_max = max_exp_avg_sqs != NULL ? max_exp_avg_sqs[k] : NULL;
        void *arrays[5] = {params[k], grads[k], exp_avgs[k], exp_avg_sqs[k], v_max};
        skipped[k] = any_overlap(arrays, v_max != NULL ? 5 : 4, sizes[k] * (int64_t)sizeof(double));
        if (skipped[k])
            continue;
        OVER_CHUNKS(sizes[k], range(params[k], grads[k], exp_avgs[k], exp_avg_sqs[k], v_max, begin, end, &s));
    }
}
