/*
 * elementwise/tanh_math.h -- tanh of one float, the way tn_stanh_forward
 * computes it: the constants, and the plain C version of one number, which
 * the AVX2 version (tanh_forward_avx2.c) repeats 8 lanes at a time with the
 * same operations in the same order, so both give the same bits.
 *
 * tanh is odd, so it is computed for a = |x| and given x's sign.
 *
 *   a < 0.55:  tanh's Taylor series, ten terms:
 *                tanh a = a - a^3/3 + 2a^5/15 - 17a^7/315 + ... - 443861162 a^19/1856156927625
 *              summed as a + (a * s) * p(s), s = a^2, p by Horner.  At
 *              a = 0.55 the eleventh term is 1e-9 of tanh a: the error is
 *              that of the float arithmetic (the a^3 part is under 10 % of
 *              the sum, so its rounding counts a tenth).
 *   a >= 0.55: tanh a = 1 - 2 / (e^2a + 1), where tanh a >= 0.5, so the
 *              subtraction loses nothing (below 0.5 it would cancel: that is
 *              why the series takes the small numbers).  e^y, y = 2a, is
 *              2^k e^r with k = round(y / ln 2) and r = y - k ln 2 (|r| <=
 *              ln(2)/2): ln 2 in two parts (LN2_HIGH has 16 significant bits,
 *              so k * LN2_HIGH is exact) keeps r accurate; e^r is its Taylor
 *              polynomial of degree 7 (the next term is 5e-9 of it), and
 *              2^k goes into the exponent.  y stops at 20: tanh(10) is 1.0
 *              in float (1 - 4e-9), and so is every larger a, inf included.
 *
 * Against tanh in double precision rounded to float, over every float from 0
 * to 10 (tests/test_tanh_forward.py checks samples): at most 2 units in the
 * last place (ulp) off.  NaN stays NaN (the series is taken when a >= 0.55
 * is false); -0.0 stays -0.0.
 */
#ifndef TN_ELEMENTWISE_TANH_MATH_H
#define TN_ELEMENTWISE_TANH_MATH_H

#include <math.h>
#include <stdint.h>

#define TANH_SERIES_BELOW 0.550000012f     /* 0.55: tanh(0.5493) = 0.5 */
#define TANH_Y_LIMIT 20.0f                 /* e^y for y = 2a is taken at y <= 20 (a <= 10) */
#define TANH_LOG2E 1.44269502f             /* 1 / ln 2 */
#define TANH_LN2_HIGH 0.693145752f         /* ln 2 = LN2_HIGH + LN2_LOW */
#define TANH_LN2_LOW 1.42860677e-06f

/* tanh a = a + a^3 p(a^2): p's coefficients, Taylor's, as floats, from the highest power down (Horner) */
#define TANH_SERIES_TERMS 9
static const float TANH_SERIES[TANH_SERIES_TERMS] = {
    -0.00023912912f, /* -443861162/1856156927625 */
    0.000590027426f, /* 6404582/10854718875 */
    -0.00145583437f, /* -929569/638512875 */
    0.00359212793f,  /* 21844/6081075 */
    -0.00886323582f, /* -1382/155925 */
    0.0218694881f,   /* 62/2835 */
    -0.0539682545f,  /* -17/315 */
    0.13333334f,     /* 2/15 */
    -0.333333343f,   /* -1/3 */
};

/* e^r = 1 + r + r^2/2! + ... + r^7/7!: the 1/n! as floats, from the highest power down */
#define TANH_EXP_TERMS 8
static const float TANH_EXP_SERIES[TANH_EXP_TERMS] = {
    0.000198412701f, 0.00138888892f, 0.00833333377f, 0.0416666679f, 0.166666672f, 0.5f, 1.0f, 1.0f,
};

/* c[0] x^(n-1) + c[1] x^(n-2) + ... + c[n-1], by Horner's rule: a multiply and an add per coefficient. */
static inline float horner(const float *c, int n, float x)
{
    float p = c[0];
    for (int i = 1; i < n; i++)
        p = p * x + c[i];
    return p;
}

/* tanh(x) for one float (the plain loop's, and the reference for the AVX2 lanes). */
static inline float tanh_one(float x)
{
    const float a = fabsf(x);
    float t;
    if (!(a >= TANH_SERIES_BELOW)) { /* (NaN too) */
        const float s = a * a;
        const float p = horner(TANH_SERIES, TANH_SERIES_TERMS, s);
        t = a + (a * s) * p;
    } else {
        float y = a + a;
        if (y > TANH_Y_LIMIT)
            y = TANH_Y_LIMIT;
        const float k = rintf(y * TANH_LOG2E); /* (2 <= k <= 29) */
        const float r = (y - k * TANH_LN2_HIGH) - k * TANH_LN2_LOW;
        const float q = horner(TANH_EXP_SERIES, TANH_EXP_TERMS, r);
        const float e = ldexpf(q, (int)k); /* e^y = e^r 2^k, exactly */
        t = 1.0f - 2.0f / (e + 1.0f);
    }
    return copysignf(t, x);
}

/* tanh_forward_avx2.c: y[i] = tanh_one(x[i]) for the first n - n % 8 numbers, 8 at a time; returns how many
 * it did (x86 with GCC or clang: 0 elsewhere, where it is not compiled in). */
int64_t stanh_forward_avx2(int64_t n, const float *x, float *y);

#endif
