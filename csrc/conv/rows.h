/*
 * conv/rows.h -- the row convolution: float32, stride 1, for few channels
 * on wide images (the 6-conv CNN's 1 -> 4 and 4 -> 4 at 28x28, LeNet-5's
 * 1 -> 6 at 28x28).  Internal; the driver is rows.c, the micro-kernels
 * rows_avx512.c (AVX-512F), rows_avx2.c (AVX2) and rows_plain.c (plain C,
 * the same sums).
 *
 * With 4 channels, every other path vectorises the wrong axis: the GEMM's
 * vectors run along output channels or taps (4 or 9 or 36 of them), the
 * direct tiles' along 8 or 16 output channels, half of them zeros.  Here
 * the vectors run along an output row's pixels, 16 to a vector:
 *
 *   y[o, i, j..j+15] = bias[o] + sum over taps (c, p, q) of
 *                      w[o, c, p, q] * X[c, i + p, j + q .. j + q + 15]
 *
 * X is the image zero-padded (C x Hp x Wp).  For each tap one vector of X
 * is loaded, one weight per output channel broadcast, and one multiply-add
 * done per output channel: every lane is useful however few the channels.
 *
 * A "piece" is up to 16 consecutive outputs of one row: where it reads in
 * X (its first pixel's corner), where it writes in y, and how many lanes it
 * has (a 28-pixel row is a piece of 16 and one of 12).  Lanes past a
 * piece's end are never written (masked stores); the forward tile may read
 * them (whole vectors, where the memory is there), the dL/dW tile reads them
 * as zeros (masked loads).  A forward tile takes 2 to 4 pieces at a time
 * (rows_tile_pieces), so each broadcast weight serves that many vectors.
 *
 * The three passes:
 *
 *   forward  y = the sum above;
 *   dL/dx    the same sum over dL/dy padded by kernel - 1 - padding, with
 *            the kernel turned by 180 degrees and its channel axes swapped
 *            (that holds for stride 1);
 *   dL/dW    dW[o, c, p, q] = sum over images, rows i and pieces of the
 *            lanes of dL/dy[o, i, j..] * X[c, i + p, j + q ..]: the lanes
 *            add up separately and are summed across at the end.
 */
#ifndef TN_CONV_ROWS_H
#define TN_CONV_ROWS_H

#include <stdint.h>

#include "common/simd.h"

#define ROWS_LANES 16        /* outputs per piece: one AVX-512 vector of floats */
#define ROWS_MAX_BLOCK 8     /* output channels per forward tile (2 x 8 accumulators) */
#define ROWS_GRAD_BLOCK 4    /* output channels per dL/dW tile (4 x kw accumulators) */
#define ROWS_MAX_KERNEL_W 5  /* the widest kernel whose dL/dW tile fits the registers */
#define ROWS_PAIR_KERNEL_W 3 /* up to this width, a dL/dW tile takes two kernel rows at once */

/* Pieces per forward tile, for a block of this many output channels: 16 to 18 accumulators
 * (block x pieces), which leaves registers for the pieces' vectors and a broadcast weight. */
static inline int rows_tile_pieces(int block) { return block <= 4 ? 4 : block <= 6 ? 3 : 2; }

typedef struct {
    int64_t in;   /* offset in the padded image plane of the first output's tap (0, 0) */
    int64_t out;  /* offset of the first output in y's plane */
    int lanes;    /* outputs in this piece, 1 .. ROWS_LANES */
} rows_piece;

/* The pieces of an oh x ow output read from a plane Wp wide; returns how many (oh * ceil(ow / 16)). */
int64_t rows_make_pieces(int64_t oh, int64_t ow, int64_t Wp, rows_piece *pieces);

/*
 * The forward tile, over `count` pieces of one image:
 *   out[o * out_stride + piece.out + l] = bias[o] (0 when NULL)
 *       + sum over t < taps of weights[t * block + o] * image[tap[t] + piece.in + l]
 * for o < block (1 .. ROWS_MAX_BLOCK), l < piece.lanes.  With exact_reads 0, the SIMD tiles
 * read whole vectors, up to ROWS_LANES - 1 numbers past the image's last pixel: the caller
 * makes sure they are there (the images after it, or room after a padded copy).
 */
void rows_forward_avx512(int block, int exact_reads, int64_t taps, const int64_t *tap, const float *weights,
                         const float *image, const rows_piece *pieces, int64_t count, const float *bias,
                         float *out, int64_t out_stride);
void rows_forward_avx2(int block, int exact_reads, int64_t taps, const int64_t *tap, const float *weights,
                       const float *image, const rows_piece *pieces, int64_t count, const float *bias, float *out,
                       int64_t out_stride);
void rows_forward_plain(int block, int64_t taps, const int64_t *tap, const float *weights, const float *image,
                        const rows_piece *pieces, int64_t count, const float *bias, float *out, int64_t out_stride);

/*
 * The dL/dW tile, over `count` pieces of one image:
 *   lane_sums[o * sum_stride + (r * kw + q) * ROWS_LANES + l] += sum over pieces of
 *       g[o * g_stride + piece.out + l] * x[r * x_row + piece.in + q + l]
 * for o < block (1 .. ROWS_GRAD_BLOCK), kernel rows r < rows (1, or 2 when kw <= 3), q < kw
 * (1 .. ROWS_MAX_KERNEL_W), l < piece.lanes: lane l of each sum runs on over the images of a
 * chunk, and the driver adds the lanes at its end.  x points at the (c, p) row of taps: image
 * plane c, row offset p * Wp; x_row is Wp.
 */
void rows_weight_grad_avx512(int block, int rows, int kw, const float *g, int64_t g_stride, const float *x,
                             int64_t x_row, const rows_piece *pieces, int64_t count, float *lane_sums,
                             int64_t sum_stride);
void rows_weight_grad_avx2(int block, int rows, int kw, const float *g, int64_t g_stride, const float *x,
                           int64_t x_row, const rows_piece *pieces, int64_t count, float *lane_sums,
                           int64_t sum_stride);
void rows_weight_grad_plain(int block, int rows, int kw, const float *g, int64_t g_stride, const float *x,
                            int64_t x_row, const rows_piece *pieces, int64_t count, float *lane_sums,
                            int64_t sum_stride);

#endif
