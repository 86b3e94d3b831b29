/*
 * conv/rows_avx512.c -- the row convolution's tiles in AVX-512 registers
 * (the picture is in rows.h; rows_plain.c computes the same sums in plain C).
 *
 * Both tiles are written once, as an always-inlined body whose channel
 * block, pieces or kernel rows and kernel width are constants in each copy,
 * so that every accumulator is a register of its own; a switch picks the
 * copy.  Pieces shorter than 16 outputs are written under lane masks, and
 * read under them where the lanes past the end must be 0 or the memory may
 * not be there: a masked-off lane touches no memory and comes out 0.
 */
#include "common/simd.h"
#include "conv/rows.h"

#if TN_X86

/* Forward: BLOCK output channels x PIECES pieces = BLOCK * PIECES
 * accumulators.  Per tap, PIECES vectors of the image and BLOCK broadcast
 * weights feed BLOCK * PIECES multiply-adds (pieces past the last are
 * empty: masked to no lanes).  Loads and multiply-adds share the core about
 * evenly only with several pieces per broadcast: a vector load that crosses
 * a cache line, as most of these do, costs two.  With EXACT_READS 0 the
 * loads take whole vectors, lanes past a piece's end too (they are not
 * stored): a masked load costs a move into a mask register per load, on a
 * port the multiply-adds need. */
static TN_AVX512 TN_ALWAYS_INLINE void forward_body(const int BLOCK, const int PIECES, const int EXACT_READS,
                                                    int64_t taps,
                                                    const int64_t *tap, const float *weights, const float *image,
                                                    const rows_piece *pieces, int64_t count, const float *bias,
                                                    float *out, int64_t out_stride)
{
    for (int64_t u = 0; u < count; u += PIECES) {
        __mmask16 mask[4];
        const float *x[4];
        float *y[4];
        __m512 acc[4][ROWS_MAX_BLOCK];
        TN_UNROLL_FULLY
        for (int v = 0; v < PIECES; v++) {
            const rows_piece *piece = &pieces[u + v < count ? u + v : u];
            mask[v] = u + v < count ? tn_avx512_first_lanes(piece->lanes) : 0;
            x[v] = image + piece->in;
            y[v] = out + piece->out;
            TN_UNROLL_FULLY
            for (int o = 0; o < BLOCK; o++)
                acc[v][o] = bias ? _mm512_set1_ps(bias[o]) : _mm512_setzero_ps();
        }
        const float *w = weights;
        for (int64_t t = 0; t < taps; t++, w += BLOCK) {
            __m512 x_t[4];
            TN_UNROLL_FULLY
            for (int v = 0; v < PIECES; v++)
                x_t[v] = EXACT_READS ? _mm512_maskz_loadu_ps(mask[v], x[v] + tap[t]) : _mm512_loadu_ps(x[v] + tap[t]);
            TN_UNROLL_FULLY
            for (int o = 0; o < BLOCK; o++) {
                const __m512 w_o = _mm512_set1_ps(w[o]);
                TN_UNROLL_FULLY
                for (int v = 0; v < PIECES; v++)
                    acc[v][o] = _mm512_fmadd_ps(w_o, x_t[v], acc[v][o]);
            }
        }
        TN_UNROLL_FULLY
        for (int v = 0; v < PIECES; v++) {
            TN_UNROLL_FULLY
            for (int o = 0; o < BLOCK; o++)
                _mm512_mask_storeu_ps(y[v] + o * out_stride, mask[v], acc[v][o]);
        }
    }
}

TN_AVX512 void rows_forward_avx512(int block, int exact_reads, int64_t taps, const int64_t *tap,
                                   const float *weights, const float *image, const rows_piece *pieces, int64_t count,
                                   const float *bias, float *out, int64_t out_stride)
{
#define FORWARD_CASE(B)                                                                               \
    case B:                                                                                           \
        if (exact_reads)                                                                              \
            forward_body(B, rows_tile_pieces(B), 1, taps, tap, weights, image, pieces, count, bias, out, \
                         out_stride);                                                                 \
        else                                                                                          \
            forward_body(B, rows_tile_pieces(B), 0, taps, tap, weights, image, pieces, count, bias, out, \
                         out_stride);                                                                 \
        return;
    switch (block) {
        FORWARD_CASE(1) FORWARD_CASE(2) FORWARD_CASE(3) FORWARD_CASE(4)
        FORWARD_CASE(5) FORWARD_CASE(6) FORWARD_CASE(7) FORWARD_CASE(8)
    }
#undef FORWARD_CASE
}

/* dL/dW: BLOCK output channels x ROWS kernel rows x KW taps = BLOCK * ROWS
 * * KW accumulators, each summing its lanes over every piece of the image.
 * Per piece, BLOCK vectors of dL/dy and ROWS * KW shifted vectors of the
 * image feed BLOCK * ROWS * KW multiply-adds: two kernel rows share the
 * loads of dL/dy where the registers allow.  The accumulators start from and
 * go back to lane_sums, which the driver adds across at the end of its chunk
 * of images. */
static TN_AVX512 TN_ALWAYS_INLINE void grad_body(const int BLOCK, const int ROWS, const int KW, const float *g,
                                                 int64_t g_stride, const float *x, int64_t x_row,
                                                 const rows_piece *pieces, int64_t count, float *lane_sums,
                                                 int64_t sum_stride)
{
    __m512 acc[ROWS_GRAD_BLOCK][2][ROWS_MAX_KERNEL_W];
    TN_UNROLL_FULLY
    for (int o = 0; o < BLOCK; o++) {
        TN_UNROLL_FULLY
        for (int r = 0; r < ROWS; r++) {
            TN_UNROLL_FULLY
            for (int q = 0; q < KW; q++)
                acc[o][r][q] = _mm512_loadu_ps(lane_sums + o * sum_stride + (r * KW + q) * ROWS_LANES);
        }
    }
    for (int64_t u = 0; u < count; u++) {
        const __mmask16 mask = tn_avx512_first_lanes(pieces[u].lanes);
        __m512 g_o[ROWS_GRAD_BLOCK];
        TN_UNROLL_FULLY
        for (int o = 0; o < BLOCK; o++)
            g_o[o] = _mm512_maskz_loadu_ps(mask, g + o * g_stride + pieces[u].out);
        TN_UNROLL_FULLY
        for (int r = 0; r < ROWS; r++) {
            TN_UNROLL_FULLY
            for (int q = 0; q < KW; q++) {
                const __m512 x_q = _mm512_maskz_loadu_ps(mask, x + r * x_row + pieces[u].in + q);
                TN_UNROLL_FULLY
                for (int o = 0; o < BLOCK; o++)
                    acc[o][r][q] = _mm512_fmadd_ps(g_o[o], x_q, acc[o][r][q]);
            }
        }
    }
    TN_UNROLL_FULLY
    for (int o = 0; o < BLOCK; o++) {
        TN_UNROLL_FULLY
        for (int r = 0; r < ROWS; r++) {
            TN_UNROLL_FULLY
            for (int q = 0; q < KW; q++)
                _mm512_storeu_ps(lane_sums + o * sum_stride + (r * KW + q) * ROWS_LANES, acc[o][r][q]);
        }
    }
}

TN_AVX512 void rows_weight_grad_avx512(int block, int rows, int kw, const float *g, int64_t g_stride,
                                       const float *x, int64_t x_row, const rows_piece *pieces, int64_t count,
                                       float *lane_sums, int64_t sum_stride)
{
#define GRAD_CASE(B, R, KW)                                                                               \
    case ((B) * 4 + (R)) * 8 + (KW):                                                                      \
        grad_body(B, R, KW, g, g_stride, x, x_row, pieces, count, lane_sums, sum_stride);                 \
        return;
#define GRAD_CASES(B)                                                                                     \
    GRAD_CASE(B, 1, 1) GRAD_CASE(B, 1, 2) GRAD_CASE(B, 1, 3) GRAD_CASE(B, 1, 4) GRAD_CASE(B, 1, 5)        \
    GRAD_CASE(B, 2, 1) GRAD_CASE(B, 2, 2) GRAD_CASE(B, 2, 3)
    switch ((block * 4 + rows) * 8 + kw) {
        GRAD_CASES(1) GRAD_CASES(2) GRAD_CASES(3) GRAD_CASES(4)
    }
#undef GRAD_CASES
#undef GRAD_CASE
}

#endif
