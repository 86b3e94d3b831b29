/*
 * conv/im2col.c -- 2-D convolution (NCHW), forward and backward, by im2col
 * + GEMM: the algorithm for every shape that conv2d.c does not give to the
 * direct convolution.
 *
 * The math (a cross-correlation, as in PyTorch):
 *
 *   y[n,o,i,j] = b[o] + sum_{c,p,q} w[o,c,p,q] * x[n, c, i*sh + p - ph, j*sw + q - pw]
 *
 * with x = 0 outside its bounds.  Fix one image n.  Copy every receptive
 * field (the C x kh x kw block of x that one output pixel sees) into a column
 * of a matrix "col" -- that is im2col:
 *
 *   col[(c,p,q), (i,j)] = x[c, i*sh + p - ph, j*sw + q - pw]
 *
 * One input channel, a 3x3 image, a 2x2 kernel, stride 1, no padding:
 *
 *      x                        col (K = C*kh*kw rows, P = out_h*out_w columns)
 *    a b c                             (i,j) = (0,0) (0,1) (1,0) (1,1)
 *    d e f        tap (p,q) = (0,0)              a     b     d     e
 *    g h i                    (0,1)              b     c     e     f
 *                             (1,0)              d     e     g     h
 *                             (1,1)              e     f     h     i
 *
 * Each column is one receptive field; each row is the image seen through one
 * kernel tap, shifted.  The weight tensor, as stored, already is a
 * C_out x K matrix W, so the whole convolution of image n is one GEMM:
 *
 *   Y_n (C_out x P) = W (C_out x K) * col_n (K x P)        (+ b[o] on row o)
 *
 * and Y_n is exactly y[n] in NCHW order.  A 1x1 kernel with stride 1 and no
 * padding needs no copy at all: col_n is x[n] itself, viewed as C x (H*W).
 *
 * Backward, with G_n = dL/dY_n (C_out x P), the chain rule through that GEMM:
 *
 *   dL/dW     = sum_n G_n * col_n^T                      (C_out x K)
 *   dL/db[o]  = sum_n sum_{i,j} G_n[o, (i,j)]
 *   dL/dcol_n = W^T * G_n                                (K x P)
 *   dL/dx_n   = col2im(dL/dcol_n)
 *
 * col2im is im2col run backwards: each entry of dL/dcol_n is *added* to the
 * pixel that im2col copied it from.  A pixel inside several receptive fields
 * appears in several columns, and so collects the sum of their gradients;
 * entries that came from the zero padding have no pixel and are dropped.
 *
 * Groups of images.  One image's col has only P = out_h*out_w columns: for
 * the small images of small networks (P = 49 at 7x7) that makes a GEMM too
 * thin to run at speed.  So we lay the col matrices of a group of B images
 * side by side and multiply them all at once:
 *
 *   [Y_1 | ... | Y_B] = W * [col_1 | ... | col_B]       (C_out x B*P)
 *
 * then copy each Y_b block into its place in y (adding the bias on the way).
 * Backward does the same with [G_1 | ... | G_B]: one GEMM gives the group's
 * whole contribution to dW, since sum_b G_b col_b^T = [G_1|...] [col_1|...]^T.
 *
 * Threads.  When a group's GEMM is small (few output channels, small images:
 * the usual case in small networks) we give whole groups to threads, each
 * with its own scratch buffers, and the GEMM runs single-threaded inside (see
 * gemm/gemm.c).  When it is big, or there is one group, we walk the batch in
 * order and let the GEMM thread itself.
 *
 * Determinism.  dL/dW and dL/db are sums over the batch, cut into chunks
 * by the shape alone (common/chunks.h), so the gradients are the same, bit
 * for bit, on 1 thread or many.
 *
 * The type-independent planning is here; the loops are written once for a
 * type REAL in im2col.inc (im2col, col2im and their scratch),
 * im2col_forward.inc and im2col_backward.inc, instantiated at the end of
 * this file.
 */
#include <stdlib.h>
#include <string.h>

#include "tinynet.h"
#include "common/chunks.h"
#include "common/padded.h"
#include "common/sizes.h"
#include "common/threads.h"
#include "conv/conv.h"

/* Aim for about this many columns (B*P) in a group's GEMM ... */
#define CONV_GROUP_COLUMNS 1024
/* ... as long as the group's col matrix has at most this many elements
 * (256 KiB of floats: it is written by im2col and read by the GEMM while it
 * is still in L2; 1 MiB groups were 5-10% slower at the 7x7 and 14x14 layers
 * of the 6-conv CNN). */
#define CONV_GROUP_ELEMENTS ((int64_t)1 << 16)
/* Group GEMMs of at least this many multiply-adds are worth threading on
 * their own; smaller ones are run one per thread. */
#define CONV_BIG_GEMM ((int64_t)1 << 25)
/* Below this many multiply-adds in total, waking threads costs more than it saves. */
#define CONV_SMALL_TOTAL ((int64_t)1 << 16)
/* At most this many chunks (partial sums) for the batch reduction of dW ... */
#define CONV_MAX_CHUNKS 16
/* ... and at most this many elements of partial-sum buffers in all. */
#define CONV_PARTIAL_BUDGET ((int64_t)1 << 22)

/*
 * Which outputs read inside the image along one axis.  Output t reads input
 * t*stride + offset (offset = tap - pad); it is in bounds when
 * 0 <= t*stride + offset < in_size.  Sets [*lo, *hi) to those t, clipped to
 * [0, out_size).  Outputs outside that range read the zero padding.
 */
static void valid_outputs(int64_t offset, int64_t stride, int64_t in_size, int64_t out_size,
                          int64_t *lo, int64_t *hi)
{
    int64_t first = offset >= 0 ? 0 : tn_ceil_div(-offset, stride);
    int64_t end = in_size - offset <= 0 ? 0 : tn_ceil_div(in_size - offset, stride);
    if (first > out_size)
        first = out_size;
    if (end > out_size)
        end = out_size;
    if (end < first)
        end = first;
    *lo = first;
    *hi = end;
}

/* A 1x1 kernel, stride 1, no padding: im2col would be the identity. */
static int is_pointwise(const tn_conv2d_shape *s)
{
    return s->kernel_h == 1 && s->kernel_w == 1 && s->stride_h == 1 && s->stride_w == 1 &&
           s->pad_h == 0 && s->pad_w == 0;
}

/* Rows of one image's col matrix (K) and its columns (P). */
static int64_t col_rows(const tn_conv2d_shape *s) { return s->in_channels * s->kernel_h * s->kernel_w; }
static int64_t col_cols(const tn_conv2d_shape *s) { return s->out_h * s->out_w; }

/* At most how many images share one GEMM (B above): a function of the shape only. */
static int64_t group_size(const tn_conv2d_shape *s)
{
    if (is_pointwise(s)) /* x[n] itself is col_n: no copy at all beats a copy into a wider GEMM */
        return 1;
    int64_t images = tn_ceil_div(CONV_GROUP_COLUMNS, col_cols(s));
    int64_t fit = CONV_GROUP_ELEMENTS / (col_rows(s) * col_cols(s));
    if (images > fit)
        images = fit;
    return images < 1 ? 1 : images;
}

/*
 * Row stride of a group's col and [Y_1|...] buffers, which have `columns`
 * (B*P) columns: one more cache line's worth when rows `columns` apart would
 * lie a multiple of 256 bytes apart.  Such rows fall into few of the L1
 * cache's sets and evict one another while the GEMM reads them (LeNet's
 * second convolution, 16 images of 8x8 = 1024 columns, ran at half speed).
 */
static int64_t group_stride(int64_t columns) { return columns % 64 == 0 ? columns + 16 : columns; }
/* The most group_stride() can be for up to `columns` columns. */
static int64_t group_stride_max(int64_t columns) { return columns + 16; }

/* Threads for a loop over `jobs` groups of images; 1 means "walk the batch in
 * order and let the GEMM thread". */
static int batch_threads(const tn_conv2d_shape *s, int64_t jobs)
{
    int64_t per_image = s->out_channels * col_rows(s) * col_cols(s);
    if (jobs < 2 || per_image * group_size(s) >= CONV_BIG_GEMM)
        return 1;
    if (per_image * s->batch < CONV_SMALL_TOTAL)
        return 1;
    return tn_threads_for_jobs(jobs);
}

/* How many chunks the batch is cut into for the dW / db sums: a function of
 * the shape only, so that the result does not depend on the thread count. */
static int64_t reduction_chunks(const tn_conv2d_shape *s)
{
    int64_t per_chunk = s->out_channels * col_rows(s) + s->out_channels;
    int64_t chunks = s->batch < CONV_MAX_CHUNKS ? s->batch : CONV_MAX_CHUNKS;
    int64_t affordable = CONV_PARTIAL_BUDGET / per_chunk;
    if (chunks > affordable)
        chunks = affordable;
    return chunks < 1 ? 1 : chunks;
}

/* ---- the loops, once per type -------------------------------------------------
 * float:  sconv_im2col_forward, sconv_im2col_backward (GEMM = tn_sgemm)
 * double: dconv_im2col_forward, dconv_im2col_backward (GEMM = tn_dgemm) */

#define REAL float
#define NAME(x) s##x
#define GEMM tn_sgemm
#include "conv/im2col.inc"
#include "conv/im2col_forward.inc"
#include "conv/im2col_backward.inc"
#undef REAL
#undef NAME
#undef GEMM

#define REAL double
#define NAME(x) d##x
#define GEMM tn_dgemm
#include "conv/im2col.inc"
#include "conv/im2col_forward.inc"
#include "conv/im2col_backward.inc"
#undef REAL
#undef NAME
#undef GEMM
