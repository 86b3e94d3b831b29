/*
 * conv/rows.c -- the row convolution's three passes (float32, stride 1;
 * the picture is in rows.h, the tiles in rows_avx512.c, rows_avx2.c and
 * rows_plain.c; `simd`, a TN_SIMD_* level, says which):
 *
 *   forward  y      images to threads; each pads its image and runs the
 *                   forward tile over the image's pieces, per block of up
 *                   to 8 output channels;
 *   dL/dx    dx     the forward pass of dL/dy, padded by kernel - 1 -
 *                   padding, with the kernel turned (padding <= kernel - 1);
 *   dL/dW    dw db  the batch cut into chunks by the shape alone
 *                   (common/chunks.h), so the sums come out the same on any
 *                   number of threads; a chunk runs image by image (an
 *                   image, padded, and its dL/dy stay in L1 while every
 *                   (channel block, c, p) of the dL/dW tile reads them),
 *                   each sum in 16 lanes added across at the chunk's end.
 */
#include <stdlib.h>
#include <string.h>

#include "common/chunks.h"
#include "common/padded.h"
#include "common/sizes.h"
#include "common/threads.h"
#include "conv/bias_grad.h"
#include "conv/conv.h"
#include "conv/rows.h"

/* At most this many chunks of the batch sums of dW and db (common/chunks.h). */
#define ROWS_MAX_CHUNKS 16

int64_t rows_make_pieces(int64_t oh, int64_t ow, int64_t Wp, rows_piece *pieces)
{
    int64_t count = 0;
    for (int64_t i = 0; i < oh; i++)
        for (int64_t j = 0; j < ow; j += ROWS_LANES, count++) {
            pieces[count].in = i * Wp + j;
            pieces[count].out = i * ow + j;
            pieces[count].lanes = (int)(ow - j < ROWS_LANES ? ow - j : ROWS_LANES);
        }
    return count;
}

/* A stride-1 convolution as the forward tile sees it: `images` images of C
 * planes H x W, padded by top (rows) and left (columns) on each side,
 * kh x kw taps, Co output channels. */
typedef struct {
    int64_t images, C, H, W, top, left, kh, kw, Co;
} rows_problem;

/* The taps run kernel row by kernel row: t = (p * C + c) * kw + q for tap (c, p, q), so that the taps
 * of a range of kernel rows are one range of t (see convolve).
 * packed[ob * ROWS_MAX_BLOCK * K + t * block + o] = kernel(ob * ROWS_MAX_BLOCK + o, tap t), block = the
 * channels in block ob.  kernel(o, (c, p, q)) is w[o, c, p, q] for the forward pass; for dL/dx
 * (`turned`), with c over the forward's output channels, it is w[c, o, kh-1-p, kw-1-q]. */
static void pack_blocks(const tn_conv2d_shape *s, const float *w, int turned, float *packed)
{
    const int64_t kh = s->kernel_h, kw = s->kernel_w;
    const int64_t out = turned ? s->in_channels : s->out_channels, in = turned ? s->out_channels : s->in_channels;
    const int64_t K = in * kh * kw;
    for (int64_t o = 0; o < out; o++) {
        const int64_t ob = o / ROWS_MAX_BLOCK, first = ob * ROWS_MAX_BLOCK;
        const int64_t block = out - first < ROWS_MAX_BLOCK ? out - first : ROWS_MAX_BLOCK;
        for (int64_t t = 0; t < K; t++) {
            const int64_t p = t / (in * kw), c = t / kw % in, q = t % kw; /* the tap (c, p, q) */
            packed[first * K + t * block + (o - first)] =
                turned ? w[((c * out + o) * kh + (kh - 1 - p)) * kw + (kw - 1 - q)] : w[((o * in + c) * kh + p) * kw + q];
        }
    }
}

/* y = the convolution of x with the packed kernel (+ bias when not NULL), all images.
 *
 * A band of output rows (as many as fill a tile's pieces) runs only the kernel rows p that reach
 * the image for one of its rows, not the padding above or below it: for LeNet-5's dL/dx, dL/dy
 * (8x8) padded by 4 to 16x16, the 12 output rows need 40 of their 60 (row, p) pairs. */
static int convolve(const rows_problem *pr, const float *x, const float *packed, const float *bias, float *y,
                    int simd)
{
    const int64_t Hp = pr->H + 2 * pr->top, Wp = pr->W + 2 * pr->left, plane = pr->C * Hp * Wp;
    const int64_t oh = Hp - pr->kh + 1, ow = Wp - pr->kw + 1, P = oh * ow, K = pr->C * pr->kh * pr->kw;
    const int padded = pr->top > 0 || pr->left > 0;
    const int threads = tn_threads_for_jobs(pr->images);
    int64_t *tap = malloc((size_t)K * sizeof(int64_t));
    rows_piece *pieces = malloc((size_t)(oh * tn_ceil_div(ow, ROWS_LANES)) * sizeof(rows_piece));
    /* per thread: a padded image, and room after it for the tiles' whole-vector reads */
    const int64_t per_thread = plane + ROWS_LANES;
    float *scratch = padded ? calloc((size_t)threads * (size_t)per_thread, sizeof(float)) : NULL;
    if (!tap || !pieces || (padded && !scratch)) {
        free(tap);
        free(pieces);
        free(scratch);
        return TN_ERR_NOMEM;
    }
    for (int64_t t = 0; t < K; t++) /* tap (c, p, q) reads c * Hp * Wp + p * Wp + q from a piece's corner */
        tap[t] = t / pr->kw % pr->C * Hp * Wp + t / (pr->C * pr->kw) * Wp + t % pr->kw;
    rows_make_pieces(oh, ow, Wp, pieces);
    const int64_t row_pieces = tn_ceil_div(ow, ROWS_LANES), row_taps = pr->C * pr->kw; /* per row; per p */

#pragma omp parallel for num_threads(threads) schedule(dynamic) if (threads > 1)
    for (int64_t b = 0; b < pr->images; b++) {
        const float *image = x + b * pr->C * pr->H * pr->W;
        /* Whole-vector reads run up to ROWS_LANES - 1 numbers past the image: x's own images after this one
         * must hold them (not the last image, nor, for images of fewer numbers, the few before it). */
        const int exact_reads = !padded && (pr->images - 1 - b) * pr->C * pr->H * pr->W < ROWS_LANES - 1;
        if (padded) {
            float *mine = scratch + (int64_t)tn_thread_id() * per_thread;
            tn_copy_into_padded(image, 1, pr->C, pr->H, pr->W, pr->top, pr->left, Hp, Wp, plane, mine,
                                sizeof(float));
            image = mine;
        }
        for (int64_t first = 0; first < pr->Co; first += ROWS_MAX_BLOCK) {
            const int block = (int)(pr->Co - first < ROWS_MAX_BLOCK ? pr->Co - first : ROWS_MAX_BLOCK);
            const float *weights = packed + first * K, *bias_block = bias ? bias + first : NULL;
            float *out = y + (b * pr->Co + first) * P;
            const int64_t band = tn_max64(1, rows_tile_pieces(block) / row_pieces); /* rows */
            for (int64_t i0 = 0; i0 < oh; i0 += band) {
                const int64_t i1 = tn_min64(oh, i0 + band) - 1;
                /* padded row i + p lies in the image (rows top .. top + H - 1) for some i in i0 .. i1 */
                const int64_t p_lo = tn_max64(0, pr->top - i1), p_hi = tn_min64(pr->kh - 1, pr->top + pr->H - 1 - i0);
                const int64_t t0 = p_lo * row_taps, taps = p_hi >= p_lo ? (p_hi - p_lo + 1) * row_taps : 0;
                const rows_piece *band_pieces = pieces + i0 * row_pieces;
                const int64_t count = (i1 - i0 + 1) * row_pieces;
#if TN_X86
                if (simd >= TN_SIMD_AVX512) {
                    rows_forward_avx512(block, exact_reads, taps, tap + t0, weights + t0 * block, image, band_pieces,
                                        count, bias_block, out, P);
                    continue;
                }
                if (simd >= TN_SIMD_AVX2) {
                    rows_forward_avx2(block, exact_reads, taps, tap + t0, weights + t0 * block, image, band_pieces,
                                      count, bias_block, out, P);
                    continue;
                }
#endif
                rows_forward_plain(block, taps, tap + t0, weights + t0 * block, image, band_pieces, count, bias_block,
                                   out, P);
            }
        }
    }
    free(tap);
    free(pieces);
    free(scratch);
    return 0;
}

int sconv_rows_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y,
                       int simd)
{
    float *packed = malloc((size_t)(s->out_channels * s->in_channels * s->kernel_h * s->kernel_w) * sizeof(float));
    if (!packed)
        return TN_ERR_NOMEM;
    pack_blocks(s, w, 0, packed);
    const rows_problem pr = {s->batch, s->in_channels, s->in_h, s->in_w, s->pad_h, s->pad_w,
                             s->kernel_h, s->kernel_w, s->out_channels};
    const int err = convolve(&pr, x, packed, bias, y, simd);
    free(packed);
    return err;
}

/* dL/dx: dL/dy, padded by kernel - 1 - padding, convolved with the turned kernel. */
static int input_grad(const tn_conv2d_shape *s, const float *w, const float *dy, float *dx, int simd)
{
    float *packed = malloc((size_t)(s->out_channels * s->in_channels * s->kernel_h * s->kernel_w) * sizeof(float));
    if (!packed)
        return TN_ERR_NOMEM;
    pack_blocks(s, w, 1, packed);
    const rows_problem pr = {s->batch, s->out_channels, s->out_h, s->out_w, s->kernel_h - 1 - s->pad_h,
                             s->kernel_w - 1 - s->pad_w, s->kernel_h, s->kernel_w, s->in_channels};
    const int err = convolve(&pr, dy, packed, NULL, dx, simd);
    free(packed);
    return err;
}

/* dL/dW and dL/db (either may be NULL). */
static int weight_grads(const tn_conv2d_shape *s, const float *x, const float *dy, float *dw, float *db, int simd)
{
    const int64_t C = s->in_channels, Co = s->out_channels, kh = s->kernel_h, kw = s->kernel_w, K = C * kh * kw;
    const int64_t Hp = s->in_h + 2 * s->pad_h, Wp = s->in_w + 2 * s->pad_w, plane = C * Hp * Wp;
    const int64_t P = s->out_h * s->out_w;
    const int padded = s->pad_h > 0 || s->pad_w > 0;
    const int64_t chunks = s->batch < ROWS_MAX_CHUNKS ? s->batch : ROWS_MAX_CHUNKS;
    const int threads = tn_threads_for_jobs(chunks);
    const int64_t dw_len = dw ? Co * K : 0, part_len = dw_len + (db ? Co : 0);
    /* per thread: the lanes of dW's sums (16 per element), then a padded image */
    const int64_t per_thread = dw_len * ROWS_LANES + (padded ? plane : 0);

    rows_piece *pieces = malloc((size_t)(s->out_h * tn_ceil_div(s->out_w, ROWS_LANES)) * sizeof(rows_piece));
    float *partials = chunks > 1 ? malloc((size_t)((chunks - 1) * part_len) * sizeof(float)) : NULL;
    float *scratch = dw ? calloc((size_t)threads * (size_t)per_thread, sizeof(float)) : NULL;
    if (!pieces || (chunks > 1 && !partials) || (dw && !scratch)) {
        free(pieces);
        free(partials);
        free(scratch);
        return TN_ERR_NOMEM;
    }
    const int64_t count = rows_make_pieces(s->out_h, s->out_w, Wp, pieces);
    const int64_t pair = kw <= ROWS_PAIR_KERNEL_W ? 2 : 1; /* kernel rows per dL/dW tile */

#pragma omp parallel for num_threads(threads) schedule(dynamic) if (threads > 1)
    for (int64_t chunk = 0; chunk < chunks; chunk++) {
        float *dw_c, *db_c;
        schunk_targets(dw, db, partials, dw_len, part_len, chunk, &dw_c, &db_c);
        const int64_t n_begin = s->batch * chunk / chunks, n_end = s->batch * (chunk + 1) / chunks;
        if (db_c)
            sconv_bias_grad(dy + n_begin * Co * P, n_end - n_begin, Co, P, db_c, 1);
        if (!dw_c)
            continue;
        float *lane_sums = scratch + (int64_t)tn_thread_id() * per_thread, *image_pad = lane_sums + dw_len * ROWS_LANES;
        memset(lane_sums, 0, (size_t)(dw_len * ROWS_LANES) * sizeof(float));
        for (int64_t n = n_begin; n < n_end; n++) {
            const float *image = x + n * C * s->in_h * s->in_w, *g = dy + n * Co * P;
            if (padded) {
                tn_copy_into_padded(image, 1, C, s->in_h, s->in_w, s->pad_h, s->pad_w, Hp, Wp, plane, image_pad,
                                    sizeof(float));
                image = image_pad;
            }
            for (int64_t first = 0; first < Co; first += ROWS_GRAD_BLOCK) {
                const int block = (int)(Co - first < ROWS_GRAD_BLOCK ? Co - first : ROWS_GRAD_BLOCK);
                for (int64_t c = 0; c < C; c++)
                    for (int64_t p = 0; p < kh; p += pair) {
                        const int rows = (int)(kh - p < pair ? kh - p : pair);
                        const float *x_cp = image + c * Hp * Wp + p * Wp; /* the taps (c, p.., 0 .. kw-1) */
                        float *sums = lane_sums + ((first * C + c) * kh * kw + p * kw) * ROWS_LANES;
#if TN_X86
                        if (simd >= TN_SIMD_AVX512) {
                            rows_weight_grad_avx512(block, rows, (int)kw, g + first * P, P, x_cp, Wp, pieces, count,
                                                    sums, K * ROWS_LANES);
                            continue;
                        }
                        if (simd >= TN_SIMD_AVX2) {
                            rows_weight_grad_avx2(block, rows, (int)kw, g + first * P, P, x_cp, Wp, pieces, count,
                                                  sums, K * ROWS_LANES);
                            continue;
                        }
#endif
                        rows_weight_grad_plain(block, rows, (int)kw, g + first * P, P, x_cp, Wp, pieces, count, sums,
                                               K * ROWS_LANES);
                    }
            }
        }
        for (int64_t e = 0; e < dw_len; e++) { /* each element's 16 lanes, added in order */
            float sum = 0.0f;
            for (int l = 0; l < ROWS_LANES; l++)
                sum += lane_sums[e * ROWS_LANES + l];
            dw_c[e] = sum;
        }
    }
    sadd_chunk_sums(dw, db, partials, dw_len, part_len, chunks, 1); /* in chunk order */
    free(pieces);
    free(partials);
    free(scratch);
    return 0;
}

int sconv_rows_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy, float *dx,
                        float *dw, float *db, int simd)
{
    if (dw && s->kernel_w > ROWS_MAX_KERNEL_W) /* (the dL/dW tiles are written for these widths) */
        return TN_ERR_UNSUPPORTED;
    if (dx) {
        const int err = input_grad(s, w, dy, dx, simd);
        if (err)
            return err;
    }
    if (dw || db)
        return weight_grads(s, x, dy, dw, db, simd);
    return 0;
}
