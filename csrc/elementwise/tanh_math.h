/*
 * elementwise/tanh_math.h -- tanh of one float, the way tn_stanh_forward
 * computes it: the constants, and the plain C version of one number, which
 * the AVX2 version (tanh_forward_avx2.c) repeats 8 lanes at a time with the
 * same operations in the same order, so both give the same bits.
 *
 * tanh is odd, so it is computed for a = |x| and given x's sign.  Every
 * "p * x + c" below is one fused multiply-add (fmaf here, an FMA
 * instruction in the AVX2 lanes): one rounding, so both give the same bits.
 *
 *   a < 0.55:  tanh a = a + a^3 p(a^2), where p is a polynomial of degree 4:
 *              a fit to (tanh a - a) / a^3 that makes the worst relative
 *              error of the sum over [0, 0.55] as small as it can be
 *              (minimax; 1e-9 of tanh a before the floats' rounding, where
 *              Taylor's series needs ten terms for the same at 0.55; each
 *              coefficient, from the lowest power up, was rounded to float
 *              and the rest fitted again).  The a^3 part is under 10 % of
 *              the sum, so its rounding counts a tenth.
 *   a >= 0.55: tanh a = 1 - 2 / (e^2a + 1), where tanh a >= 0.5, so the
 *              subtraction loses nothing (below 0.5 it would cancel: that is
 *              why the series takes the small numbers).  e^y, y = 2a, is
 *              2^k e^r with k = round(y / ln 2) and r = y - k ln 2 (|r| <=
 *              ln(2)/2): ln 2 in two parts keeps r accurate; e^r is
 *              1 + r g(r), g a minimax polynomial of degree 5 for
 *              (e^r - 1) / r (3e-9 of e^r), and 2^k goes into the exponent.
 *              y stops at 20: tanh(10) is 1.0 in float (1 - 4e-9), and so
 *              is every larger a, inf included.
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

/* p in tanh a = a + a^3 p(a^2), from the highest power down (Horner) */
#define TANH_SERIES_TERMS 5
static const float TANH_SERIES[TANH_SERIES_TERMS] = {
    -0.006242849f, 0.021050714f, -0.053847548f, 0.13332544f, -0.33333316f,
};

/* g in e^r = 1 + r g(r), from the highest power down (the first terms of e^r's series are 1, 1/2, 1/6...) */
#define TANH_EXP_TERMS 6
static const float TANH_EXP_SERIES[TANH_EXP_TERMS] = {
    0.0013818268f, 0.008368531f, 0.041668292f, 0.16666523f, 0.49999994f, 1.0f,
};

/* c[0] x^(n-1) + c[1] x^(n-2) + ... + c[n-1], by Horner's rule: one fused multiply-add per coefficient. */
static inline float horner(const float *c, int n, float x)
{
    float p = c[0];
    for (int i = 1; i < n; i++)
        p = fmaf(p, x, c[i]);
    return p;
}

/* tanh(x) for one float (the plain loop's, and the reference for the AVX2 lanes). */
static inline float tanh_one(float x)
{
    const float a = fabsf(x);
    float t;
    if (!(a >= TANH_SERIES_BELOW)) { /* (NaN too) */
        const float s = a * a;
        t = fmaf(a * s, horner(TANH_SERIES, TANH_SERIES_TERMS, s), a);
    } else {
        float y = a + a;
        if (y > TANH_Y_LIMIT)
            y = TANH_Y_LIMIT;
        const float k = rintf(y * TANH_LOG2E); /* (2 <= k <= 29) */
        const float r = fmaf(-k, TANH_LN2_LOW, fmaf(-k, TANH_LN2_HIGH, y));
        const float q = fmaf(r, horner(TANH_EXP_SERIES, TANH_EXP_TERMS, r), 1.0f);
        const float e = ldexpf(q, (int)k); /* e^y = e^r 2^k, exactly */
        t = 1.0f - 2.0f / (e + 1.0f);
    }
    return copysignf(t, x);
}

/* tanh_forward_avx2.c: y[i] = tanh_one(x[i]) for the first n - n % 8 numbers, 8 at a time; returns how many
 * it did (x86 with GCC or clang: 0 elsewhere, where it is not compiled in). */
int64_t stanh_forward_avx2(int64_t n, const float *x, float *y);

#endif
