/*
 * conv2d_direct.c -- direct convolution for small images (float32, AVX2):
 * the GEMM of conv2d.c without the im2col matrix.
 *
 * Why.  For a 7x7 image with 16 channels, im2col writes every input pixel
 * nine times into a matrix that is four times the size of the image, and the
 * backward pass writes and reads that much again; moving those numbers took
 * longer than the multiply-adds.  Here the multiply reads the image itself.
 *
 * The idea.  Let the image be zero-padded (C x Hp x Wp, flattened).  Output
 * pixel (i, j) sees, through kernel tap k = (c, p, q), the input at
 *
 *   pixel_offset(i, j) + tap_offset(c, p, q),
 *   pixel_offset(i, j) = i*Wp + j,   tap_offset(c, p, q) = c*Hp*Wp + p*Wp + q
 *
 * (stride 1, the only stride this file serves), so im2col's col[k, pixel] is just X[tap_offset[k] + pixel_offset[pixel]]:
 * two small tables of offsets stand for the whole matrix.  With those, all
 * three passes are one product of the same shape,
 *
 *   out[lane][ch] = sum over steps s of X[step_offset[s] + lane_offset[lane]] * vec[s][ch],
 *
 * for a tile of a few "lanes" and 8 or 16 channels "ch":
 *
 *   forward   y[o, pixel]  = sum_k  X[tap[k] + pix[pixel]]  * W^T[k][o]
 *             (steps = taps, lanes = output pixels, vec = the weights)
 *   dL/dW     dW[o, k]     = sum_pixel  X[pix[pixel] + tap[k]] * G^T[pixel][o]
 *             (steps = output pixels, lanes = taps, vec = dL/dy transposed)
 *   dL/dx     dx[c, pixel] = sum_(o,p,q)  Gpad[tap'[o,p,q] + pix'[pixel]] * W'[(o,p,q)][c]
 *             (a convolution of dL/dy, padded by k-1-pad, with the flipped
 *             kernel: stride 1 only)
 *
 * The tile kernel keeps its accumulators in registers: per step it loads
 * one row of vec (the channels, as one or two 8-float vectors) and
 * broadcasts one X value per lane -- the same shape as the GEMM micro-kernel
 * (gemm.c), with the broadcast operand fetched through the two tables
 * instead of from a packed panel.  Channels come in blocks of 16 (6 lanes)
 * or 8 (8 lanes); a block past the last channel is zero-filled.
 *
 * Several images are laid side by side so that a tile's steps (dW) or
 * lanes (forward, dx) run on across images: the offset of image b's pixel
 * is b * image_stride + pix[pixel].
 *
 * Where it is used (see tn_sconv_direct_applies): float32 on a CPU with
 * AVX2, stride 1, small images, channel counts (4 or more) that fill
 * their 8- or 16-wide blocks at least half.  Everything else goes through
 * im2col + GEMM (conv2d.c).
 * Results equal conv2d.c's up to rounding (the sums run in another order);
 * the tests compare both with the plain loops of conv2d_impl.inc.
 */
#include "conv2d_direct.h"
#include "simd.h"

#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif


/* At most this many images share a tile run, and this many pixels in all. */
#define DIRECT_GROUP_PIXELS 512
/* Images with more output pixels than this go through im2col. */
#define DIRECT_MAX_PIXELS 256

#if TN_X86

static int64_t ceil_div64(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Channels per block: 16 when there are at least 16, else 8. */
static int block_width(int64_t channels) { return channels >= 16 ? 16 : 8; }
/* Lanes per tile: 6 lanes x 2 vectors (12 accumulators), or 8 lanes x 1. */
static int lanes_for(int width) { return width == 16 ? 6 : 8; }
/* Floats in a tile's output, lanes x width, for either shape (6 x 16 or 8 x 8). */
#define TILE_FLOATS 96

/* Enough channels to fill at least half of their blocks (the zeros past the
 * last channel cost multiply-adds; below half, im2col + GEMM was faster)?
 * With blocks of 8 below 16 channels and of 16 from there, that is every
 * count from 4 up: 4-8 in one block of 8, 9-15 in two, 17-32 in two of 16. */
static int channels_fit(int64_t channels) { return channels >= 4; }

int tn_sconv_direct_applies(const tn_conv2d_shape *s, int pass)
{
    if (tn_get_simd_level() < 1)
        return 0;
    if (s->stride_h != 1 || s->stride_w != 1 || s->batch < 1)
        return 0;
    if (s->out_h * s->out_w > DIRECT_MAX_PIXELS)
        return 0;
    switch (pass) {
    case TN_DIRECT_FORWARD:
    case TN_DIRECT_WEIGHT_GRAD:
        return channels_fit(s->out_channels);
    case TN_DIRECT_INPUT_GRAD:
        /* dx as a convolution of dL/dy needs padding <= kernel - 1.  It runs
         * every tap over every input pixel, where im2col + GEMM runs them
         * over the output pixels only: when the convolution shrinks the
         * image (LeNet's 12x12 -> 8x8, 2.25 times fewer) the zeros around
         * dL/dy cost more than col2im does. */
        return channels_fit(s->in_channels) && s->pad_h <= s->kernel_h - 1 && s->pad_w <= s->kernel_w - 1 &&
               s->in_h * s->in_w <= DIRECT_MAX_PIXELS && 2 * s->in_h * s->in_w <= 3 * s->out_h * s->out_w;
    default:
        return 0;
    }
}

/*
 * The tile: out[lane * width + ch] = sum_s base[step_offset[s] + lane_offset[lane]] * vec[s * width + ch]
 * for lane < lanes (<= LANES), ch < width = 8 * VECTORS.  VECTORS and LANES
 * are constants in each copy (see direct_tile), so every accumulator is a
 * register of its own; lanes past `lanes` are computed from lane 0 and not stored.
 */
static TN_AVX2 TN_ALWAYS_INLINE void tile_body(const int VECTORS, const int LANES, int64_t steps, const float *vec,
                                               const float *base, const int64_t *step_offset,
                                               const int64_t *lane_offset, int lanes, float *out)
{
    __m256 acc[12];
    const float *lane_base[8]; /* base + lane_offset[i]: then each broadcast is one (pointer + index) load */
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++)
        acc[i] = _mm256_setzero_ps();
#pragma GCC unroll 8
    for (int i = 0; i < LANES; i++)
        lane_base[i] = base + lane_offset[i < lanes ? i : 0];
    for (int64_t s = 0; s < steps; s++) {
        const int64_t at = step_offset[s];
        const __m256 v0 = _mm256_loadu_ps(vec);
        const __m256 v1 = VECTORS == 2 ? _mm256_loadu_ps(vec + 8) : v0;
#pragma GCC unroll 8
        for (int i = 0; i < LANES; i++) {
            const __m256 xi = _mm256_broadcast_ss(lane_base[i] + at);
            acc[VECTORS * i] = _mm256_fmadd_ps(xi, v0, acc[VECTORS * i]);
            if (VECTORS == 2)
                acc[VECTORS * i + 1] = _mm256_fmadd_ps(xi, v1, acc[VECTORS * i + 1]);
        }
        vec += 8 * VECTORS;
    }
#pragma GCC unroll 12
    for (int i = 0; i < VECTORS * LANES; i++)
        _mm256_storeu_ps(out + 8 * i, acc[i]);
}

static TN_AVX2 void direct_tile(int width, int64_t steps, const float *vec, const float *base,
                                const int64_t *step_offset, const int64_t *lane_offset, int lanes, float *out)
{
    if (width == 16)
        tile_body(2, 6, steps, vec, base, step_offset, lane_offset, lanes, out);
    else
        tile_body(1, 8, steps, vec, base, step_offset, lane_offset, lanes, out);
}

/* ---- tables and buffers ---------------------------------------------------- */

/* tap[(c*kh + p)*kw + q] = c*Hp*Wp + p*Wp + q: where tap (c, p, q) reads, from a pixel's corner. */
static void tap_offsets(int64_t channels, int64_t kh, int64_t kw, int64_t Hp, int64_t Wp, int64_t *tap)
{
    for (int64_t c = 0; c < channels; c++)
        for (int64_t p = 0; p < kh; p++)
            for (int64_t q = 0; q < kw; q++)
                *tap++ = c * Hp * Wp + p * Wp + q;
}

/* pix[b*P + i*ow + j] = b*image_stride + i*Wp + j for `images` images of oh x ow outputs (stride 1). */
static void pixel_offsets(int64_t images, int64_t image_stride, int64_t oh, int64_t ow, int64_t Wp, int64_t *pix)
{
    for (int64_t b = 0; b < images; b++)
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++)
                *pix++ = b * image_stride + i * Wp + j;
}

/* Copy `images` images (channels x H x W) into the middle of their zero-bordered
 * Hp x Wp planes, image_stride apart (the border was zeroed once, and stays). */
static void pad_images(const float *x, int64_t images, int64_t channels, int64_t H, int64_t W,
                       int64_t pad_h, int64_t pad_w, int64_t Wp, int64_t plane_p, int64_t image_stride, float *padded)
{
    for (int64_t b = 0; b < images; b++)
        for (int64_t c = 0; c < channels; c++)
            for (int64_t r = 0; r < H; r++)
                memcpy(padded + b * image_stride + c * plane_p + (r + pad_h) * Wp + pad_w,
                       x + ((b * channels + c) * H + r) * W, (size_t)W * sizeof(float));
}

/*
 * A channels x n matrix (rows n apart) into blocks of `width` channels,
 * transposed: block[ob][j][o] = m[(ob*width + o) * n + j], 0 past the last
 * channel; block ob starts block_stride floats after block ob-1.  That is
 * the layout of vec in a tile (one row of `width` channels per step).
 */
static void to_channel_blocks(const float *m, int64_t channels, int64_t n, int width, int64_t block_stride,
                              float *block)
{
    for (int64_t ob = 0; ob < ceil_div64(channels, width); ob++) {
        const int64_t in_block = channels - ob * width < width ? channels - ob * width : width;
        float *row = block + ob * block_stride;
        for (int64_t j = 0; j < n; j++, row += width) /* written in order; read across channels */
            for (int64_t o = 0; o < width; o++)
                row[o] = o < in_block ? m[(ob * width + o) * n + j] : 0.0f;
    }
}

/* Images per run: up to DIRECT_GROUP_PIXELS output pixels' worth. */
static int64_t group_images(const tn_conv2d_shape *s)
{
    int64_t images = DIRECT_GROUP_PIXELS / (s->out_h * s->out_w);
    if (images < 1)
        images = 1;
    return images < s->batch ? images : s->batch;
}

static int direct_threads(int64_t groups)
{
    int threads = tn_get_num_threads();
#ifdef _OPENMP
    if (omp_in_parallel())
        threads = 1;
#endif
    return groups < threads ? (int)groups : threads;
}

/* Where lane i of a tile starting at pixel u0 (of a group, P pixels an image)
 * goes: image (u0 + i) / P, pixel (u0 + i) % P -- as an offset in an NCHW
 * array whose images are image_stride apart. */
static void lane_targets(int count, int64_t u0, int64_t P, int64_t image_stride, int64_t *target)
{
    int64_t b = u0 / P, v = u0 % P;
    for (int i = 0; i < count; i++) {
        target[i] = b * image_stride + v;
        if (++v == P)
            v = 0, b++;
    }
}

/* out[target(lane) + ch * channel_stride] = tile[lane * width + ch] (+ bias[ch]
 * when bias is not NULL): a tile's lanes (pixels) x channels back into NCHW,
 * channel by channel, so that the stores run along the pixels. */
static void scatter_tile(const float *tile, int width, int count, int64_t channels, const float *bias, int64_t u0,
                         int64_t P, float *out, int64_t image_stride, int64_t channel_stride)
{
    int64_t target[8];
    lane_targets(count, u0, P, image_stride, target);
    for (int64_t ch = 0; ch < channels; ch++) {
        const float add = bias ? bias[ch] : 0.0f;
        for (int i = 0; i < count; i++)
            out[target[i] + ch * channel_stride] = tile[i * width + ch] + add;
    }
}

/* ---- forward ---------------------------------------------------------------- */

int tn_sconv_direct_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y)
{
    const int64_t C = s->in_channels, Co = s->out_channels, kh = s->kernel_h, kw = s->kernel_w;
    const int64_t K = C * kh * kw, P = s->out_h * s->out_w;
    const int64_t Hp = s->in_h + 2 * s->pad_h, Wp = s->in_w + 2 * s->pad_w, image_stride = C * Hp * Wp;
    const int padded = s->pad_h > 0 || s->pad_w > 0;
    const int width = block_width(Co), lanes = lanes_for(width);
    const int64_t blocks = ceil_div64(Co, width);
    const int64_t B = group_images(s), groups = ceil_div64(s->batch, B);
    const int threads = direct_threads(groups);

    /* Shared: the weights as K x width blocks (W^T, zero past Co), and the tables. */
    const int64_t packed_len = blocks * K * width, padded_len = padded ? B * image_stride : 0;
    float *packed = malloc((size_t)packed_len * sizeof(float));
    int64_t *tap = malloc((size_t)(K + B * P) * sizeof(int64_t));
    float *scratch = calloc((size_t)threads * (size_t)(padded_len + TILE_FLOATS), sizeof(float));
    if (!packed || !tap || !scratch) {
        free(packed);
        free(tap);
        free(scratch);
        return TN_ERR_NOMEM;
    }
    int64_t *pix = tap + K;
    to_channel_blocks(w, Co, K, width, K * width, packed); /* W (Co x K) as W^T, by blocks of channels */
    tap_offsets(C, kh, kw, Hp, Wp, tap);
    pixel_offsets(B, image_stride, s->out_h, s->out_w, Wp, pix); /* (unpadded, Hp x Wp is H x W: x itself) */

#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t g = 0; g < groups; g++) {
        float *mine = scratch + (int64_t)conv_thread_id() * (padded_len + TILE_FLOATS);
        float *tile = mine + padded_len;
        const int64_t n0 = g * B, images = s->batch - n0 < B ? s->batch - n0 : B;
        const float *base = x + n0 * C * s->in_h * s->in_w;
        if (padded) {
            pad_images(base, images, C, s->in_h, s->in_w, s->pad_h, s->pad_w, Wp, Hp * Wp, image_stride, mine);
            base = mine;
        }
        for (int64_t ob = 0; ob < blocks; ob++) {
            const int64_t o_count = Co - ob * width < width ? Co - ob * width : width;
            for (int64_t u0 = 0; u0 < images * P; u0 += lanes) {
                const int count = (int)(images * P - u0 < lanes ? images * P - u0 : lanes);
                direct_tile(width, K, packed + ob * K * width, base, tap, pix + u0, count, tile);
                scatter_tile(tile, width, count, o_count, bias ? bias + ob * width : NULL, u0, P,
                             y + (n0 * Co + ob * width) * P, Co * P, P);
            }
        }
    }
    free(packed);
    free(tap);
    free(scratch);
    return 0;
}

/* ---- backward ----------------------------------------------------------------- */

/* At most this many partial sums of dW (see conv2d.c, "Determinism"). */
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

    if (db_c) /* db[o] = sum of dL/dy over the images and pixels of channel o */
        for (int64_t o = 0; o < Co; o++) {
            float lane[8] = {0}; /* 8 running sums: SIMD without -ffast-math, in a fixed order */
            for (int64_t b = 0; b < images; b++) {
                const float *row = dy_0 + (b * Co + o) * P;
                int64_t v = 0;
                for (; v + 8 <= P; v += 8)
                    for (int l = 0; l < 8; l++)
                        lane[l] += row[v + l];
                for (; v < P; v++)
                    lane[v % 8] += row[v];
            }
            float sum = first ? 0.0f : db_c[o];
            for (int l = 0; l < 8; l++)
                sum += lane[l];
            db_c[o] = sum;
        }

    if (dw_c) {
        const float *base = x + n0 * C * s->in_h * s->in_w;
        if (plan->padded) {
            pad_images(base, images, C, s->in_h, s->in_w, s->pad_h, s->pad_w, plan->Wp, plan->Hp * plan->Wp,
                       plan->x_stride, xbuf);
            base = xbuf;
        }
        /* G^T by blocks: gt[ob][u][o'] = dL/dy[n0 + b, ob*width + o', v], u = b*P + v; 0 past Co */
        const int width = plan->width;
        const int64_t steps = images * P;
        for (int64_t b = 0; b < images; b++)
            to_channel_blocks(dy_0 + b * Co * P, Co, P, width, plan->B * P * width, gt + b * P * width);
        for (int64_t ob = 0; ob < plan->blocks; ob++) {
            const int64_t o_count = Co - ob * width < width ? Co - ob * width : width;
            for (int64_t k0 = 0; k0 < K; k0 += plan->lanes) {
                const int count = (int)(K - k0 < plan->lanes ? K - k0 : plan->lanes);
                direct_tile(width, steps, gt + ob * plan->B * P * width, base, plan->pix, plan->tap + k0, count, tile);
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
        pad_images(dy_0, images, Co, s->out_h, s->out_w, top, left, plan->Wq, plan->Hq * plan->Wq, plan->g_stride, gpad);
        const int width = plan->width_c;
        const int64_t Kg = Co * s->kernel_h * s->kernel_w, pixels = s->in_h * s->in_w;
        for (int64_t cb = 0; cb < plan->blocks_c; cb++) {
            const int64_t c_count = C - cb * width < width ? C - cb * width : width;
            for (int64_t u0 = 0; u0 < images * pixels; u0 += plan->lanes_c) {
                const int count = (int)(images * pixels - u0 < plan->lanes_c ? images * pixels - u0 : plan->lanes_c);
                direct_tile(width, Kg, plan->w_flipped + cb * Kg * width, gpad, plan->tap_g, plan->pix_g + u0, count,
                            tile);
                scatter_tile(tile, width, count, c_count, NULL, u0, pixels, dx + (n0 * C + cb * width) * pixels,
                             C * pixels, pixels);
            }
        }
    }
}

int tn_sconv_direct_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                             float *dx, float *dw, float *db)
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
    plan.B = group_images(s);
    plan.width = block_width(Co);
    plan.lanes = lanes_for(plan.width);
    plan.blocks = (int)ceil_div64(Co, plan.width);
    plan.width_c = block_width(C);
    plan.lanes_c = lanes_for(plan.width_c);
    plan.blocks_c = (int)ceil_div64(C, plan.width_c);
    const int64_t Kg = Co * kh * kw, pixels = s->in_h * s->in_w, B = plan.B;
    plan.xbuf_len = dw && plan.padded ? B * plan.x_stride : 0;
    plan.gt_len = dw ? plan.blocks * B * plan.P * plan.width : 0;
    plan.gpad_len = dx ? B * plan.g_stride : 0;
    plan.per_thread = plan.xbuf_len + plan.gt_len + plan.gpad_len + TILE_FLOATS;

    /* The batch in a fixed number of chunks (a function of the shape alone),
     * each summing its images' dW and db in order into its own buffer. */
    const int64_t groups_total = ceil_div64(s->batch, B);
    const int64_t chunks = groups_total < DIRECT_MAX_CHUNKS ? groups_total : DIRECT_MAX_CHUNKS;
    const int threads = direct_threads(chunks);
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
    tap_offsets(C, kh, kw, plan.Hp, plan.Wp, tap);
    pixel_offsets(B, plan.x_stride, s->out_h, s->out_w, plan.Wp, pix);
    tap_offsets(Co, kh, kw, plan.Hq, plan.Wq, tap_g);
    pixel_offsets(B, plan.g_stride, s->in_h, s->in_w, plan.Wq, pix_g);
    plan.tap = tap;
    plan.pix = pix;
    plan.tap_g = tap_g;
    plan.pix_g = pix_g;
    if (dx) /* w_flipped[cb][(o, p', q')][c'] = w[o, cb*width + c', kh-1-p', kw-1-q'] */
        for (int64_t cb = 0; cb < plan.blocks_c; cb++)
            for (int64_t o = 0; o < Co; o++)
                for (int64_t p = 0; p < kh; p++)
                    for (int64_t q = 0; q < kw; q++)
                        for (int64_t c = 0; c < plan.width_c; c++) {
                            const int64_t channel = cb * plan.width_c + c, k = (o * kh + p) * kw + q;
                            w_flipped[(cb * Kg + k) * plan.width_c + c] =
                                channel < C ? w[((o * C + channel) * kh + (kh - 1 - p)) * kw + (kw - 1 - q)] : 0.0f;
                        }
    plan.w_flipped = w_flipped;

#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t chunk = 0; chunk < chunks; chunk++) {
        float *mine = scratch + (int64_t)conv_thread_id() * plan.per_thread;
        float *dw_c = !dw ? NULL : chunk == 0 ? dw : partials + (chunk - 1) * part_len;
        float *db_c = !db ? NULL : chunk == 0 ? db : partials + (chunk - 1) * part_len + dw_len;
        const int64_t g_begin = groups_total * chunk / chunks, g_end = groups_total * (chunk + 1) / chunks;
        for (int64_t g = g_begin; g < g_end; g++) {
            const int64_t n0 = g * B, images = s->batch - n0 < B ? s->batch - n0 : B;
            backward_group(&plan, x, dy, n0, images, dx, dw_c, db_c, g == g_begin, mine);
        }
    }
    /* chunk sums added in chunk order: the same result on any number of threads */
    for (int64_t e = 0; partials && e < part_len; e++) {
        float *target = e < dw_len ? dw + e : db + (e - dw_len);
        float total = *target;
        for (int64_t chunk = 1; chunk < chunks; chunk++)
            total += partials[(chunk - 1) * part_len + e];
        *target = total;
    }
    free(tables);
    free(w_flipped);
    free(partials);
    free(scratch);
    return 0;
}

#else /* no x86: tn_sconv_direct_applies() says no, so the others are never called */

int tn_sconv_direct_applies(const tn_conv2d_shape *s, int pass)
{
    (void)s, (void)pass;
    return 0;
}

int tn_sconv_direct_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                             float *dx, float *dw, float *db)
{
    (void)s, (void)x, (void)w, (void)dy, (void)dx, (void)dw, (void)db;
    return TN_ERR_NOMEM;
}


int tn_sconv_direct_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y)
{
    (void)s, (void)x, (void)w, (void)bias, (void)y;
    return TN_ERR_NOMEM;
}

#endif
