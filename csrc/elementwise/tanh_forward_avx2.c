/*
 * elementwise/tanh_forward_avx2.c -- float tanh, 8 numbers at a time with
 * AVX2 (x86 only; tn_stanh_forward chooses it when tn_get_simd_level()
 * allows).  tanh_math.h has the math and the plain version of one number;
 * here every lane computes both of its branches and keeps one, with the
 * same operations in the same order (each fmaf an FMA instruction), so each
 * lane's bits are tanh_one's.
 */
#include "common/simd.h"
#include "elementwise/tanh_math.h"

#if TN_X86

/* tanh_math.h's horner, 8 lanes at a time: p * x + c rounded once, as fmaf does */
static TN_AVX2 TN_ALWAYS_INLINE __m256 horner8(const float *c, int n, __m256 x)
{
    __m256 p = _mm256_set1_ps(c[0]);
    TN_UNROLL_FULLY
    for (int i = 1; i < n; i++)
        p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(c[i]));
    return p;
}

static TN_AVX2 TN_ALWAYS_INLINE __m256 tanh8(__m256 x)
{
    const __m256 sign_bit = _mm256_set1_ps(-0.0f);
    const __m256 a = _mm256_andnot_ps(sign_bit, x);

    /* the series, for a < 0.55 */
    const __m256 s = _mm256_mul_ps(a, a);
    const __m256 series = _mm256_fmadd_ps(_mm256_mul_ps(a, s), horner8(TANH_SERIES, TANH_SERIES_TERMS, s), a);

    /* 1 - 2 / (e^2a + 1), for a >= 0.55 */
    const __m256 y = _mm256_min_ps(_mm256_add_ps(a, a), _mm256_set1_ps(TANH_Y_LIMIT));
    const __m256 k = _mm256_round_ps(_mm256_mul_ps(y, _mm256_set1_ps(TANH_LOG2E)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(TANH_LN2_LOW),
                                      _mm256_fnmadd_ps(k, _mm256_set1_ps(TANH_LN2_HIGH), y));
    const __m256 q = _mm256_fmadd_ps(r, horner8(TANH_EXP_SERIES, TANH_EXP_TERMS, r), _mm256_set1_ps(1.0f));
    /* 2^k: k + 127 in a float's exponent bits */
    const __m256i two_to_k = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    const __m256 e = _mm256_mul_ps(q, _mm256_castsi256_ps(two_to_k));
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 exp_form = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));

    const __m256 use_exp = _mm256_cmp_ps(a, _mm256_set1_ps(TANH_SERIES_BELOW), _CMP_GE_OQ); /* false for NaN */
    const __m256 t = _mm256_blendv_ps(series, exp_form, use_exp);
    return _mm256_or_ps(t, _mm256_and_ps(x, sign_bit));
}

TN_AVX2 int64_t stanh_forward_avx2(int64_t n, const float *x, float *y)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, tanh8(_mm256_loadu_ps(x + i)));
    return i;
}

#else

int64_t stanh_forward_avx2(int64_t n, const float *x, float *y)
{
    (void)n, (void)x, (void)y;
    return 0;
}

#endif
