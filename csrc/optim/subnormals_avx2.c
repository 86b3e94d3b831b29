/*
 * optim/subnormals_avx2.c -- subnormals_avx512.c (which says why and how) with
 * AVX2's vectors of 8 floats: any_near_subnormal_avx2, and the float steps
 * of SGD with a momentum buffer (ssgd_careful_avx2) and Adam
 * (sadam_careful_avx2) for the stretches that hold numbers near the
 * subnormals, each product of such a vector made in double.
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

/* Each lane's size minus 1, as an unsigned integer (see subnormals_avx512.c). */
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
TN_AVX2 int any_near_subnormal_avx2(const float *x, int64_t count, float below)
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
    int decays, nesterov, undamped_is_one;
} momentum_settings;

/* undamped * g.  Without dampening (PyTorch's default) undamped is 1, and 1 * g is g exactly: a subnormal
 * product only where g itself is one (rare: gradients are not looked at), so it is made in float, the
 * same bits as MUL's for a third of a careful vector's conversions to double and back. */
#define UNDAMPED_TIMES(MUL, g) (undamped_is_one ? _mm256_mul_ps(undamped, g) : MUL(undamped, g))

/* update.inc's step (see sgd_range there for the rule) for one vector, each product made by MUL. */
#define MOMENTUM_STEP(MUL)                                                                                \
    do {                                                                                                  \
        __m256 g = _mm256_xor_ps(grad, negate); /* -g or g */                                             \
        if (decays)                                                                                       \
            g = _mm256_add_ps(g, MUL(decay, value));                                                      \
        velocity = fresh ? g : _mm256_add_ps(MUL(old, momentum), UNDAMPED_TIMES(MUL, g));                  \
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
    const int decays = set->decays, nesterov = set->nesterov, undamped_is_one = set->undamped_is_one;
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

TN_AVX2 void ssgd_careful_avx2(float *p, const float *grads, float *b, int fresh, int64_t begin, int64_t end,
                               const ssgd_scalars *s)
{
    /* (a local: the stores to p and b cannot change it, so it stays in registers) */
    const momentum_settings set = {_mm256_set1_ps(s->lr), _mm256_set1_ps(s->weight_decay),
                                   _mm256_set1_ps(s->momentum), _mm256_set1_ps(s->undamped),
                                   _mm256_set1_ps(s->maximize ? -0.0f : 0.0f), bits_minus_one(s->near_subnormal),
                                   s->weight_decay != 0, s->nesterov, s->undamped == 1.0f};
    int64_t i = begin;
    for (; i + 8 <= end; i += 8)
        step_vector(p, grads, b, fresh, i, 1, _mm256_setzero_si256(), &set);
    if (i < end)
        step_vector(p, grads, b, fresh, i, 0, tn_avx2_first_lanes((int)(end - i)), &set);
}

/* Adam (subnormals_avx512.c says what changes near the subnormals). */
typedef struct {
    __m256 beta1, beta2, one_minus_beta1, one_minus_beta2, weight_decay, decay_factor, step_size, negate;
    __m256d sqrt_bias_correction2, eps;
    __m256i below, grad_below;
    int coupled_decay, decoupled_decay;
} adam_settings;

/* The float square root of x, made in double. */
static TN_AVX2 TN_ALWAYS_INLINE __m256 exact_sqrt(__m256 x)
{
    const __m128 lo = _mm256_cvtpd_ps(_mm256_sqrt_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x))));
    const __m128 hi = _mm256_cvtpd_ps(_mm256_sqrt_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
}

/* value - (float)((double)step / ((double)root / sqrt_bias_correction2 + eps)), in double by halves. */
static TN_AVX2 TN_ALWAYS_INLINE __m256 adam_update(__m256 value, __m256 step, __m256 root, const adam_settings *set)
{
    const __m128 step_h[2] = {_mm256_castps256_ps128(step), _mm256_extractf128_ps(step, 1)};
    const __m128 root_h[2] = {_mm256_castps256_ps128(root), _mm256_extractf128_ps(root, 1)};
    __m128 half[2];
    for (int h = 0; h < 2; h++) {
        const __m256d denominator = _mm256_add_pd(
            _mm256_div_pd(_mm256_cvtps_pd(root_h[h]), set->sqrt_bias_correction2), set->eps);
        half[h] = _mm256_cvtpd_ps(_mm256_div_pd(_mm256_cvtps_pd(step_h[h]), denominator));
    }
    return _mm256_sub_ps(value, _mm256_insertf128_ps(_mm256_castps128_ps256(half[0]), half[1], 1));
}

#define ADAM_STEP(MUL, SQRT)                                                                              \
    do {                                                                                                  \
        __m256 g = _mm256_xor_ps(grad, set->negate);                                                      \
        if (set->decoupled_decay)                                                                         \
            value = MUL(value, set->decay_factor);                                                        \
        if (set->coupled_decay)                                                                           \
            g = _mm256_add_ps(g, MUL(set->weight_decay, value));                                          \
        mean = _mm256_add_ps(MUL(m_old, set->beta1), MUL(set->one_minus_beta1, g));                       \
        square = _mm256_add_ps(MUL(v_old, set->beta2), MUL(MUL(set->one_minus_beta2, g), g));            \
        second = square;                                                                                  \
        if (v_max != NULL) { /* the larger, or a NaN already there, stays */                             \
            const __m256 keep = _mm256_or_ps(_mm256_cmp_ps(largest, square, _CMP_GE_OQ),                 \
                                             _mm256_cmp_ps(largest, largest, _CMP_UNORD_Q));              \
            second = _mm256_blendv_ps(square, largest, keep);                                             \
        }                                                                                                 \
        updated = adam_update(value, MUL(set->step_size, mean), SQRT(second), set);                       \
    } while (0)

static TN_AVX2 TN_ALWAYS_INLINE void adam_vector(float *restrict p, const float *restrict grads, float *restrict m,
                                                 float *restrict v, float *restrict v_max, int64_t i, __m256i lanes,
                                                 const adam_settings *set)
{
    __m256 value = _mm256_maskload_ps(p + i, lanes);
    const __m256 grad = _mm256_maskload_ps(grads + i, lanes);
    const __m256 m_old = _mm256_maskload_ps(m + i, lanes), v_old = _mm256_maskload_ps(v + i, lanes);
    const __m256 largest = v_max != NULL ? _mm256_maskload_ps(v_max + i, lanes) : _mm256_setzero_ps();
    const int near = lanes_below(size_minus_one(m_old), set->below) | lanes_below(size_minus_one(v_old), set->below) |
                     (v_max != NULL ? lanes_below(size_minus_one(largest), set->below) : 0) |
                     lanes_below(size_minus_one(grad), set->grad_below) |
                     (set->coupled_decay || set->decoupled_decay ? lanes_below(size_minus_one(value), set->below) : 0);
    __m256 mean, square, second, updated;
    if (near == 0)
        ADAM_STEP(_mm256_mul_ps, _mm256_sqrt_ps);
    else
        ADAM_STEP(exact_product, exact_sqrt);
    _mm256_maskstore_ps(m + i, lanes, mean);
    _mm256_maskstore_ps(v + i, lanes, square);
    if (v_max != NULL)
        _mm256_maskstore_ps(v_max + i, lanes, second);
    _mm256_maskstore_ps(p + i, lanes, updated);
}

TN_AVX2 void sadam_careful_avx2(float *p, const float *grads, float *m, float *v, float *v_max, int64_t begin,
                                int64_t end, const sadam_scalars *s)
{
    const int decays = s->weight_decay != 0;
    /* (a local: the stores cannot change it, so it stays in registers) */
    const adam_settings set = {
        _mm256_set1_ps(s->beta1), _mm256_set1_ps(s->beta2), _mm256_set1_ps(s->one_minus_beta1),
        _mm256_set1_ps(s->one_minus_beta2), _mm256_set1_ps(s->weight_decay), _mm256_set1_ps(s->decay_factor),
        _mm256_set1_ps(s->step_size), _mm256_set1_ps(s->maximize ? -0.0f : 0.0f),
        _mm256_set1_pd(s->sqrt_bias_correction2), _mm256_set1_pd(s->eps), bits_minus_one(s->near_subnormal),
        bits_minus_one(s->grad_near_subnormal), decays && !s->decoupled, decays && s->decoupled};
    for (int64_t i = begin; i < end; i += 8)
        adam_vector(p, grads, m, v, v_max, i, tn_avx2_first_lanes((int)(end - i < 8 ? end - i : 8)), &set);
}

#endif
