/*
 * conv/rows_avx2.c -- the row convolution's tiles in AVX2 registers, for
 * CPUs without AVX-512 (the picture is in rows.h; rows_avx512.c is the
 * AVX-512 twin, rows_plain.c the plain one).
 *
 * A piece is 16 outputs, two 8-float vectors here.  With 16 registers, a
 * forward tile is one piece by up to 4 output channels (8 accumulators), a
 * block of more channels running as several; a dL/dW tile is 2 output
 * channels by 1 or 2 kernel rows by kw taps, the two halves of a piece
 * adding into the same 8-lane sums.  Lanes past a piece's end are written
 * under lane masks (vmaskmov: a masked-off lane touches no memory and reads
 * as 0), and read under them where the sums need zeros there (dL/dW) or the
 * memory may end (the forward tile's exact_reads); whole vectors are read
 * and written plainly.  A masked store costs many times a plain one on AMD
 * cores: on a Zen 3 core (batch 1024, one thread) the 1 -> 4 forward at
 * 28x28 took 7.2 ms with every store masked and 3.8-3.9 with whole vectors
 * stored plainly, 4 -> 4 11.6 against 9.2-9.4.
 */
#include "common/simd.h"
#include "conv/rows.h"

#if TN_X86

#define AVX2_FORWARD_CHANNELS 4 /* output channels per AVX2 forward tile */
#define AVX2_GRAD_CHANNELS 2    /* output channels per AVX2 dL/dW tile */

/* Forward: CHANNELS output channels (o0 .. o0 + CHANNELS - 1 of a block of `block`) x one piece.  With
 * EXACT_READS 0 the loads take whole vectors, lanes past a piece's end too (they are not stored). */
static TN_AVX2 TN_ALWAYS_INLINE void forward_body(const int CHANNELS, const int EXACT_READS, int block, int o0,
                                                  int64_t taps, const int64_t *tap, const float *weights,
                                                  const float *image, const rows_piece *pieces, int64_t count,
                                                  const float *bias, float *out, int64_t out_stride)
{
    for (int64_t u = 0; u < count; u++) {
        const int lanes = pieces[u].lanes;
        const __m256i mask_lo = tn_avx2_first_lanes(lanes), mask_hi = tn_avx2_first_lanes(lanes - 8);
        const float *x = image + pieces[u].in;
        __m256 lo[AVX2_FORWARD_CHANNELS], hi[AVX2_FORWARD_CHANNELS];
        TN_UNROLL_FULLY
        for (int o = 0; o < CHANNELS; o++)
            lo[o] = hi[o] = bias ? _mm256_set1_ps(bias[o0 + o]) : _mm256_setzero_ps();
        const float *w = weights + o0;
        for (int64_t t = 0; t < taps; t++, w += block) {
            const __m256 x_lo = EXACT_READS ? _mm256_maskload_ps(x + tap[t], mask_lo) : _mm256_loadu_ps(x + tap[t]);
            const __m256 x_hi = EXACT_READS ? _mm256_maskload_ps(x + tap[t] + 8, mask_hi)
                                            : _mm256_loadu_ps(x + tap[t] + 8);
            TN_UNROLL_FULLY
            for (int o = 0; o < CHANNELS; o++) {
                const __m256 w_o = _mm256_broadcast_ss(w + o);
                lo[o] = _mm256_fmadd_ps(w_o, x_lo, lo[o]);
                hi[o] = _mm256_fmadd_ps(w_o, x_hi, hi[o]);
            }
        }
        TN_UNROLL_FULLY
        for (int o = 0; o < CHANNELS; o++) {
            float *y = out + (o0 + o) * out_stride + pieces[u].out;
            tn_avx2_store_first(y, lanes, mask_lo, lo[o]);
            tn_avx2_store_first(y + 8, lanes - 8, mask_hi, hi[o]);
        }
    }
}

TN_AVX2 void rows_forward_avx2(int block, int exact_reads, int64_t taps, const int64_t *tap, const float *weights,
                               const float *image, const rows_piece *pieces, int64_t count, const float *bias,
                               float *out, int64_t out_stride)
{
#define FORWARD_CASE(C)                                                                                      \
    if (exact_reads)                                                                                         \
        forward_body(C, 1, block, o0, taps, tap, weights, image, pieces, count, bias, out, out_stride);     \
    else                                                                                                     \
        forward_body(C, 0, block, o0, taps, tap, weights, image, pieces, count, bias, out, out_stride);     \
    break;
    for (int o0 = 0; o0 < block; o0 += AVX2_FORWARD_CHANNELS) {
        switch (block - o0 < AVX2_FORWARD_CHANNELS ? block - o0 : AVX2_FORWARD_CHANNELS) {
        case 1: FORWARD_CASE(1)
        case 2: FORWARD_CASE(2)
        case 3: FORWARD_CASE(3)
        default: FORWARD_CASE(4)
        }
    }
#undef FORWARD_CASE
}

/* One half of a piece (8 lanes at out in dL/dy, at in in the image) into the dL/dW tile's sums.  A whole
 * half (MASKED 0) is read with plain loads, a partial one under the lane mask of its `lanes` (the lanes
 * past them must read as zeros): in separate loops, so that the whole halves' loop needs no register
 * for the mask -- with 12 accumulators, 2 vectors of dL/dy and one of the image it has none to spare,
 * and GCC kept three accumulators on the stack. */
static TN_AVX2 TN_ALWAYS_INLINE void grad_half(const int CHANNELS, const int ROWS, const int KW, const int MASKED,
                                               __m256 acc[AVX2_GRAD_CHANNELS][2][ROWS_MAX_KERNEL_W],
                                               const float *g, int64_t g_stride, const float *x, int64_t x_row,
                                               int64_t out, int64_t in, int lanes)
{
    const __m256i mask = MASKED ? tn_avx2_first_lanes(lanes) : _mm256_setzero_si256();
    __m256 g_o[AVX2_GRAD_CHANNELS];
    TN_UNROLL_FULLY
    for (int o = 0; o < CHANNELS; o++)
        g_o[o] = MASKED ? _mm256_maskload_ps(g + o * g_stride + out, mask) : _mm256_loadu_ps(g + o * g_stride + out);
    TN_UNROLL_FULLY
    for (int r = 0; r < ROWS; r++) {
        TN_UNROLL_FULLY
        for (int q = 0; q < KW; q++) {
            const float *x_rq = x + r * x_row + in + q;
            const __m256 x_q = MASKED ? _mm256_maskload_ps(x_rq, mask) : _mm256_loadu_ps(x_rq);
            TN_UNROLL_FULLY
            for (int o = 0; o < CHANNELS; o++)
                acc[o][r][q] = _mm256_fmadd_ps(g_o[o], x_q, acc[o][r][q]);
        }
    }
}

/* dL/dW: CHANNELS output channels x ROWS kernel rows x KW taps, 8-lane sums in lane_sums' first 8 lanes. */
static TN_AVX2 TN_ALWAYS_INLINE void grad_body(const int CHANNELS, const int ROWS, const int KW, const float *g,
                                               int64_t g_stride, const float *x, int64_t x_row,
                                               const rows_piece *pieces, int64_t count, float *lane_sums,
                                               int64_t sum_stride)
{
    __m256 acc[AVX2_GRAD_CHANNELS][2][ROWS_MAX_KERNEL_W];
    TN_UNROLL_FULLY
    for (int o = 0; o < CHANNELS; o++) {
        TN_UNROLL_FULLY
        for (int r = 0; r < ROWS; r++) {
            TN_UNROLL_FULLY
            for (int q = 0; q < KW; q++)
                acc[o][r][q] = _mm256_loadu_ps(lane_sums + o * sum_stride + (r * KW + q) * ROWS_LANES);
        }
    }
    for (int64_t u = 0; u < count; u++) {
        for (int half = 0; half < 2; half++) { /* the piece's lanes 0-7, then 8-15 */
            const int lanes = pieces[u].lanes - 8 * half;
            const int64_t out = pieces[u].out + 8 * half, in = pieces[u].in + 8 * half;
            if (lanes >= 8)
                grad_half(CHANNELS, ROWS, KW, 0, acc, g, g_stride, x, x_row, out, in, 8);
            else if (lanes > 0)
                grad_half(CHANNELS, ROWS, KW, 1, acc, g, g_stride, x, x_row, out, in, lanes);
        }
    }
    TN_UNROLL_FULLY
    for (int o = 0; o < CHANNELS; o++) {
        TN_UNROLL_FULLY
        for (int r = 0; r < ROWS; r++) {
            TN_UNROLL_FULLY
            for (int q = 0; q < KW; q++)
                _mm256_storeu_ps(lane_sums + o * sum_stride + (r * KW + q) * ROWS_LANES, acc[o][r][q]);
        }
    }
}

TN_AVX2 void rows_weight_grad_avx2(int block, int rows, int kw, const float *g, int64_t g_stride, const float *x,
                                   int64_t x_row, const rows_piece *pieces, int64_t count, float *lane_sums,
                                   int64_t sum_stride)
{
#define GRAD_CASE(C, R, KW)                                                                                \
    case ((C) * 4 + (R)) * 8 + (KW):                                                                       \
        grad_body(C, R, KW, g + o0 * g_stride, g_stride, x, x_row, pieces, count, lane_sums + o0 * sum_stride, \
                  sum_stride);                                                                             \
        break;
#define GRAD_CASES(C)                                                                                      \
    GRAD_CASE(C, 1, 1) GRAD_CASE(C, 1, 2) GRAD_CASE(C, 1, 3) GRAD_CASE(C, 1, 4) GRAD_CASE(C, 1, 5)         \
    GRAD_CASE(C, 2, 1) GRAD_CASE(C, 2, 2) GRAD_CASE(C, 2, 3)
    for (int o0 = 0; o0 < block; o0 += AVX2_GRAD_CHANNELS) {
        const int channels = block - o0 < AVX2_GRAD_CHANNELS ? block - o0 : AVX2_GRAD_CHANNELS;
        switch ((channels * 4 + rows) * 8 + kw) {
            GRAD_CASES(1) GRAD_CASES(2)
        }
    }
#undef GRAD_CASES
#undef GRAD_CASE
}

#endif
