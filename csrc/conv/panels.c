/*
 * conv/panels.c -- 2-D convolution (NCHW) as im2col + GEMM without the
 * im2col matrix: the algorithm conv2d.c gives the convolutions of ResNet-
 * sized networks (tens to hundreds of channels).
 *
 * im2col.c has the math.  A GEMM does not multiply the matrices it is given:
 * it first copies ("packs") blocks of them into micro-panels, the order its
 * micro-kernel reads (gemm/gemm.c).  For a convolution that means copying
 * every input pixel twice -- into the im2col matrix, then into B's panels.
 * Here im2col writes the panels itself, and the loops around the
 * micro-kernel (the GEMM's loops 4 to 1) are run here:
 *
 *   forward   Y (C_out x N) = W (C_out x K) * col (K x N)
 *             A = W, packed once per call and shared by all threads;
 *             B = col, written into panels by im2col, one k slice at a time.
 *   dL/dx     dcol (K x N) = W^T (K x C_out) * G (C_out x N), then col2im
 *             A = W^T, packed once per call; B = G = dL/dy, copied into
 *             panels once per group; dcol is computed a block of rows at a
 *             time and added back into dL/dx by col2im while it is in cache.
 *   dL/dW     dW (C_out x K) += G * col^T, per group and slice of dW's
 *             columns: A = G, packed a k slice (of pixels) at a time; B =
 *             col^T, one panel at a time: nr rows of col filled by im2col
 *             into a tile that stays in L1, then packed, transposed, from it
 *             (col is never made whole).  Stride-1 convolutions of big
 *             enough images take one GEMM per kernel tap instead, over
 *             shifted copies of each image (panels_shifted.inc).
 *
 * N is the columns of a group of images laid side by side (image b's
 * output pixel (i, j) is column t = b*P + i*out_w + j), as in im2col.c.
 *
 * im2col and col2im here need no zero-padded copy of the image: each
 * (image, output row) stretch of columns is clipped to the pixels a tap
 * sees inside the image, and the rest is zero (im2col) or skipped
 * (col2im).  So a huge padding costs nothing but the outputs it makes.
 *
 * Threads.  Whole groups go to threads, the next group to the first thread
 * that is free (schedule(dynamic): on a core shared with another program a
 * thread does fewer; common/threads.h); each thread has its own scratch
 * (panels, one group's output).  dL/dW and dL/db are summed over the batch
 * in chunks fixed by the shape (common/chunks.h), so every result is the
 * same on any number of threads.  GEMMs called inside the parallel region
 * run on their thread.
 *
 * Written once for a type REAL in panels.inc (the fills and the product),
 * panels_forward.inc, panels_shifted.inc and panels_backward.inc, instantiated below.
 */
#include <stdlib.h>
#include <string.h>

#include "tinynet.h"
#include "common/chunks.h"
#include "common/sizes.h"
#include "common/simd.h"
#include "common/threads.h"
#include "conv/conv.h"
#include "conv/panels.h"
#include "gemm/gemm.h"

/* Aim for about this many columns (output pixels) in a group: the GEMM's n for the forward pass and
 * dL/dx, its k for dL/dW. */
#define PANELS_GROUP_COLUMNS 512
/* The k slice of one pass of the micro-kernel, at most (gemm.c's kc). */
#define PANELS_MAX_SLICE 256
/* Rows of dL/dcol computed (and then added back by col2im) at a time, at most: a block of
 * rows x N numbers stays in L2. */
#define PANELS_DCOL_ROWS 256
/* col2im's adds for a stride of 2 go 8 at a time with AVX-512 (panels_avx512.c) when the output rows have
 * at least this many columns.  dL/dx of ResNet-10's stride-2 convolutions, batch 64, both builds in one
 * process taking turns (median ratio of 25 pairs, AVX-512 Xeon), against the plain strided adds: 3x3 from
 * 28x28 (14 columns) 0.86 of the time on one thread, 0.91 on two; its 1x1 shortcut 0.83 and 0.84; from
 * 14x14 (7 columns) 0.96-0.97 and 0.93; from 7x7 (4 columns) 1.03-1.06. */
#define COL2IM_STRIDE2_MIN_WIDTH 7
/* dL/dW is computed this many of its columns (rows of im2col: channels x taps) at a time, at most;
 * each such slice of dW's columns is a job of its own for the threads. */
#define PANELS_COL_ROWS 576
/* The batch sums of dW and db are cut into chunks (partial sums, added at the end) so that there are
 * about this many (chunk, slice) jobs: enough for 8 threads.  More chunks would only cost memory
 * passes (each chunk's dW is written, then read back by the final sum): ResNet's 256 x 2304 dW in 7
 * chunks is 16 MB more to write and read than in 1.  And at most this many elements of partial sums
 * in all. */
#define PANELS_WEIGHT_JOBS 8
#define PANELS_PARTIAL_BUDGET ((int64_t)1 << 22)

/* Rows of the im2col matrix (K) and columns of one image (P). */
static int64_t col_rows(const tn_conv2d_shape *s) { return s->in_channels * s->kernel_h * s->kernel_w; }
static int64_t image_columns(const tn_conv2d_shape *s) { return s->out_h * s->out_w; }

/* Images per group: about PANELS_GROUP_COLUMNS columns, at least one group per thread when the batch
 * allows, and as many groups for each thread as the batch allows: 64 images of 7x7 make 7 groups of
 * 10 (4 + 3 on two threads: one waits an eighth of the time), or 8 of 8 (4 + 4).  Which changes only
 * how the work is cut, never a result. */
static int64_t group_images(const tn_conv2d_shape *s, int threads)
{
    int64_t images = PANELS_GROUP_COLUMNS / image_columns(s);
    int64_t per_thread = tn_ceil_div(s->batch, threads);
    if (images > per_thread)
        images = per_thread;
    if (images <= 1)
        return 1;
    const int64_t groups = tn_round_up(tn_ceil_div(s->batch, images), threads);
    return tn_ceil_div(s->batch, groups);
}

/* Cut `size` into pieces of at most `most`, nearly equal: how many. */
static int64_t pieces(int64_t size, int64_t most) { return tn_ceil_div(size, most); }

/* The depth of the k slices of a product whose k is `k`: at most PANELS_MAX_SLICE, nearly equal. */
static int64_t slice_depth(int64_t k) { return tn_ceil_div(k, pieces(k, PANELS_MAX_SLICE)); }

/* Where the k slice starting at p0 of A's packing (m rows, slices slice_depth(k) deep) begins: each
 * slice is followed by A_PACK_SLACK numbers of room, which a packing may write past its block, so that
 * threads can pack the slices side by side. */
static int64_t packed_slice_at(int64_t m, int64_t k, int64_t p0)
{
    const int64_t depth = slice_depth(k);
    return p0 / depth * (m * depth + A_PACK_SLACK);
}

/* How many numbers the whole packing takes: every slice with its room. */
static int64_t packed_len(int64_t m, int64_t k)
{
    const int64_t depth = slice_depth(k);
    return tn_ceil_div(k, depth) * (m * depth + A_PACK_SLACK);
}

/* The deepest slice slice_depth() gives for any k up to `k`: what scratch for such slices must hold.
 * (slice_depth itself is not monotonic: 256 gives one slice of 256, 257 two of 129.)  A k past
 * PANELS_MAX_SLICE is cut into slices deeper than PANELS_MAX_SLICE / 2. */
static int64_t deepest_slice(int64_t k) { return tn_min64(k, PANELS_MAX_SLICE); }

/* A row stride for rows of `columns` numbers that is not a multiple of 64 numbers (256 bytes of floats):
 * rows a multiple of 4 KiB apart fall into the same L1 sets and evict one another. */
static int64_t row_stride(int64_t columns) { return columns % 64 == 0 ? columns + 16 : columns; }

/* The widest row_stride() of any row of at most `columns` numbers (a group may have fewer images than
 * another: 60 columns have the stride 60, 64 the stride 80): what scratch for such rows must hold. */
static int64_t widest_row_stride(int64_t columns) { return columns + 16; }

/* Cut the columns of `images` images into stretches along output rows (whole images when
 * stretches_run_on(s)) and at every multiple of nr; returns how many (at most stretch_capacity). */
static int64_t cut_stretches(const tn_conv2d_shape *s, int64_t images, int64_t nr, conv_stretch *out)
{
    const int runs = stretches_run_on(s);
    const int64_t rows = runs ? 1 : s->out_h, width = runs ? image_columns(s) : s->out_w, ow = s->out_w;
    int64_t count = 0, t = 0;
    for (int64_t b = 0; b < images; b++)
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < width;) {
                int64_t len = width - j, room = nr - t % nr;
                if (len > room)
                    len = room;
                out[count++] = (conv_stretch){b, runs ? j / ow : i, runs ? j % ow : j, len, t, t / nr, t % nr};
                j += len;
                t += len;
            }
    return count;
}

/* The most stretches cut_stretches makes for `images` images. */
static int64_t stretch_capacity(const tn_conv2d_shape *s, int64_t images, int64_t nr)
{
    return images * s->out_h * (tn_ceil_div(s->out_w, nr) + 1);
}

/* Rows of the im2col matrix (columns of dW) in one dL/dW job: at most PANELS_COL_ROWS, nearly equal. */
static int64_t weight_slice_rows(const tn_conv2d_shape *s)
{
    return tn_ceil_div(col_rows(s), pieces(col_rows(s), PANELS_COL_ROWS));
}

/* How many chunks the batch is cut into for the dW / db sums: a function of the shape only (so every
 * sum is the same on any number of threads). */
static int64_t reduction_chunks(const tn_conv2d_shape *s)
{
    int64_t per_chunk = s->out_channels * col_rows(s) + s->out_channels;
    int64_t chunks = tn_ceil_div(PANELS_WEIGHT_JOBS, tn_ceil_div(col_rows(s), weight_slice_rows(s)));
    if (chunks > s->batch)
        chunks = s->batch;
    int64_t affordable = PANELS_PARTIAL_BUDGET / per_chunk;
    if (chunks > affordable)
        chunks = affordable;
    return chunks < 1 ? 1 : chunks;
}

/* dL/dW by shifted products (panels_shifted.inc) when: stride 1 and padding at most kernel - 1 (as
 * the turned-kernel dL/dx), images of at least SHIFTED_MIN_PIXELS outputs (each image is one product of
 * that depth: ResNet's 28 x 28 and 14 x 14, not its 7 x 7 and 4 x 4, whose im2col groups several
 * images), channels that fill the B panels about as well as im2col's rows do (each tap's product has
 * C columns in panels of nr, im2col's one has C * taps: a single channel, ResNet's stem, would fill
 * 1 of 32 columns nine times over instead of 9 of 32 once), every chunk's dW within the partial-sum
 * budget, and a thread's shifted images within SHIFTED_MAX_PANELS numbers. */
#define SHIFTED_MIN_PIXELS 128
#define SHIFTED_MAX_PANELS ((int64_t)1 << 22)

/* Rows of one shifted image's panel: the padded image's rows, out_w columns each. */
static int64_t shifted_panel_rows(const tn_conv2d_shape *s) { return (s->in_h + 2 * s->pad_h) * s->out_w; }

static int64_t shifted_chunks(const tn_conv2d_shape *s) { return tn_min64(s->batch, PANELS_WEIGHT_JOBS); }

static int shifted_serves(const tn_conv2d_shape *s, int nr)
{
    if (s->stride_h != 1 || s->stride_w != 1 || s->pad_h > s->kernel_h - 1 || s->pad_w > s->kernel_w - 1)
        return 0;
    if (s->batch < 1 || s->out_h * s->out_w < SHIFTED_MIN_PIXELS)
        return 0;
    const int64_t taps = s->kernel_h * s->kernel_w;
    if (8 * taps * tn_ceil_div(s->in_channels, nr) > 9 * tn_ceil_div(col_rows(s), nr))
        return 0;
    const int64_t part = s->out_channels * col_rows(s) + s->out_channels;
    const int64_t panels = s->kernel_w * tn_ceil_div(s->in_channels, nr) * shifted_panel_rows(s) * nr;
    return part <= PANELS_PARTIAL_BUDGET / PANELS_WEIGHT_JOBS && panels <= SHIFTED_MAX_PANELS;
}

/* ---- the loops, once per type -------------------------------------------------
 * float:  sconv_panels_forward, sconv_panels_backward (tn_sgemm, sgemm_plan_for)
 * double: dconv_panels_forward, dconv_panels_backward (tn_dgemm, dgemm_plan_for) */

#define REAL float
#define NAME(x) s##x
#define PLAN sgemm_plan
#define PLAN_FOR sgemm_plan_for
#define PACK_AT_ROWS sgemm_pack_at_rows
#if TN_X86
#define FILL_AVX512 sfill_col_panels_avx512
#define FILL_AVX2 sfill_col_panels_avx2
#define COL2IM_ROW_STRIDE2_AVX512 scol2im_row_stride2_avx512
#endif
#include "conv/panels.inc"
#include "conv/panels_forward.inc"
#include "conv/panels_shifted.inc"
#include "conv/panels_backward.inc"
#undef REAL
#undef NAME
#undef PLAN
#undef PLAN_FOR
#undef PACK_AT_ROWS
#undef FILL_AVX512
#undef FILL_AVX2
#undef COL2IM_ROW_STRIDE2_AVX512

#define REAL double
#define NAME(x) d##x
#define PLAN dgemm_plan
#define PLAN_FOR dgemm_plan_for
#define PACK_AT_ROWS dgemm_pack_at_rows
#include "conv/panels.inc"
#include "conv/panels_forward.inc"
#include "conv/panels_shifted.inc"
#include "conv/panels_backward.inc"
#undef REAL
#undef NAME
#undef PLAN
#undef PLAN_FOR
#undef PACK_AT_ROWS
