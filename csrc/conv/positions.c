/*
 * conv/positions.c -- the convolution of small images one output position
 * at a time, with the images of the batch as the GEMM's columns: the panel
 * path's twin for small images (ResNet's 4x4 stage), which skips the kernel
 * taps that would read the padding.  Forward, dL/dW and dL/db here; dL/dx of
 * a stride-1 convolution is a forward pass (sconv_positions_input_grad).
 *
 * For output position (i, j) and kernel tap (p, q), every image reads the
 * same pixel (i*sh + p - ph, j*sw + q - pw) of each of its channels.  So
 *
 *   Y_ij (C_out x batch) = sum over the taps (p, q) whose pixel is inside the image of
 *                          W_pq (C_out x C) * X_pixel (C x batch)
 *
 * where W_pq[o, c] = w[o, c, p, q] and X_pixel[c, b] = x[b, c, pixel].  A tap
 * whose pixel lies in the padding is left out of the sum instead of being
 * multiplied by zeros, as im2col + GEMM does: on a 4x4 output with a 3x3
 * kernel and padding 1, a corner position has 4 taps, an edge 6, the
 * middle 9: 69 % of the multiply-adds of im2col (82 % at 7x7).
 *
 *   x  (batch, C, H, W)  ->  xt[pixel][c][b]        (once per call: every tap's
 *                                                    B is then rows of xt, read
 *                                                    by the micro-kernel in place)
 *   w  (C_out, C, kh, kw) -> per tap, W_pq packed as A (micro-panels of mr rows)
 *   Y_ij accumulates in yt[position][o][b]; y[b, o, i, j] = yt[(i, j)][o][b] + bias[o].
 *
 * Loops: jobs are blocks of C_out rows (threads take them as they come); in a
 * job, for each tap and k slice of channels the block's A panels stay in L2
 * while every position the tap reaches multiplies them (each position's B,
 * a k slice of one pixel's rows of xt, stays in L1 across the A panels).
 */
#include <stdlib.h>
#include <string.h>

#include "tinynet.h"
#include "common/prefetch.h"
#include "common/sizes.h"
#include "common/threads.h"
#include "conv/bias_grad.h"
#include "conv/conv.h"
#include "conv/panels.h"
#include "gemm/gemm.h"

/* Channels (the GEMM's k) multiplied at a time: as gemm.c's kc. */
#define POSITIONS_MAX_SLICE 256
/* Output channels per job: as gemm.c's mc (an A block of 168 x 256 floats stays in L2). */
#define POSITIONS_BLOCK_ROWS 168

/* The row stride of xt and yt: the batch rounded up to whole B panels of nr columns (the micro-kernel
 * reads whole panel rows; the columns past the batch are zero), and not a multiple of 64 numbers (rows a
 * multiple of 256 bytes apart would fall into the same L1 sets). */
static int64_t batch_stride(int64_t batch, int nr)
{
    const int64_t ld = tn_round_up(batch, nr);
    return ld % 64 == 0 ? ld + 16 : ld;
}

/* Which taps of the kernel read inside the image for output row i (or column): p with
 * 0 <= i*stride + p - pad < size. */
static int tap_inside(int64_t i, int64_t p, int64_t stride, int64_t pad, int64_t size)
{
    const int64_t at = i * stride + p - pad;
    return at >= 0 && at < size;
}

/* The output positions each kernel tap t reaches inside the image, and the pixel it reads there: for
 * n < reach->count[t], position reach->pos[t * P + n] reads pixel reach->pixel[t * P + n] (P = out_h * out_w). */
typedef struct {
    int64_t *count, *pos, *pixel;
} tap_reach;

static int make_reach(const tn_conv2d_shape *s, tap_reach *reach)
{
    const int64_t taps = s->kernel_h * s->kernel_w, P = s->out_h * s->out_w;
    reach->count = malloc((size_t)taps * sizeof(int64_t));
    reach->pos = malloc((size_t)(taps * P) * sizeof(int64_t));
    reach->pixel = malloc((size_t)(taps * P) * sizeof(int64_t));
    if (!reach->count || !reach->pos || !reach->pixel)
        return TN_ERR_NOMEM;
    for (int64_t t = 0; t < taps; t++) {
        const int64_t p = t / s->kernel_w, q = t % s->kernel_w;
        int64_t n = 0;
        for (int64_t i = 0; i < s->out_h; i++) {
            if (!tap_inside(i, p, s->stride_h, s->pad_h, s->in_h))
                continue;
            for (int64_t j = 0; j < s->out_w; j++) {
                if (!tap_inside(j, q, s->stride_w, s->pad_w, s->in_w))
                    continue;
                reach->pos[t * P + n] = i * s->out_w + j;
                reach->pixel[t * P + n] = (i * s->stride_h + p - s->pad_h) * s->in_w + (j * s->stride_w + q - s->pad_w);
                n++;
            }
        }
        reach->count[t] = n;
    }
    return 0;
}

static void free_reach(tap_reach *reach)
{
    free(reach->count);
    free(reach->pos);
    free(reach->pixel);
}

/* to[(px * channels + c) * ld + b] = from[(b * channels + c) * pixels + px], zero for b from `batch` to ld:
 * a batch of images (or of dL/dy) pixel-major, the images of each (pixel, channel) side by side.  Per
 * channel, 16 images at a time, so that the line of `to` each pixel writes stays in L1.  A work-sharing
 * loop of the enclosing parallel region. */
static void pixel_major(const float *from, int64_t batch, int64_t channels, int64_t pixels, int64_t ld, float *to)
{
#pragma omp for schedule(static)
    for (int64_t c = 0; c < channels; c++)
        for (int64_t b0 = 0; b0 < ld; b0 += 16)
            for (int64_t px = 0; px < pixels; px++) {
                float *row = to + (px * channels + c) * ld;
                for (int64_t b = b0; b < tn_min64(b0 + 16, ld); b++)
                    row[b] = b < batch ? from[(b * channels + c) * pixels + px] : 0;
            }
}

/* The share of im2col's multiply-adds whose tap reads inside the image (the rest read the padding): the
 * share of (output row, kernel row) pairs inside, times that of (output column, kernel column) pairs. */
double sconv_positions_share(const tn_conv2d_shape *s)
{
    int64_t rows = 0, columns = 0;
    for (int64_t p = 0; p < s->kernel_h; p++) {
        int64_t lo, hi;
        inside_outputs(p - s->pad_h, s->stride_h, s->in_h, s->out_h, &lo, &hi);
        rows += hi - lo;
    }
    for (int64_t q = 0; q < s->kernel_w; q++) {
        int64_t lo, hi;
        inside_outputs(q - s->pad_w, s->stride_w, s->in_w, s->out_w, &lo, &hi);
        columns += hi - lo;
    }
    return (double)rows / (double)(s->out_h * s->kernel_h) * (double)columns / (double)(s->out_w * s->kernel_w);
}

/* The convolution of x by w (turned = 0), or by the kernel turned by 180 degrees with its two channel
 * axes swapped (turned = 1: dL/dx as a forward convolution, see sconv_positions_input_grad; s is then
 * that convolution's shape, and w the original weights, C x C_out x kh x kw as s counts them). */
static int positions_forward_by(const tn_conv2d_shape *s, const float *x, const float *w, int turned,
                                const float *bias, float *y)
{
    const sgemm_plan *plan = sgemm_plan_for(tn_get_simd_level());
    const int mr = plan->mr, nr = plan->nr;
    const int64_t B = s->batch, C = s->in_channels, Co = s->out_channels, H = s->in_h, W = s->in_w;
    const int64_t taps = s->kernel_h * s->kernel_w, pixels = H * W, P = s->out_h * s->out_w;
    const int64_t ld = batch_stride(B, nr), slices = tn_ceil_div(C, POSITIONS_MAX_SLICE);
    const int64_t depth = tn_ceil_div(C, slices); /* k slices of nearly equal depth */
    const int64_t a_panels = tn_ceil_div(Co, mr);
    /* A: for each tap and slice, Co rows packed as micro-panels of the heights panel_start gives */
    const int64_t tap_apart = slices * (Co * depth + A_PACK_SLACK), a_len = taps * tap_apart;
    float *xt = malloc((size_t)(pixels * C * ld) * sizeof(float));
    float *yt = malloc((size_t)(P * Co * ld) * sizeof(float));
    float *a = malloc((size_t)a_len * sizeof(float));
    tap_reach reach;
    if (make_reach(s, &reach) || !xt || !yt || !a) {
        free_reach(&reach);
        free(xt);
        free(yt);
        free(a);
        return TN_ERR_NOMEM;
    }
    /* jobs: blocks of A's micro-panels, about POSITIONS_BLOCK_ROWS output rows or fewer, at least one per
     * thread (when there are as many micro-panels); each job reads all of xt once per tap */
    const int64_t jobs = tn_min64(a_panels, tn_max64(tn_ceil_div(Co, POSITIONS_BLOCK_ROWS), tn_free_threads()));
    const int threads = tn_threads_for_jobs(jobs);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        pixel_major(x, B, C, pixels, ld, xt); /* xt[pixel][c][b] = x[b][c][pixel] */
        /* A for tap t and slice l: element (o, c0 + k) = w[o, c0 + k, t].  Per slice and micro-panel, all
         * the taps at once, so that w is read in order (a tap's numbers are `taps` apart in it). */
#pragma omp for schedule(static)
        for (int64_t lq = 0; lq < slices * a_panels; lq++) {
            const int64_t l = lq / a_panels, q = lq % a_panels, c0 = l * depth, d = tn_min64(depth, C - c0);
            const int64_t r = panel_start(q, a_panels, Co), h = panel_start(q + 1, a_panels, Co) - r;
            for (int64_t k = 0; k < d; k++) {
                /* The turned kernel (dL/dx) has this k's h * taps numbers C_out * taps after the previous
                 * k's (18 KiB at 512 channels): a new page each step, so ask for them ahead (common/prefetch.h).
                 * The 4x4 stage's 512 -> 512 dL/dx, batch 64, AVX-512 Xeon, three runs each way, packed its
                 * weights in 2.7-4.2 ms instead of 6.7-8.3 on one thread, 1.4-2.0 instead of 4.1-4.4 on two. */
                if (turned && k + TN_PREFETCH_STEPS_AHEAD < d)
                    tn_prefetch_floats(w + ((c0 + k + TN_PREFETCH_STEPS_AHEAD) * Co + r) * taps, h * taps);
                for (int64_t i = 0; i < h; i++) {
                    float *to = a + l * (Co * depth + A_PACK_SLACK) + r * d + k * h + i; /* + tap t's place */
                    if (!turned) {
                        const float *from = w + ((r + i) * C + c0 + k) * taps; /* w[o][c][t] */
                        for (int64_t t = 0; t < taps; t++)
                            to[t * tap_apart] = from[t];
                    } else { /* w'[o][c][t] = w[c][o][taps - 1 - t] */
                        const float *from = w + ((c0 + k) * Co + r + i) * taps + taps - 1;
                        for (int64_t t = 0; t < taps; t++)
                            to[t * tap_apart] = from[-t];
                    }
                }
            }
        }
        /* the products: job = a block of output rows, every position */
#pragma omp for schedule(dynamic)
        for (int64_t job = 0; job < jobs; job++) {
            int64_t qa0, qa1; /* the job's A micro-panels */
            tn_split_range(0, a_panels, jobs, job, &qa0, &qa1);
            const int64_t r0 = panel_start(qa0, a_panels, Co), r1 = panel_start(qa1, a_panels, Co);
            for (int64_t pos = 0; pos < P; pos++) /* positions no tap reaches (padding only) stay zero */
                for (int64_t o = r0; o < r1; o++)
                    memset(yt + (pos * Co + o) * ld, 0, (size_t)ld * sizeof(float));
            for (int64_t ts = 0; ts < taps * slices; ts++) {
                const int64_t t = ts / slices, c0 = ts % slices * depth, d = tn_min64(depth, C - c0);
                const float *packed = a + ts * (Co * depth + A_PACK_SLACK);
                for (int64_t n = 0; n < reach.count[t]; n++) {
                    const float *b_rows = xt + (reach.pixel[t * P + n] * C + c0) * ld;
                    float *c_rows = yt + reach.pos[t * P + n] * Co * ld;
                    for (int64_t jb = 0; jb < B; jb += nr)
                        for (int64_t qa = qa0; qa < qa1; qa++) {
                            const int64_t r = panel_start(qa, a_panels, Co);
                            const int h = (int)(panel_start(qa + 1, a_panels, Co) - r);
                            plan->kernel(d, packed + r * d, b_rows + jb, ld, c_rows + r * ld + jb, ld, 1.0f, 1.0f, h,
                                         (int)tn_min64(nr, B - jb));
                        }
                }
            }
        }
        /* y[b][o][pos] = yt[pos][o][b] + bias[o]: per output channel, the lines of yt it reads stay in L1
         * while b runs */
#pragma omp for schedule(static)
        for (int64_t o = 0; o < Co; o++) {
            const float add = bias ? bias[o] : 0;
            for (int64_t b = 0; b < B; b++) {
                float *to = y + (b * Co + o) * P;
                for (int64_t pos = 0; pos < P; pos++)
                    to[pos] = yt[(pos * Co + o) * ld + b] + add;
            }
        }
    }
    free_reach(&reach);
    free(xt);
    free(yt);
    free(a);
    return 0;
}

int sconv_positions_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y)
{
    return positions_forward_by(s, x, w, 0, bias, y);
}

/*
 * dL/dx of a stride-1 convolution with padding <= kernel - 1: the forward convolution of dL/dy by the
 * turned kernel, padded kernel - 1 - padding (conv/panels_backward.inc states the identity); `t` is the
 * shape of that forward convolution (conv2d.c's input_grad_as_forward), w the original weights.
 */
int sconv_positions_input_grad(const tn_conv2d_shape *t, const float *w, const float *dy, float *dx)
{
    return positions_forward_by(t, dy, w, 1, NULL, dx);
}

/* dyp: each position's dL/dy (C_out x batch: dY_ij of sconv_positions_weight_grad) as the GEMM's packed A
 * micro-panels (gemm.h), the C_out rows cut by panel_start: panel q (rows r to r + h) of position pos at
 * dyp[(pos * C_out + r) * batch], image b's h numbers side by side at b * h.  Read in place instead, from
 * a transposed copy (its rows `batch` apart: 14 streams of A with AVX-512), the micro-kernel ran a
 * 256 -> 256 dL/dW at 7x7 at about 60 % of the core's peak, and packed 1.2-1.3 times as fast.  A
 * work-sharing loop of the enclosing parallel region. */
static void position_panels(const float *dy, int64_t batch, int64_t co, int64_t positions, int64_t a_panels,
                            float *dyp)
{
#pragma omp for schedule(static)
    for (int64_t q = 0; q < a_panels; q++) {
        const int64_t r = panel_start(q, a_panels, co), h = panel_start(q + 1, a_panels, co) - r;
        for (int64_t b = 0; b < batch; b++) /* (dy's h rows of image b stay in L1 while pos runs) */
            for (int64_t pos = 0; pos < positions; pos++) {
                float *to = dyp + (pos * co + r) * batch + b * h;
                for (int64_t i = 0; i < h; i++)
                    to[i] = dy[(b * co + r + i) * positions + pos];
            }
    }
}

/*
 * dL/dW and dL/db by output positions.  dW[o, c, p, q] sums dy[b, o, i, j] * x[b, c, pixel] over the
 * images b and the positions (i, j) whose pixel for tap (p, q) is inside the image, so for each tap
 *
 *   dW_pq (C_out x C) = sum over those positions of  dY_ij (C_out x batch) * X_pixel^T (batch x C)
 *
 * one product per position with the batch as its k, its A dY_ij packed once per position into the GEMM's
 * micro-panels (dyp, see position_panels) and its B X_pixel^T packed once per pixel into panels of nr
 * channels (xp), whichever taps read it.  A job is one tap and one panel of channels: its columns of
 * dW_pq, summed over the positions in order (so the result is the same on any number of threads), then
 * copied into dw[o, c, p, q].
 */
int sconv_positions_weight_grad(const tn_conv2d_shape *s, const float *x, const float *dy, float *dw, float *db)
{
    const sgemm_plan *plan = sgemm_plan_for(tn_get_simd_level());
    const int mr = plan->mr, nr = plan->nr;
    const int64_t B = s->batch, C = s->in_channels, Co = s->out_channels, H = s->in_h, W = s->in_w;
    const int64_t taps = s->kernel_h * s->kernel_w, pixels = H * W, P = s->out_h * s->out_w;
    const int64_t c_panels = tn_ceil_div(C, nr), a_panels = tn_ceil_div(Co, mr);
    const int64_t panel_len = B * nr; /* one pixel's panel of nr channels: B rows of nr numbers */
    float *dyp = dw ? malloc((size_t)(P * Co * B) * sizeof(float)) : NULL;
    float *xp = dw ? malloc((size_t)(pixels * c_panels * panel_len) * sizeof(float)) : NULL;
    float *dwt = dw ? malloc((size_t)(taps * Co * C) * sizeof(float)) : NULL;
    tap_reach reach = {NULL, NULL, NULL};
    if (dw && (make_reach(s, &reach) || !dyp || !xp || !dwt)) {
        free_reach(&reach);
        free(dyp);
        free(xp);
        free(dwt);
        return TN_ERR_NOMEM;
    }
    if (db)
        sconv_bias_grad(dy, B, Co, P, db, 1);
    if (!dw)
        return 0;
    const int64_t jobs = taps * c_panels;
    const int threads = tn_threads_for_jobs(jobs);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        position_panels(dy, B, Co, P, a_panels, dyp);
        /* xp: pixel px's panel q holds x[b, q*nr + j, px] at row b, lane j (zero past the channels) */
#pragma omp for schedule(static)
        for (int64_t pq = 0; pq < pixels * c_panels; pq++) {
            const int64_t px = pq / c_panels, c0 = pq % c_panels * nr;
            float *panel = xp + pq * panel_len;
            for (int64_t b = 0; b < B; b++)
                for (int64_t j = 0; j < nr; j++)
                    panel[b * nr + j] = c0 + j < C ? x[(b * C + c0 + j) * pixels + px] : 0;
        }
        /* the products: job = (tap, panel of channels) */
#pragma omp for schedule(dynamic)
        for (int64_t job = 0; job < jobs; job++) {
            const int64_t t = job / c_panels, q = job % c_panels;
            const int cols = (int)tn_min64(nr, C - q * nr);
            for (int64_t qa = 0; qa < a_panels; qa++) {
                const int64_t r = panel_start(qa, a_panels, Co);
                const int h = (int)(panel_start(qa + 1, a_panels, Co) - r);
                float *tile = dwt + (t * Co + r) * C + q * nr;
                for (int64_t n = 0; n < reach.count[t]; n++) /* the first position writes the tile, the others add */
                    plan->kernel(B, dyp + (reach.pos[t * P + n] * Co + r) * B,
                                 xp + (reach.pixel[t * P + n] * c_panels + q) * panel_len, nr, tile, C, 1.0f,
                                 n == 0 ? 0.0f : 1.0f, h, cols);
                if (reach.count[t] == 0) /* no position reaches the image through this tap */
                    for (int64_t i = 0; i < h; i++)
                        memset(tile + i * C, 0, (size_t)cols * sizeof(float));
            }
        }
        /* dw[o][c][t] = dwt[t][o][c] */
#pragma omp for schedule(static)
        for (int64_t o = 0; o < Co; o++)
            for (int64_t c = 0; c < C; c++)
                for (int64_t t = 0; t < taps; t++)
                    dw[(o * C + c) * taps + t] = dwt[(t * Co + o) * C + c];
    }
    free_reach(&reach);
    free(dyp);
    free(xp);
    free(dwt);
    return 0;
}
