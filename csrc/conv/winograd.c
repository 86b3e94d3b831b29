/*
 * conv/winograd.c -- a 3x3 stride-1 convolution by Winograd's minimal filtering
 * F(2x2, 3x3): each 2x2 block of outputs from a 4x4 block of the padded input
 * with 16 multiplications a channel pair instead of 36.  Forward here; dL/dx
 * of a stride-1 convolution is a forward pass (sconv_winograd_input_grad).
 * float32.
 *
 * In one dimension, two outputs of a 3-tap filter g over four inputs d,
 *   y0 = d0 g0 + d1 g1 + d2 g2,   y1 = d1 g0 + d2 g1 + d3 g2,
 * come from four products (Lavin and Gray, "Fast Algorithms for Convolutional
 * Neural Networks", 2016):
 *   m0 = (d0 - d2) g0,   m1 = (d1 + d2) (g0 + g1 + g2) / 2,
 *   m3 = (d1 - d3) g2,   m2 = (d2 - d1) (g0 - g1 + g2) / 2,
 *   y0 = m0 + m1 + m2,   y1 = m1 - m2 - m3.
 * As matrices, y = A^T [(G g) * (B^T d)] with * elementwise, and nested for
 * two dimensions:
 *
 *   Y (2x2) = A^T [ U * V ] A,   U = G g G^T (4x4),   V = B^T d B (4x4)
 *
 *   B^T = | 1  0 -1  0 |     G = | 1    0    0  |     A^T = | 1  1  1  0 |
 *         | 0  1  1  0 |         | 1/2  1/2  1/2 |           | 0  1 -1 -1 |
 *         | 0 -1  1  0 |         | 1/2 -1/2  1/2 |
 *         | 0  1  0 -1 |         | 0    0    1  |
 *
 * Summed over input channels c, the elementwise product becomes 16 matrix
 * products, one per point xi of the 4x4 transform (the GEMM's micro-kernel):
 *
 *   M[xi] (C_out x tiles) = U[xi] (C_out x C) * V[xi] (C x tiles)
 *
 * and Y of each tile is A^T M A.  A 3x3 convolution takes 9 multiply-adds per
 * output and channel pair; this one 16 per 4 outputs: 2.25 times fewer, for
 * the price of the three transforms (additions only, O(C + C_out) per tile
 * against the products' O(C * C_out)).  The rounding differs from the direct
 * sum's a little (the transforms add and subtract neighbouring pixels first):
 * about as much as a sum in another order, which the tests' tolerance allows.
 * But the transforms' sums of up to 9 products can overflow where the
 * convolution's do not (an input pixel near 2e38 with weights of 1), and an
 * infinite pixel meets weights of both signs in one sum (inf - inf = NaN where
 * the convolution gives inf): so the output transform notes any Y that is
 * not finite, and the call then answers TN_ERR_UNSUPPORTED, for the
 * dispatcher to compute it the exact way (conv2d.c).
 *
 * Loops: U for all 16 points, packed once per call into the micro-kernel's A
 * panels and shared by the threads; then the tiles, a chunk of whole tile
 * rows at a time (threads take chunks as they come): V of the chunk, the 16
 * products into M, Y out of M.  A chunk's V and M are sized to stay in L2.  The
 * transforms are winograd_transforms.inc's (winograd.h says what each does).
 */
#include <stdlib.h>
#include <string.h>

#include "tinynet.h"
#include "common/prefetch.h"
#include "common/sizes.h"
#include "common/threads.h"
#include "common/simd.h"
#include "conv/conv.h"
#include "conv/winograd.h"
#include "gemm/gemm.h"

#define POINTS WINOGRAD_POINTS
/* Channels (the GEMM's k) multiplied at a time: as gemm.c's kc. */
#define WINOGRAD_MAX_SLICE 256
/* Bytes of one chunk's V and M together (per thread): the tiles of a chunk are chosen to fill it. */
#define WINOGRAD_CHUNK_BYTES (1024 * 1024)

int sconv_winograd_fits(const tn_conv2d_shape *s)
{
    return s->kernel_h == 3 && s->kernel_w == 3 && input_grad_is_forward(s) && s->batch >= 1 && s->out_h >= 1 &&
           s->out_w >= 1;
}

/* U = G g G^T of one 3x3 kernel g (row-major), into u (4x4, row-major). */
static void kernel_transform(const float g[9], float u[POINTS])
{
    float gg[4][3]; /* G g */
    for (int q = 0; q < 3; q++) {
        gg[0][q] = g[q];
        gg[1][q] = 0.5f * (g[q] + g[3 + q] + g[6 + q]);
        gg[2][q] = 0.5f * (g[q] - g[3 + q] + g[6 + q]);
        gg[3][q] = g[6 + q];
    }
    for (int i = 0; i < 4; i++) { /* (G g) G^T */
        u[4 * i + 0] = gg[i][0];
        u[4 * i + 1] = 0.5f * (gg[i][0] + gg[i][1] + gg[i][2]);
        u[4 * i + 2] = 0.5f * (gg[i][0] - gg[i][1] + gg[i][2]);
        u[4 * i + 3] = gg[i][2];
    }
}

/* The transforms compiled for the SIMD level the kernels run at. */
static void transforms_for(int simd, winograd_input_fn **input, winograd_output_fn **output)
{
    *input = winograd_input_plain;
    *output = winograd_output_plain;
#if TN_X86
    if (simd >= TN_SIMD_AVX512) {
        *input = winograd_input_avx512;
        *output = winograd_output_avx512;
    } else if (simd >= TN_SIMD_AVX2) {
        *input = winograd_input_avx2;
        *output = winograd_output_avx2;
    }
#endif
}

/* The chunks, strides and work area of one call (winograd.h's winograd_sizes), for micro-tiles nr wide. */
static winograd_sizes plan_sizes(const tn_conv2d_shape *s, int nr)
{
    winograd_sizes z;
    z.C = s->in_channels;
    z.Co = s->out_channels;
    z.tiles_h = tn_ceil_div(s->out_h, 2);
    z.tiles_w = tn_ceil_div(s->out_w, 2);
    z.tile_rows = s->batch * z.tiles_h;
    const int64_t wanted = WINOGRAD_CHUNK_BYTES / ((int64_t)sizeof(float) * POINTS * (z.C + z.Co)); /* tiles */
    z.rows_per_chunk = tn_min64(z.tile_rows, tn_max64(1, tn_max64(wanted, nr) / z.tiles_w));
    z.chunks = tn_ceil_div(z.tile_rows, z.rows_per_chunk);
    z.chunk_tiles = z.rows_per_chunk * z.tiles_w;
    z.lane_tiles = tn_round_up(z.chunk_tiles, WINOGRAD_LANES);
    /* V's and M's rows hold a chunk's tiles and the whole vectors the transforms write past a part's last
     * tile (fewer than WINOGRAD_LANES) */
    z.stride = tn_round_up(z.chunk_tiles + WINOGRAD_LANES, nr);
    if (z.stride % 64 == 0) /* rows of V a multiple of 256 bytes apart would fall into the same L1 sets */
        z.stride += 16;
    z.slices = tn_ceil_div(z.C, WINOGRAD_MAX_SLICE);
    z.depth = tn_ceil_div(z.C, z.slices);
    z.slice_len = z.Co * z.depth + A_PACK_SLACK;
    const int64_t vector_tw = tn_round_up(z.tiles_w, WINOGRAD_LANES);
    z.quarter = (z.rows_per_chunk + 1) * z.tiles_w + WINOGRAD_LANES;
    z.line_len = tn_max64(s->pad_w + s->in_w, 2 * vector_tw + 4);
    z.quarters_at = 0;
    z.lines_at = 8 * z.quarter;
    z.rows_at = z.lines_at + (2 * (z.rows_per_chunk + 1) + 1) * z.line_len;
    z.corners_at = z.rows_at + POINTS * z.lane_tiles;
    z.out_rows_at = z.corners_at + 4 * z.lane_tiles + WINOGRAD_LANES;
    z.work_len = z.out_rows_at + 2 * z.rows_per_chunk * s->out_w + 2 * vector_tw;
    return z;
}

/* U[xi] = G g G^T of every kernel g = w[o][c] (turned = 0), or of the kernel turned by 180 degrees with its
 * two channel axes swapped (turned = 1: w'[o][c][p][q] = w[c][o][2-p][2-q]), packed as the micro-kernel
 * reads A: for point xi and slice l, element (o, k0 + k) micro-panel by micro-panel (panel_start's
 * heights), k-major within each (gemm.h's packed A).  Run by every thread of a parallel region. */
static void pack_weights(const winograd_sizes *z, const float *w, int turned, int64_t a_panels, float *u)
{
#pragma omp for schedule(static)
    for (int64_t qa = 0; qa < a_panels; qa++) {
        const int64_t r = panel_start(qa, a_panels, z->Co), h = panel_start(qa + 1, a_panels, z->Co) - r;
        for (int64_t c = 0; c < z->C; c++) { /* (channel outer: each point's h numbers land side by side) */
            const int64_t l = c / z->depth, k = c % z->depth, d = tn_min64(z->depth, z->C - l * z->depth);
            /* The turned kernels of channel c (h of them, side by side) lie C_out * 9 numbers after those of
             * c - 1: a new page each step, so ask for them ahead (common/prefetch.h; positions.c measured it). */
            if (turned && c + TN_PREFETCH_STEPS_AHEAD < z->C)
                tn_prefetch_floats(w + ((c + TN_PREFETCH_STEPS_AHEAD) * z->Co + r) * 9, h * 9);
            for (int64_t o = r; o < r + h; o++) {
                float g[9], uu[POINTS];
                for (int p = 0; p < 3; p++)
                    for (int q = 0; q < 3; q++)
                        g[3 * p + q] = turned ? w[((c * z->Co + o) * 3 + 2 - p) * 3 + 2 - q]
                                              : w[((o * z->C + c) * 3 + p) * 3 + q];
                kernel_transform(g, uu);
                for (int xi = 0; xi < POINTS; xi++)
                    u[(xi * z->slices + l) * z->slice_len + r * d + k * h + (o - r)] = uu[xi];
            }
        }
    }
}

/* M[xi] = U[xi] V[xi] for the `tiles` tiles of one chunk, point by point: for each panel of nr tiles (B
 * read in place from V, its rows a stride apart) and each slice of channels, every micro-panel of U[xi]. */
static void multiply_chunk(const sgemm_plan *plan, const winograd_sizes *z, const float *u, int64_t a_panels,
                           const float *v, int64_t tiles, float *m)
{
    const int nr = plan->nr;
    for (int xi = 0; xi < POINTS; xi++) {
        for (int64_t t0 = 0; t0 < tiles; t0 += nr) {
            const int cols = (int)tn_min64(nr, tiles - t0);
            for (int64_t l = 0; l < z->slices; l++) {
                const int64_t k0 = l * z->depth, d = tn_min64(z->depth, z->C - k0);
                const float *b_panel = v + (xi * z->C + k0) * z->stride + t0;
                const float *packed = u + (xi * z->slices + l) * z->slice_len;
                for (int64_t qa = 0; qa < a_panels; qa++) {
                    const int64_t r = panel_start(qa, a_panels, z->Co);
                    const int h = (int)(panel_start(qa + 1, a_panels, z->Co) - r);
                    plan->kernel(d, packed + r * d, b_panel, z->stride, m + (xi * z->Co + r) * z->stride + t0,
                                 z->stride, 1.0f, l == 0 ? 0.0f : 1.0f, h, cols);
                }
            }
        }
    }
}

/* The convolution of x by w (turned = 0), or by the kernel turned by 180 degrees with its two channel
 * axes swapped (turned = 1: dL/dx as a forward convolution; s is then that convolution's shape, and w
 * the original weights, C x C_out x 3 x 3 as s counts them), as taps.c's twin. */
static int winograd_forward_by(const tn_conv2d_shape *s, const float *x, const float *w, int turned,
                               const float *bias, float *y)
{
    const int simd = tn_get_simd_level();
    const sgemm_plan *plan = sgemm_plan_for(simd);
    winograd_input_fn *input_transform;
    winograd_output_fn *output_transform;
    transforms_for(simd, &input_transform, &output_transform);
    const winograd_sizes z = plan_sizes(s, plan->nr);
    const int64_t a_panels = tn_ceil_div(z.Co, plan->mr);
    const int64_t scratch_len = POINTS * (z.C + z.Co) * z.stride + z.work_len; /* a thread's V, M and work */
    const int threads = tn_threads_for_jobs(z.chunks);
    int not_finite = 0;
    float *u = malloc((size_t)(POINTS * z.slices * z.slice_len) * sizeof(float));
    /* zeroed: the lines' padding (winograd.h), and what the micro-kernel's whole vectors read past a chunk's
     * tiles before any transform wrote there */
    float *scratch_all = calloc((size_t)(threads * scratch_len), sizeof(float));
    if (!u || !scratch_all) {
        free(u);
        free(scratch_all);
        return TN_ERR_NOMEM;
    }
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        pack_weights(&z, w, turned, a_panels, u); /* (its loop's end waits for every thread) */
        float *v = scratch_all + tn_thread_id() * scratch_len;
        float *m = v + POINTS * z.C * z.stride, *work = m + POINTS * z.Co * z.stride;
#pragma omp for schedule(dynamic)
        for (int64_t chunk = 0; chunk < z.chunks; chunk++) {
            const int64_t g0 = chunk * z.rows_per_chunk, g1 = tn_min64(z.tile_rows, g0 + z.rows_per_chunk);
            input_transform(s, &z, x, g0, g1, v, work);
            multiply_chunk(plan, &z, u, a_panels, v, (g1 - g0) * z.tiles_w, m);
            if (output_transform(s, &z, m, bias, g0, g1, y, work)) {
#pragma omp atomic write
                not_finite = 1;
            }
        }
    }
    free(u);
    free(scratch_all);
    return not_finite ? TN_ERR_UNSUPPORTED : 0;
}

int sconv_winograd_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y)
{
    return winograd_forward_by(s, x, w, 0, bias, y);
}

/* dL/dx of a stride-1 3x3 convolution with padding <= 2: the forward convolution of dL/dy by the turned
 * kernel (conv/panels_backward.inc states the identity); `t` is that forward convolution's shape
 * (conv2d.c's input_grad_as_forward), w the original weights. */
int sconv_winograd_input_grad(const tn_conv2d_shape *t, const float *w, const float *dy, float *dx)
{
    return winograd_forward_by(t, dy, w, 1, NULL, dx);
}
