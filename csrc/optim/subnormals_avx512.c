/*
 * optim/subnormals_avx512.c -- the float optimizer steps, 16 numbers a
 * vector, for the stretches of a parameter that hold numbers near the
 * subnormals: SGD with a momentum buffer (ssgd_careful_avx512) and Adam
 * (sadam_careful_avx512), the steps of update.inc's sgd_range and
 * adam_range (the same operations in the same order: the same bits)
 * without the microcode that subnormal numbers cost.
 *
 * Why.  A weight whose gradient stays 0 (in an MLP on MNIST, the weight of
 * a pixel that is blank in every recent image) has a buffer that shrinks by
 * `momentum` every step, down into the subnormal floats (below 2^-126),
 * where it stays: 0.9 times the smallest of them rounds back to it.  An x86
 * core multiplies a subnormal float, or makes one, in microcode: on an
 * AVX-512 Xeon, multiplying 6,250 vectors that each hold one took 270-470
 * us, adding them 12-18 us.  Late in an MNIST epoch the small
 * MLP's buffers hold 1,000-2,000 of them, and the plain loop's update took
 * three to four times as long (docs/c-kernels.md).
 *
 * How.  optim.c hands a stretch to update.inc's loop when its buffer (and,
 * with weight decay, its parameter) holds no number near the subnormals
 * (nonzero and smaller than scalars.near_subnormal: see optim.c; found by
 * any_near_subnormal_avx512), else to ssgd_careful_avx512.  There a
 * vector that holds such a number makes each product in double: exact
 * there (a float has 24 significant bits, so the product of two has at most
 * 48 and fits in double's 53) and rounded once to float, which is the float
 * product, bit for bit, with no subnormal operand in sight (converting a
 * subnormal float to double, making one from a double, and adding one take
 * no microcode).  The other vectors multiply in float.  Gradients are not
 * looked at: a subnormal one is rare, and costs only time.
 */
#include <stdint.h>
#include <string.h>

#include "common/simd.h"
#include "optim/optim.h"

#if TN_X86

/* ---- both steps ------------------------------------------------------------------ */

/* x * y as float, made in double. */
static TN_AVX512 TN_ALWAYS_INLINE __m512 exact_product(__m512 x, __m512 y)
{
    const __m256 x_hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1));
    const __m256 y_hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(y), 1));
    const __m256 lo = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(x)),
                                                    _mm512_cvtps_pd(_mm512_castps512_ps256(y))));
    const __m256 hi = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtps_pd(x_hi), _mm512_cvtps_pd(y_hi)));
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)),
                                               _mm256_castps_pd(hi), 1));
}

/* Each lane's size minus 1, as an unsigned integer: below that of `below` minus 1 exactly when the lane
 * is nonzero and smaller in size than `below` (0 wraps to the largest; NaN and infinity are above). */
static TN_AVX512 TN_ALWAYS_INLINE __m512i size_minus_one(__m512 x)
{
    const __m512i size = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff));
    return _mm512_sub_epi32(size, _mm512_set1_epi32(1));
}

static TN_AVX512 TN_ALWAYS_INLINE __m512i bits_minus_one(float below)
{
    int32_t bits;
    memcpy(&bits, &below, sizeof bits);
    return _mm512_set1_epi32(bits - 1);
}

/* Whether one of x[0..count) is nonzero and smaller in size than `below`: the smallest size minus 1,
 * unsigned, compared once. */
TN_AVX512 int any_near_subnormal_avx512(const float *x, int64_t count, float below)
{
    __m512i smallest = _mm512_set1_epi32(-1);
    int64_t i = 0;
    for (; i + 16 <= count; i += 16)
        smallest = _mm512_min_epu32(smallest, size_minus_one(_mm512_loadu_ps(x + i)));
    if (i < count) /* (lanes past the end load as 0, which is not near) */
        smallest = _mm512_min_epu32(smallest, size_minus_one(_mm512_maskz_loadu_ps(
                                                  tn_avx512_first_lanes((int)(count - i)), x + i)));
    return _mm512_cmplt_epu32_mask(smallest, bits_minus_one(below)) != 0;
}

/* ---- SGD with a momentum buffer ----------------------------------------------------- */

/* The step's settings, in vectors: negate is the sign bit when maximizing (g = -g), below the bits of
 * scalars.near_subnormal minus 1. */
typedef struct {
    __m512 lr, decay, momentum, undamped;
    __m512i negate, below;
    int decays, nesterov, undamped_is_one;
} momentum_settings;

/* undamped * g.  Without dampening (PyTorch's default) undamped is 1, and 1 * g is g exactly: a subnormal
 * product only where g itself is one (rare: gradients are not looked at), so it is made in float, the
 * same bits as MUL's for a third of a careful vector's conversions to double and back. */
#define UNDAMPED_TIMES(MUL, g) (undamped_is_one ? _mm512_mul_ps(undamped, g) : MUL(undamped, g))

/* update.inc's step (see sgd_range there for the rule) for one vector, each product made by MUL. */
#define MOMENTUM_STEP(MUL)                                                                                \
    do {                                                                                                  \
        __m512 g = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(grad), negate)); /* -g or g */ \
        if (decays)                                                                                       \
            g = _mm512_add_ps(g, MUL(decay, value));                                                      \
        velocity = fresh ? g : _mm512_add_ps(MUL(old, momentum), UNDAMPED_TIMES(MUL, g));                  \
        g = nesterov ? _mm512_add_ps(g, MUL(momentum, velocity)) : velocity;                              \
        updated = _mm512_sub_ps(value, MUL(lr, g));                                                       \
    } while (0)

/* One vector at i: FULL (a constant), all 16 lanes with plain loads and stores, else `lanes`. */
static TN_AVX512 TN_ALWAYS_INLINE void step_vector(float *restrict p, const float *restrict grads,
                                                   float *restrict b, int fresh, int64_t i, const int FULL,
                                                   __mmask16 lanes, const momentum_settings *set)
{
    const __m512 lr = set->lr, decay = set->decay, momentum = set->momentum, undamped = set->undamped;
    const __m512i negate = set->negate;
    const int decays = set->decays, nesterov = set->nesterov, undamped_is_one = set->undamped_is_one;
#define LOAD(x) (FULL ? _mm512_loadu_ps(x) : _mm512_maskz_loadu_ps(lanes, x))
    const __m512 value = LOAD(p + i), grad = LOAD(grads + i);
    /* (a fresh buffer holds garbage: it is neither read nor looked at) */
    const __m512 old = fresh ? _mm512_setzero_ps() : LOAD(b + i);
#undef LOAD
    const __mmask16 near = _mm512_cmplt_epu32_mask(size_minus_one(old), set->below) |
                           (decays ? _mm512_cmplt_epu32_mask(size_minus_one(value), set->below) : 0);
    __m512 velocity, updated;
    if (near == 0)
        MOMENTUM_STEP(_mm512_mul_ps);
    else
        MOMENTUM_STEP(exact_product);
    if (FULL) {
        _mm512_storeu_ps(b + i, velocity);
        _mm512_storeu_ps(p + i, updated);
    } else {
        _mm512_mask_storeu_ps(b + i, lanes, velocity);
        _mm512_mask_storeu_ps(p + i, lanes, updated);
    }
}

TN_AVX512 void ssgd_careful_avx512(float *p, const float *grads, float *b, int fresh, int64_t begin,
                                   int64_t end, const ssgd_scalars *s)
{
    /* (a local: the stores to p and b cannot change it, so it stays in registers) */
    const momentum_settings set = {_mm512_set1_ps(s->lr), _mm512_set1_ps(s->weight_decay),
                                   _mm512_set1_ps(s->momentum), _mm512_set1_ps(s->undamped),
                                   _mm512_set1_epi32(s->maximize ? INT32_MIN : 0), bits_minus_one(s->near_subnormal),
                                   s->weight_decay != 0, s->nesterov, s->undamped == 1.0f};
    int64_t i = begin;
    for (; i + 16 <= end; i += 16)
        step_vector(p, grads, b, fresh, i, 1, 0, &set);
    if (i < end)
        step_vector(p, grads, b, fresh, i, 0, tn_avx512_first_lanes((int)(end - i)), &set);
}

/* ---- Adam ------------------------------------------------------------------------------
 *
 * Adam (update.inc's adam_range states the rule).  Its moments decay the same way for a weight whose
 * gradient stays 0 (m by beta1 a step, v by beta2), and a gradient below about 1e-17 makes a subnormal
 * (1 - beta2) g g.  A vector near the subnormals (a moment or the largest second moment, the parameter
 * with weight decay, or the gradient, below scalars.near_subnormal and .grad_near_subnormal) makes its
 * products in double, and its square root too ((float)sqrt((double)x) is sqrtf(x): the square root is
 * correctly rounded in double, and 53 bits are enough for that second rounding to change nothing).
 */
typedef struct {
    __m512 beta1, beta2, one_minus_beta1, one_minus_beta2, weight_decay, decay_factor, step_size;
    __m512d sqrt_bias_correction2, eps;
    __m512i negate, below, grad_below;
    int coupled_decay, decoupled_decay;
} adam_settings;

/* The float square root of x, made in double. */
static TN_AVX512 TN_ALWAYS_INLINE __m512 exact_sqrt(__m512 x)
{
    const __m256 x_hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1));
    const __m256 lo = _mm512_cvtpd_ps(_mm512_sqrt_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(x))));
    const __m256 hi = _mm512_cvtpd_ps(_mm512_sqrt_pd(_mm512_cvtps_pd(x_hi)));
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)),
                                               _mm256_castps_pd(hi), 1));
}

/* value - (float)((double)step / ((double)root / sqrt_bias_correction2 + eps)), in double by halves. */
static TN_AVX512 TN_ALWAYS_INLINE __m512 adam_update(__m512 value, __m512 step, __m512 root,
                                                     const adam_settings *set)
{
    __m256 half[2];
    for (int h = 0; h < 2; h++) {
        const __m256 step_h = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(step), h));
        const __m256 root_h = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(root), h));
        const __m512d denominator = _mm512_add_pd(
            _mm512_div_pd(_mm512_cvtps_pd(root_h), set->sqrt_bias_correction2), set->eps);
        half[h] = _mm512_cvtpd_ps(_mm512_div_pd(_mm512_cvtps_pd(step_h), denominator));
    }
    const __m512 change = _mm512_castpd_ps(_mm512_insertf64x4(
        _mm512_castps_pd(_mm512_castps256_ps512(half[0])), _mm256_castps_pd(half[1]), 1));
    return _mm512_sub_ps(value, change);
}

#define ADAM_STEP(MUL, SQRT)                                                                              \
    do {                                                                                                  \
        __m512 g = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(grad), set->negate));         \
        if (set->decoupled_decay)                                                                         \
            value = MUL(value, set->decay_factor);                                                        \
        if (set->coupled_decay)                                                                           \
            g = _mm512_add_ps(g, MUL(set->weight_decay, value));                                          \
        mean = _mm512_add_ps(MUL(m_old, set->beta1), MUL(set->one_minus_beta1, g));                       \
        square = _mm512_add_ps(MUL(v_old, set->beta2), MUL(MUL(set->one_minus_beta2, g), g));            \
        second = square;                                                                                  \
        if (v_max != NULL) { /* the larger, or a NaN already there, stays */                             \
            const __mmask16 keep = _mm512_cmp_ps_mask(largest, square, _CMP_GE_OQ) |                     \
                                   _mm512_cmp_ps_mask(largest, largest, _CMP_UNORD_Q);                    \
            second = _mm512_mask_blend_ps(keep, square, largest);                                         \
        }                                                                                                 \
        updated = adam_update(value, MUL(set->step_size, mean), SQRT(second), set);                       \
    } while (0)

static TN_AVX512 TN_ALWAYS_INLINE void adam_vector(float *restrict p, const float *restrict grads,
                                                   float *restrict m, float *restrict v, float *restrict v_max,
                                                   int64_t i, __mmask16 lanes, const adam_settings *set)
{
    __m512 value = _mm512_maskz_loadu_ps(lanes, p + i);
    const __m512 grad = _mm512_maskz_loadu_ps(lanes, grads + i);
    const __m512 m_old = _mm512_maskz_loadu_ps(lanes, m + i), v_old = _mm512_maskz_loadu_ps(lanes, v + i);
    const __m512 largest = v_max != NULL ? _mm512_maskz_loadu_ps(lanes, v_max + i) : _mm512_setzero_ps();
    const __mmask16 near = _mm512_cmplt_epu32_mask(size_minus_one(m_old), set->below) |
                           _mm512_cmplt_epu32_mask(size_minus_one(v_old), set->below) |
                           (v_max != NULL ? _mm512_cmplt_epu32_mask(size_minus_one(largest), set->below) : 0) |
                           _mm512_cmplt_epu32_mask(size_minus_one(grad), set->grad_below) |
                           (set->coupled_decay || set->decoupled_decay
                                ? _mm512_cmplt_epu32_mask(size_minus_one(value), set->below) : 0);
    __m512 mean, square, second, updated;
    if (near == 0)
        ADAM_STEP(_mm512_mul_ps, _mm512_sqrt_ps);
    else
        ADAM_STEP(exact_product, exact_sqrt);
    _mm512_mask_storeu_ps(m + i, lanes, mean);
    _mm512_mask_storeu_ps(v + i, lanes, square);
    if (v_max != NULL)
        _mm512_mask_storeu_ps(v_max + i, lanes, second);
    _mm512_mask_storeu_ps(p + i, lanes, updated);
}

TN_AVX512 void sadam_careful_avx512(float *p, const float *grads, float *m, float *v, float *v_max, int64_t begin,
                                    int64_t end, const sadam_scalars *s)
{
    const int decays = s->weight_decay != 0;
    /* (a local: the stores cannot change it, so it stays in registers) */
    const adam_settings set = {
        _mm512_set1_ps(s->beta1), _mm512_set1_ps(s->beta2), _mm512_set1_ps(s->one_minus_beta1),
        _mm512_set1_ps(s->one_minus_beta2), _mm512_set1_ps(s->weight_decay), _mm512_set1_ps(s->decay_factor),
        _mm512_set1_ps(s->step_size), _mm512_set1_pd(s->sqrt_bias_correction2), _mm512_set1_pd(s->eps),
        _mm512_set1_epi32(s->maximize ? INT32_MIN : 0), bits_minus_one(s->near_subnormal),
        bits_minus_one(s->grad_near_subnormal), decays && !s->decoupled, decays && s->decoupled};
    for (int64_t i = begin; i < end; i += 16)
        adam_vector(p, grads, m, v, v_max, i, tn_avx512_first_lanes((int)(end - i < 16 ? end - i : 16)), &set);
}

#endif
