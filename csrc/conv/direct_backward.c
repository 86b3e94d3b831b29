/*
 * conv/direct_backward.c -- the backward convolution without im2col
 * (float32, stride 1, padding <= kernel - 1 for dx; the picture is in
 * direct.h):
 *
 *   dL/dW  dW[o, k]     = sum over output pixels of X[pix[pixel] + tap[k]] * G^T[pixel][o]
 *   dL/db  db[o]        = sum over images and output pixels of G[o, pixel]
 *   dL/dx  dx[c, pixel] = sum over (o, p', q') of Gpad[tap'[o,p',q'] + pix'[pixel]] * W'[(o,p',q')][c]
 *
 * where G = dL/dy, Gpad is G padded by kernel - 1 - padding on each side and
 * W' the kernel turned by 180 degrees: dL/dx is the convolution of dL/dy
 * with the flipped kernel (that holds for stride 1).  Any of dx, dw, db may
 * be NULL.  The batch sums of dW and db run in chunks (common/chunks.h).
 */
#include <stdlib.h>

#include "common/chunks.h"
#include "common/padded.h"
#include "common/sizes.h"
#include "common/threads.h"
#include "conv/bias_grad.h"
#include "conv/conv.h"
#include "conv/direct.h"

/* At most this many chunks of the batch sums of dW and db (common/chunks.h). */
#define DIRECT_MAX_CHUNKS 16

/* Everything a backward call shares between its threads (read-only), and
 * the size of each thread's scratch. */
typedef struct {
    const tn_conv2d_shape *s;
    int64_t K, P, Hp, Wp, x_stride;  /* taps; output pixels; padded input plane; image stride in xbuf */
    int64_t Hq, Wq, g_stride;        /* dL/dy padded by kernel-1-pad, for dx */
    int64_t B;                       /* images per group */
    int padded;                      /* x needs a padded copy */
    int width, lanes, blocks;        /* output-channel blocks (dW) */
    int width_c, lanes_c, blocks_c;  /* input-channel blocks (dx) */
    const int64_t *tap, *pix;        /* x's taps; the group's output pixels in x's layout */
    const int64_t *tap_g, *pix_g;    /* dL/dy's taps (o, p', q'); the group's input pixels in its layout */
    const float *w_flipped;          /* blocks_c x (Co*kh*kw) x width_c: the kernel for dx */
    int64_t xbuf_len, gt_len, gpad_len, per_thread;
    int simd;                        /* the tiles' SIMD level (TN_SIMD_*; direct.h) */
} direct_backward_plan;

/* The group [n0, n0 + images): add its part of dW and db to dw_c, db_c (or
 * write it, when `first`), and write its dx.  Any of dx, dw_c, db_c may be NULL. */
static void backward_group(const direct_backward_plan *plan, const float *x, const float *dy, int64_t n0,
                           int64_t images, float *dx, float *dw_c, float *db_c, int first, float *mine)
{
    const tn_conv2d_shape *s = plan->s;
    const int64_t C = s->in_channels, Co = s->out_channels, K = plan->K, P = plan->P;
    float *xbuf = mine, *gt = mine + plan->xbuf_len, *gpad = gt + plan->gt_len, *tile = gpad + plan->gpad_len;
    const float *dy_0 = dy + n0 * Co * P;

    if (db_c)
        sconv_bias_grad(dy_0, images, Co, P, db_c, first);

    if (dw_c) {
        const float *base = x + n0 * C * s->in_h * s->in_w;
        if (plan->padded) {
            tn_copy_into_padded(base, images, C, s->in_h, s->in_w, s->pad_h, s->pad_w, plan->Hp, plan->Wp,
                                plan->x_stride, xbuf, sizeof(float));
            base = xbuf;
        }
        /* G^T by blocks: gt[ob][u][o'] = dL/dy[n0 + b, ob*width + o', v], u = b*P + v; 0 past Co */
        const int width = plan->width;
        const int64_t steps = images * P;
        for (int64_t b = 0; b < images; b++)
            direct_channel_blocks(dy_0 + b * Co * P, Co, P, width, plan->B * P * width, gt + b * P * width);
        for (int64_t ob = 0; ob < plan->blocks; ob++) {
            const int64_t o_count = Co - ob * width < width ? Co - ob * width : width;
            for (int64_t k0 = 0; k0 < K; k0 += plan->lanes) {
                const int count = (int)(K - k0 < plan->lanes ? K - k0 : plan->lanes);
                direct_tile(plan->simd, width, steps, gt + ob * plan->B * P * width, base, plan->pix, plan->tap + k0,
                            count, tile);
                for (int i = 0; i < count; i++)
                    for (int64_t o = 0; o < o_count; o++) {
                        float *target = dw_c + (ob * width + o) * K + k0 + i;
                        *target = first ? tile[i * width + o] : *target + tile[i * width + o];
                    }
            }
        }
    }

    if (dx) {
        /* dL/dy into the middle of planes padded by kernel - 1 - pad on each side */
        const int64_t top = s->kernel_h - 1 - s->pad_h, left = s->kernel_w - 1 - s->pad_w;
        tn_copy_into_padded(dy_0, images, Co, s->out_h, s->out_w, top, left, plan->Hq, plan->Wq, plan->g_stride, gpad,
                            sizeof(float));
        const int width = plan->width_c;
        const int64_t Kg = Co * s->kernel_h * s->kernel_w, pixels = s->in_h * s->in_w;
        for (int64_t cb = 0; cb < plan->blocks_c; cb++) {
            const int64_t c_count = C - cb * width < width ? C - cb * width : width;
            for (int64_t u0 = 0; u0 < images * pixels; u0 += plan->lanes_c) {
                const int count = (int)(images * pixels - u0 < plan->lanes_c ? images * pixels - u0 : plan->lanes_c);
                direct_tile(plan->simd, width, Kg, plan->w_flipped + cb * Kg * width, gpad, plan->tap_g,
                            plan->pix_g + u0, count, tile);
                direct_scatter_tile(tile, width, count, c_count, NULL, u0, pixels,
                                    dx + (n0 * C + cb * width) * pixels, C * pixels, pixels);
            }
        }
    }
}

/* The kernel for dx: w_flipped[cb][(o, p', q')][c'] = w[o, cb*width + c', kh-1-p', kw-1-q'], 0 past C:
 * each input-channel block of the kernel turned by 180 degrees, o and the taps as the steps. */
static void flip_kernel(const tn_conv2d_shape *s, const float *w, int width, int64_t blocks, float *w_flipped)
{
    const int64_t C = s->in_channels, Co = s->out_channels, kh = s->kernel_h, kw = s->kernel_w, Kg = Co * kh * kw;
    for (int64_t cb = 0; cb < blocks; cb++)
        for (int64_t o = 0; o < Co; o++)
            for (int64_t p = 0; p < kh; p++)
                for (int64_t q = 0; q < kw; q++)
                    for (int64_t c = 0; c < width; c++) {
                        const int64_t channel = cb * width + c, k = (o * kh + p) * kw + q;
                        w_flipped[(cb * Kg + k) * width + c] =
                            channel < C ? w[((o * C + channel) * kh + (kh - 1 - p)) * kw + (kw - 1 - q)] : 0.0f;
                    }
}

int sconv_direct_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy, float *dx,
                          float *dw, float *db, int simd)
{
    const int64_t C = s->in_channels, Co = s->out_channels, kh = s->kernel_h, kw = s->kernel_w;
    direct_backward_plan plan = {0};
    plan.s = s;
    plan.K = C * kh * kw;
    plan.P = s->out_h * s->out_w;
    plan.Hp = s->in_h + 2 * s->pad_h;
    plan.Wp = s->in_w + 2 * s->pad_w;
    plan.padded = s->pad_h > 0 || s->pad_w > 0;
    plan.x_stride = C * plan.Hp * plan.Wp; /* (unpadded, x's own image stride) */
    plan.Hq = s->out_h + 2 * (kh - 1 - s->pad_h);
    plan.Wq = s->out_w + 2 * (kw - 1 - s->pad_w);
    plan.g_stride = Co * plan.Hq * plan.Wq;
    plan.B = direct_group_images(s);
    plan.width = direct_block_width(Co);
    plan.lanes = direct_lanes_for(plan.width, simd);
    plan.blocks = (int)tn_ceil_div(Co, plan.width);
    plan.width_c = direct_block_width(C);
    plan.lanes_c = direct_lanes_for(plan.width_c, simd);
    plan.blocks_c = (int)tn_ceil_div(C, plan.width_c);
    const int64_t Kg = Co * kh * kw, pixels = s->in_h * s->in_w, B = plan.B;
    plan.xbuf_len = dw && plan.padded ? B * plan.x_stride : 0;
    plan.gt_len = dw ? plan.blocks * B * plan.P * plan.width : 0;
    plan.gpad_len = dx ? B * plan.g_stride : 0;
    plan.per_thread = plan.xbuf_len + plan.gt_len + plan.gpad_len + DIRECT_TILE_FLOATS;
    plan.simd = simd;

    /* The batch in a fixed number of chunks (a function of the shape alone),
     * each summing its images' dW and db in order (common/chunks.h). */
    const int64_t groups_total = tn_ceil_div(s->batch, B);
    const int64_t chunks = groups_total < DIRECT_MAX_CHUNKS ? groups_total : DIRECT_MAX_CHUNKS;
    const int threads = tn_threads_for_jobs(chunks);
    const int64_t dw_len = dw ? Co * plan.K : 0, part_len = dw_len + (db ? Co : 0);

    int64_t *tables = malloc((size_t)(plan.K + B * plan.P + Kg + B * pixels) * sizeof(int64_t));
    float *w_flipped = dx ? malloc((size_t)(plan.blocks_c * Kg * plan.width_c) * sizeof(float)) : NULL;
    float *partials = chunks > 1 && part_len > 0 ? malloc((size_t)((chunks - 1) * part_len) * sizeof(float)) : NULL;
    float *scratch = calloc((size_t)threads * (size_t)plan.per_thread, sizeof(float));
    if (!tables || (dx && !w_flipped) || (chunks > 1 && part_len > 0 && !partials) || !scratch) {
        free(tables);
        free(w_flipped);
        free(partials);
        free(scratch);
        return TN_ERR_NOMEM;
    }
    int64_t *tap = tables, *pix = tap + plan.K, *tap_g = pix + B * plan.P, *pix_g = tap_g + Kg;
    direct_tap_offsets(C, kh, kw, plan.Hp, plan.Wp, tap);
    direct_pixel_offsets(B, plan.x_stride, s->out_h, s->out_w, plan.Wp, pix);
    direct_tap_offsets(Co, kh, kw, plan.Hq, plan.Wq, tap_g);
    direct_pixel_offsets(B, plan.g_stride, s->in_h, s->in_w, plan.Wq, pix_g);
    plan.tap = tap;
    plan.pix = pix;
    plan.tap_g = tap_g;
    plan.pix_g = pix_g;
    if (dx)
        flip_kernel(s, w, plan.width_c, plan.blocks_c, w_flipped);
    plan.w_flipped = w_flipped;

#pragma omp parallel for num_threads(threads) schedule(dynamic) if (threads > 1)
    for (int64_t chunk = 0; chunk < chunks; chunk++) {
        float *mine = scratch + (int64_t)tn_thread_id() * plan.per_thread;
        float *dw_c, *db_c;
        schunk_targets(dw, db, partials, dw_len, part_len, chunk, &dw_c, &db_c);
        const int64_t g_begin = groups_total * chunk / chunks, g_end = groups_total * (chunk + 1) / chunks;
        for (int64_t g = g_begin; g < g_end; g++) {
            const int64_t n0 = g * B, images = s->batch - n0 < B ? s->batch - n0 : B;
            backward_group(&plan, x, dy, n0, images, dx, dw_c, db_c, g == g_begin, mine);
        }
    }
    sadd_chunk_sums(dw, db, partials, dw_len, part_len, chunks, 1); /* in chunk order */
    free(tables);
    free(w_flipped);
    free(partials);
    free(scratch);
    return 0;
}

