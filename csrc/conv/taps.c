/*
 * conv/taps.c -- a stride-1 convolution one kernel tap at a time, each tap a
 * GEMM whose B is read in place from shifted copies of the image: the panel
 * path's twin for ResNet's 28x28 and 14x14 stages, which leaves out the
 * im2col fill (the panels write kh*kw copies of every input pixel into B
 * panels, and at 28x28 with 64 channels that store-bound fill was a fifth of
 * the forward pass).  Forward here; dL/dx of a stride-1 convolution is a
 * forward pass (sconv_taps_input_grad).  float32.
 *
 * With stride 1, output (i, j) reads padded pixel (i + p, j + q) through tap
 * (p, q).  Cut the padded image to out_w columns starting at column q: that
 * is X_q[c] (padded rows r = 0 .. in_h + 2 pad_h - 1, columns j = 0 .. out_w - 1,
 * X_q[c][r][j] = padded x[c][r][j + q]).  Then output t = i*out_w + j reads,
 * through tap (p, q), X_q[c] at r*out_w + j with r = i + p: number t + p*out_w
 * of X_q[c], so every output of the image reads consecutive numbers, and
 *
 *   Y (C_out x P) = sum over the kernel rows p of  W_p (C_out x C*kw) * B_p (C*kw x P),
 *   W_p[o, (c, q)] = w[o, c, p, q],   B_p[(c, q), t] = X_q[c][t + p*out_w]
 *
 * B_p is the copies themselves, channel by channel, from number p*out_w on:
 * with X_q[c] kept at (c*kw + q) planes, its rows are a plane apart and the
 * micro-kernel reads them in place.  kw shifted copies serve all kh*kw taps:
 * kw/(kh*kw) of im2col's stores (a third, for 3x3).  Y is the image's output
 * as y stores it (C_out rows of P), so nothing is copied out.
 *
 * Loops, per image (threads take images as they come): make X_0 .. X_{kw-1};
 * for each panel of nr outputs, for each kernel row and k slice, B's
 * micro-panel stays in L1 while every micro-panel of W_p (all packed once
 * per call, shared by the threads; in L2) multiplies it into Y's column
 * panel, which stays in L1 across the kernel rows.
 */
#include <stdlib.h>
#include <string.h>

#include "tinynet.h"
#include "common/sizes.h"
#include "common/threads.h"
#include "conv/conv.h"
#include "gemm/gemm.h"

/* Channels (the GEMM's k) multiplied at a time: as gemm.c's kc. */
#define TAPS_MAX_SLICE 256
/* Bytes of one thread's shifted copies, at most: scratch in proportion to the input. */
#define TAPS_MAX_COPIES (64 * 1024 * 1024)

/* The numbers between two channels of X_q: the padded rows times out_w, but not a multiple of 64 (rows of
 * B a multiple of 256 bytes apart would fall into the same L1 sets). */
static int64_t channel_stride(const tn_conv2d_shape *s)
{
    const int64_t plane = (s->in_h + 2 * s->pad_h) * s->out_w;
    return plane % 64 == 0 ? plane + 16 : plane;
}

double sconv_taps_copies(const tn_conv2d_shape *s)
{
    if (!input_grad_is_forward(s) || s->batch < 1)
        return -1;
    const double copies = 4.0 * (double)s->in_channels * (double)s->kernel_w * (double)(s->in_h + 2 * s->pad_h) *
                          (double)s->out_w;
    return copies <= TAPS_MAX_COPIES ? copies : -1;
}

/* X_0 .. X_{kw-1} of one image (C channels of in_h x in_w) into xs, channel c of X_q at (c * kw + q) * cs:
 * the pixels inside the image; the padding and the room past the planes are zeroed once, before the
 * first image, and stay zero. */
static void shifted_copies(const tn_conv2d_shape *s, const float *x_b, int64_t cs, float *xs)
{
    const int64_t C = s->in_channels, H = s->in_h, W = s->in_w, ow = s->out_w;
    for (int64_t q = 0; q < s->kernel_w; q++) {
        /* columns j of X_q inside the image: 0 <= j + q - pad_w < W */
        const int64_t j_lo = tn_max64(0, s->pad_w - q), j_hi = tn_min64(ow, W + s->pad_w - q);
        if (j_hi <= j_lo)
            continue;
        for (int64_t c = 0; c < C; c++) {
            float *to = xs + (c * s->kernel_w + q) * cs + s->pad_h * ow; /* image row r is padded row r + pad_h */
            const float *from = x_b + c * H * W + q - s->pad_w;  /* (pixel (r, j + q - pad_w) at r * W + j) */
            if (ow == W) {
                /* rows as long as the image's (ResNet's 3x3, padding 1): the image in one copy, shifted by
                 * q - pad_w numbers; the numbers that wrapped round into the next or previous row are the
                 * columns outside the image, zeroed again */
                /* (j_lo: where the first row sees the image; end: where the last row stops seeing it) */
                const int64_t end = tn_min64(H * W, H * W + s->pad_w - q);
                memcpy(to + j_lo, from + j_lo, (size_t)(end - j_lo) * sizeof(float));
                for (int64_t r = 0; r < H; r++) {
                    for (int64_t j = 0; j < j_lo; j++)
                        to[r * ow + j] = 0;
                    for (int64_t j = j_hi; j < ow; j++)
                        to[r * ow + j] = 0;
                }
            } else {
                for (int64_t r = 0; r < H; r++)
                    memcpy(to + r * ow + j_lo, from + r * W + j_lo, (size_t)(j_hi - j_lo) * sizeof(float));
            }
        }
    }
}

/* The convolution of x by w (turned = 0), or by the kernel turned by 180 degrees with its two channel
 * axes swapped (turned = 1: dL/dx as a forward convolution; s is then that convolution's shape, and w
 * the original weights, C x C_out x kh x kw as s counts them), as positions.c's twin. */
static int taps_forward_by(const tn_conv2d_shape *s, const float *x, const float *w, int turned, const float *bias,
                           float *y)
{
    const sgemm_plan *plan = sgemm_plan_for(tn_get_simd_level());
    const int mr = plan->mr, nr = plan->nr;
    const int64_t B = s->batch, C = s->in_channels, Co = s->out_channels, kh = s->kernel_h, kw = s->kernel_w;
    const int64_t taps = kh * kw, P = s->out_h * s->out_w, ow = s->out_w;
    const int64_t K = C * kw; /* one kernel row's k: (c, q), c-major, as the copies lie in xs */
    const int64_t slices = tn_ceil_div(K, TAPS_MAX_SLICE), depth = tn_ceil_div(K, slices);
    const int64_t a_panels = tn_ceil_div(Co, mr), slice_len = Co * depth + A_PACK_SLACK;
    const int64_t cs = channel_stride(s);
    /* the copies, and room for the micro-kernel's whole-vector reads past the last plane: the last output
     * panel's reads end before (K - 1) * cs + (kh - 1) * out_w + round_up(P, nr) <= K * cs + nr */
    const int64_t xs_len = K * cs + nr;
    const int threads = tn_threads_for_jobs(B);
    float *a = malloc((size_t)(kh * slices * slice_len) * sizeof(float));
    float *xs_all = calloc((size_t)(threads * xs_len), sizeof(float));
    if (!a || !xs_all) {
        free(a);
        free(xs_all);
        return TN_ERR_NOMEM;
    }
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        /* A for kernel row p and slice l: element (o, k0 + k) = w[o, c, p, q] with (c, q) = k0 + k, micro-panel
         * by micro-panel (panel_start's heights), k-major within each (gemm.h's packed A). */
#pragma omp for schedule(static)
        for (int64_t pq = 0; pq < kh * slices * a_panels; pq++) {
            const int64_t pl = pq / a_panels, qa = pq % a_panels, p = pl / slices, k0 = pl % slices * depth;
            const int64_t d = tn_min64(depth, K - k0);
            const int64_t r = panel_start(qa, a_panels, Co), h = panel_start(qa + 1, a_panels, Co) - r;
            float *to = a + pl * slice_len + r * d;
            for (int64_t k = 0; k < d; k++) {
                const int64_t c = (k0 + k) / kw, q = (k0 + k) % kw;
                for (int64_t i = 0; i < h; i++) /* turned: w'[o][c][p][q] = w[c][o][kh-1-p][kw-1-q] */
                    to[k * h + i] = turned ? w[((c * Co + r + i) * kh + kh - 1 - p) * kw + kw - 1 - q]
                                           : w[((r + i) * C + c) * taps + p * kw + q];
            }
        }
        float *xs = xs_all + tn_thread_id() * xs_len;
#pragma omp for schedule(dynamic)
        for (int64_t b = 0; b < B; b++) {
            shifted_copies(s, x + b * C * s->in_h * s->in_w, cs, xs);
            float *y_b = y + b * Co * P;
            for (int64_t t0 = 0; t0 < P; t0 += nr) {
                const int cols = (int)tn_min64(nr, P - t0);
                for (int64_t pl = 0; pl < kh * slices; pl++) { /* kernel row p, slice from k0 */
                    const int64_t p = pl / slices, k0 = pl % slices * depth, d = tn_min64(depth, K - k0);
                    const float *b_panel = xs + k0 * cs + p * ow + t0; /* row k: X_q[c] from p * out_w + t0 */
                    const float *packed = a + pl * slice_len;
                    for (int64_t qa = 0; qa < a_panels; qa++) {
                        const int64_t r = panel_start(qa, a_panels, Co);
                        const int h = (int)(panel_start(qa + 1, a_panels, Co) - r);
                        plan->kernel(d, packed + r * d, b_panel, cs, y_b + r * P + t0, P, 1.0f, pl == 0 ? 0.0f : 1.0f,
                                     h, cols);
                    }
                }
            }
            if (bias)
                for (int64_t o = 0; o < Co; o++)
                    for (int64_t u = 0; u < P; u++)
                        y_b[o * P + u] += bias[o];
        }
    }
    free(a);
    free(xs_all);
    return 0;
}

int sconv_taps_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y)
{
    return taps_forward_by(s, x, w, 0, bias, y);
}

/* dL/dx of a stride-1 convolution with padding <= kernel - 1: the forward convolution of dL/dy by the
 * turned kernel (conv/panels_backward.inc states the identity); `t` is that forward convolution's shape
 * (conv2d.c's input_grad_as_forward), w the original weights. */
int sconv_taps_input_grad(const tn_conv2d_shape *t, const float *w, const float *dy, float *dx)
{
    return taps_forward_by(t, dy, w, 1, NULL, dx);
}
