/*
 * conv/rows_plain.c -- the row convolution's tiles in plain C: the sums of
 * rows_avx512.c (rows.h states them), one output at a time.  They run where
 * AVX-512 is missing or switched off (tn_set_simd_level), so the tests
 * check the driver's layouts at every SIMD level.
 */
#include "conv/rows.h"

void rows_forward_plain(int block, int64_t taps, const int64_t *tap, const float *weights, const float *image,
                        const rows_piece *pieces, int64_t count, const float *bias, float *out, int64_t out_stride)
{
    for (int64_t u = 0; u < count; u++)
        for (int o = 0; o < block; o++)
            for (int l = 0; l < pieces[u].lanes; l++) {
                float sum = bias ? bias[o] : 0.0f;
                for (int64_t t = 0; t < taps; t++)
                    sum += weights[t * block + o] * image[tap[t] + pieces[u].in + l];
                out[o * out_stride + pieces[u].out + l] = sum;
            }
}

void rows_weight_grad_plain(int block, int rows, int kw, const float *g, int64_t g_stride, const float *x,
                            int64_t x_row, const rows_piece *pieces, int64_t count, float *lane_sums,
                            int64_t sum_stride)
{
    for (int o = 0; o < block; o++)
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < kw; q++)
                for (int64_t u = 0; u < count; u++)
                    for (int l = 0; l < pieces[u].lanes; l++)
                        lane_sums[o * sum_stride + (r * kw + q) * ROWS_LANES + l] +=
                            g[o * g_stride + pieces[u].out + l] * x[r * x_row + pieces[u].in + q + l];
}
