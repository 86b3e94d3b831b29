/*
 * optim/momentum_avx512.c -- SGD with a momentum buffer, float, 16 numbers a
 * vector, for the stretches of a parameter that hold numbers near the
 * subnormals: the step of update.inc's sgd_range (the same operations in
 * the same order: the same bits) without the microcode that subnormal
 * numbers cost.
 *
 * Why.  A weight whose gradient stays 0 (in an MLP on MNIST, the weight of
 * a pixel that is blank in every recent image) has a buffer that shrinks by
 * `momentum` every step, down into the subnormal floats (below 2^-126),
 * where it stays: 0.9 times the smallest of them rounds back to it.  An x86
 * core multiplies a subnormal float, or makes one, in microcode: about 150
 * cycles for a vector instead of one.  Late in an MNIST epoch the small
 * MLP's buffers hold 1,000-2,000 of them, and the plain loop's update took
 * three to four times as long (docs/c-kernels.md).
 *
 * How.  optim.c hands a stretch to update.inc's loop when its buffer (and,
 * with weight decay, its parameter) holds no number near the subnormals
 * (nonzero and smaller than scalars.near_subnormal: see optim.c; found by
 * ssgd_any_near_subnormal_avx512), else to ssgd_momentum_avx512.  There a
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
TN_AVX512 int ssgd_any_near_subnormal_avx512(const float *x, int64_t count, float below)
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

/* The step's settings, in vectors: negate is the sign bit when maximizing (g = -g), below the bits of
 * scalars.near_subnormal minus 1. */
typedef struct {
    __m512 lr, decay, momentum, undamped;
    __m512i negate, below;
    int decays, nesterov;
} momentum_settings;

/* update.inc's step (see sgd_range there for the rule) for one vector, each product made by MUL. */
#define MOMENTUM_STEP(MUL)                                                                                \
    do {                                                                                                  \
        __m512 g = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(grad), negate)); /* -g or g */ \
        if (decays)                                                                                       \
            g = _mm512_add_ps(g, MUL(decay, value));                                                      \
        velocity = fresh ? g : _mm512_add_ps(MUL(old, momentum), MUL(undamped, g));                       \
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
    const int decays = set->decays, nesterov = set->nesterov;
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

TN_AVX512 void ssgd_momentum_avx512(float *p, const float *grads, float *b, int fresh, int64_t begin, int64_t end,
                                    const ssgd_scalars *s)
{
    /* (a local: the stores to p and b cannot change it, so it stays in registers) */
    const momentum_settings set = {_mm512_set1_ps(s->lr), _mm512_set1_ps(s->weight_decay),
                                   _mm512_set1_ps(s->momentum), _mm512_set1_ps(s->undamped),
                                   _mm512_set1_epi32(s->maximize ? INT32_MIN : 0), bits_minus_one(s->near_subnormal),
                                   s->weight_decay != 0, s->nesterov};
    int64_t i = begin;
    for (; i + 16 <= end; i += 16)
        step_vector(p, grads, b, fresh, i, 1, 0, &set);
    if (i < end)
        step_vector(p, grads, b, fresh, i, 0, tn_avx512_first_lanes((int)(end - i)), &set);
}

#endif
