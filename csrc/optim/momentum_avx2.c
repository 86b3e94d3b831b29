/*
 * optim/momentum_avx2.c -- momentum_avx512.c (which says why and how) with
 * AVX2's vectors of 8 floats: ssgd_any_near_subnormal_avx2, and
 * ssgd_momentum_avx2, SGD with a momentum buffer for the stretches that
 * hold numbers near the subnormals, each product of such a vector made in
 * double.
 */
#include <stdint.h>
#include <string.h>

#include "common/simd.h"
#include "optim/optim.h"

#if TN_X86

/* x * y as float, made in double. */
static TN_AVX2 TN_ALWAYS_INLINE __m256 exact_product(__m256 x, __m256 y)
{
    const __m128 lo = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)),
                                                    _mm256_cvtps_pd(_mm256_castps256_ps128(y))));
    const __m128 hi = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)),
                                                    _mm256_cvtps_pd(_mm256_extractf128_ps(y, 1))));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
}

/* Each lane's size minus 1, as an unsigned integer (see momentum_avx512.c). */
static TN_AVX2 TN_ALWAYS_INLINE __m256i size_minus_one(__m256 x)
{
    const __m256i size = _mm256_and_si256(_mm256_castps_si256(x), _mm256_set1_epi32(0x7fffffff));
    return _mm256_sub_epi32(size, _mm256_set1_epi32(1));
}

/* A bit per lane whose unsigned x is below the unsigned limit (AVX2 compares only signed integers:
 * x < limit when max(x, limit) is not x). */
static TN_AVX2 TN_ALWAYS_INLINE int lanes_below(__m256i x, __m256i limit)
{
    const __m256i not_below = _mm256_cmpeq_epi32(_mm256_max_epu32(x, limit), x);
    return ~_mm256_movemask_ps(_mm256_castsi256_ps(not_below)) & 0xFF;
}

static TN_AVX2 TN_ALWAYS_INLINE __m256i bits_minus_one(float below)
{
    int32_t bits;
    memcpy(&bits, &below, sizeof bits);
    return _mm256_set1_epi32(bits - 1);
}

/* Whether one of x[0..count) is nonzero and smaller in size than `below`: the smallest size minus 1,
 * unsigned, compared once. */
TN_AVX2 int ssgd_any_near_subnormal_avx2(const float *x, int64_t count, float below)
{
    __m256i smallest = _mm256_set1_epi32(-1);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8)
        smallest = _mm256_min_epu32(smallest, size_minus_one(_mm256_loadu_ps(x + i)));
    if (i < count) /* (lanes past the end load as 0, which is not near) */
        smallest = _mm256_min_epu32(smallest, size_minus_one(_mm256_maskload_ps(
                                                  x + i, tn_avx2_first_lanes((int)(count - i)))));
    return lanes_below(smallest, bits_minus_one(below)) != 0;
}

/* The step's settings, in vectors: negate is the sign bit when maximizing (g = -g), below the bits of
 * scalars.near_subnormal minus 1. */
typedef struct {
    __m256 lr, decay, momentum, undamped, negate;
    __m256i below;
    int decays, nesterov;
} momentum_settings;

/* update.inc's step (see sgd_range there for the rule) for one vector, each product made by MUL. */
#define MOMENTUM_STEP(MUL)                                                                                \
    do {                                                                                                  \
        __m256 g = _mm256_xor_ps(grad, negate); /* -g or g */                                             \
        if (decays)                                                                                       \
            g = _mm256_add_ps(g, MUL(decay, value));                                                      \
        velocity = fresh ? g : _mm256_add_ps(MUL(old, momentum), MUL(undamped, g));                       \
        g = nesterov ? _mm256_add_ps(g, MUL(momentum, velocity)) : velocity;                              \
        updated = _mm256_sub_ps(value, MUL(lr, g));                                                       \
    } while (0)

/* One vector at i: FULL (a constant), all 8 lanes with plain loads and stores (AVX2's masked ones
 * are slower), else `lanes`. */
static TN_AVX2 TN_ALWAYS_INLINE void step_vector(float *restrict p, const float *restrict grads, float *restrict b,
                                                 int fresh, int64_t i, const int FULL, __m256i lanes,
                                                 const momentum_settings *set)
{
    const __m256 lr = set->lr, decay = set->decay, momentum = set->momentum, undamped = set->undamped;
    const __m256 negate = set->negate;
    const int decays = set->decays, nesterov = set->nesterov;
#define LOAD(x) (FULL ? _mm256_loadu_ps(x) : _mm256_maskload_ps(x, lanes))
    const __m256 value = LOAD(p + i), grad = LOAD(grads + i);
    /* (a fresh buffer holds garbage: it is neither read nor looked at) */
    const __m256 old = fresh ? _mm256_setzero_ps() : LOAD(b + i);
#undef LOAD
    const int near = lanes_below(size_minus_one(old), set->below) |
                     (decays ? lanes_below(size_minus_one(value), set->below) : 0);
    __m256 velocity, updated;
    if (near == 0)
        MOMENTUM_STEP(_mm256_mul_ps);
    else
        MOMENTUM_STEP(exact_product);
    if (FULL) {
        _mm256_storeu_ps(b + i, velocity);
        _mm256_storeu_ps(p + i, updated);
    } else {
        _mm256_maskstore_ps(b + i, lanes, velocity);
        _mm256_maskstore_ps(p + i, lanes, updated);
    }
}

TN_AVX2 void ssgd_momentum_avx2(float *p, const float *grads, float *b, int fresh, int64_t begin, int64_t end,
                                const ssgd_scalars *s)
{
    /* (a local: the stores to p and b cannot change it, so it stays in registers) */
    const momentum_settings set = {_mm256_set1_ps(s->lr), _mm256_set1_ps(s->weight_decay),
                                   _mm256_set1_ps(s->momentum), _mm256_set1_ps(s->undamped),
                                   _mm256_set1_ps(s->maximize ? -0.0f : 0.0f), bits_minus_one(s->near_subnormal),
                                   s->weight_decay != 0, s->nesterov};
    int64_t i = begin;
    for (; i + 8 <= end; i += 8)
        step_vector(p, grads, b, fresh, i, 1, _mm256_setzero_si256(), &set);
    if (i < end)
        step_vector(p, grads, b, fresh, i, 0, tn_avx2_first_lanes((int)(end - i)), &set);
}

#endif
