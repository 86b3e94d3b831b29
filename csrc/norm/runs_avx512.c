/*
 * norm/runs_avx512.c -- batch normalization's loops over one run of a
 * channel, float32, with AVX-512F (declared in runs_avx512.h; the math is
 * in batch_norm.c).
 *
 * The plain loops (channel.inc) keep 8 running sums of double, and GCC
 * compiled their float-to-double conversions partly one number at a time:
 * about 3 cycles a number for ResNet's 64 x 64 x 28 x 28.  Here one vector
 * of 8 doubles is those 8 sums, updated with the same operations (multiply,
 * then add: no fused multiply-add) in the same order, so the results are
 * those of the plain loop, bit for bit.
 */
#include "norm/runs_avx512.h"

#if TN_X86

/* The run's g = dy, zeroed where the ReLU (relu: 1) let nothing through: x * scale + shift <= 0,
 * computed in float as the plain loop does. */
static TN_AVX512 TN_ALWAYS_INLINE __m256 upstream8(__m256 dy, __m256 x, int relu, __m256 scale, __m256 shift)
{
    if (!relu)
        return dy;
    const __m256 y = _mm256_add_ps(_mm256_mul_ps(x, scale), shift);
    return _mm256_and_ps(dy, _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GT_OQ));
}

TN_AVX512 void sbn_add_run_avx512(const float *x, int64_t n, double lane[8])
{
    __m512d sum = _mm512_loadu_pd(lane);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        sum = _mm512_add_pd(sum, _mm512_cvtps_pd(_mm256_loadu_ps(x + i)));
    _mm512_storeu_pd(lane, sum);
    for (int l = 0; i < n; i++, l++)
        lane[l] += (double)x[i];
}

TN_AVX512 void sbn_add_squares_run_avx512(const float *x, int64_t n, double center, double lane[8])
{
    const __m512d center8 = _mm512_set1_pd(center);
    __m512d sum = _mm512_loadu_pd(lane);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)), center8);
        sum = _mm512_add_pd(sum, _mm512_mul_pd(d, d));
    }
    _mm512_storeu_pd(lane, sum);
    for (int l = 0; i < n; i++, l++) {
        const double d = (double)x[i] - center;
        lane[l] += d * d;
    }
}

TN_AVX512 void sbn_add_grad_run_avx512(const float *dy, const float *x, int64_t n, float mean, int relu,
                                       float scale, float shift, double lane_g[8], double lane_gx[8])
{
    const __m256 scale8 = _mm256_set1_ps(scale), shift8 = _mm256_set1_ps(shift);
    const __m512d center = _mm512_set1_pd((double)mean);
    __m512d sum_g = _mm512_loadu_pd(lane_g), sum_gx = _mm512_loadu_pd(lane_gx);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 xs = _mm256_loadu_ps(x + i);
        const __m512d g = _mm512_cvtps_pd(upstream8(_mm256_loadu_ps(dy + i), xs, relu, scale8, shift8));
        sum_g = _mm512_add_pd(sum_g, g);
        sum_gx = _mm512_add_pd(sum_gx, _mm512_mul_pd(g, _mm512_sub_pd(_mm512_cvtps_pd(xs), center)));
    }
    _mm512_storeu_pd(lane_g, sum_g);
    _mm512_storeu_pd(lane_gx, sum_gx);
    for (int l = 0; i < n; i++, l++) { /* the tail, one number at a time as in the plain loop */
        const double g = !relu || x[i] * scale + shift > 0 ? (double)dy[i] : 0.0;
        lane_g[l] += g;
        lane_gx[l] += g * ((double)x[i] - (double)mean);
    }
}

TN_AVX512 void sbn_input_grad_run_avx512(const float *dy, const float *x, int64_t n, int relu, float scale,
                                         float shift, float a, float b, float k, float *dx)
{
    const __m256 scale8 = _mm256_set1_ps(scale), shift8 = _mm256_set1_ps(shift);
    const __m256 a8 = _mm256_set1_ps(a), b8 = _mm256_set1_ps(b), k8 = _mm256_set1_ps(k);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 xs = _mm256_loadu_ps(x + i);
        const __m256 g = upstream8(_mm256_loadu_ps(dy + i), xs, relu, scale8, shift8);
        _mm256_storeu_ps(dx + i, _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(a8, g), _mm256_mul_ps(b8, xs)), k8));
    }
    for (; i < n; i++) {
        const float g = !relu || x[i] * scale + shift > 0 ? dy[i] : 0;
        dx[i] = a * g + b * x[i] + k;
    }
}

#endif
